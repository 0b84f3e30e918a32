// `bench` runs and reports what it says it does. Speed itself is measured by
// hand (README.md), never asserted: the machines that run tests are shared.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "commands/bench.h"
#include "test_support.h"

using deberta::test::run_cli;

namespace {

// The smallest shapes that still run the xsmall model's every layer, so a
// test takes seconds.
const char* kTinyTrain = "--threads 1 bench --mode train --preset xsmall --batch 2 --seq-len 16 --warmup 1 --iters 1";
// Length grouping sorts megabatches of n / (4 * batch) batches (HF's rule),
// so 64 examples need batches of 8 for it to group at all.
const char* kTinyEpoch = "--threads 1 bench --mode epoch --task nsmc --preset xsmall --batch 8 --max-examples 64";

nlohmann::json run_json(const std::string& arguments) {
  const auto result = run_cli(arguments + " --json");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.output);
}

}  // namespace

TEST_CASE("bench train prints the throughput fields of a full training step", "[cli]") {
  const auto result = run_cli(kTinyTrain);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  for (const char* field : {"mode", "median_s", "examples_per_s", "tokens_per_s", "gflops"}) {
    INFO("expected the field " << field);
    CHECK(result.output.find(field) != std::string::npos);
  }
  CHECK(result.output.find("train") != std::string::npos);
}

TEST_CASE("bench train with json prints one object with bench_ref.py's field names", "[cli]") {
  const auto result = run_json(kTinyTrain);
  CHECK(result.at("implementation") == "deberta-bench");
  CHECK(result.at("mode") == "train");
  CHECK(result.at("preset") == "xsmall");
  CHECK(result.at("batch") == 2);
  CHECK(result.at("seq_len") == 16);
  CHECK(result.at("threads") == 1);
  const double median = result.at("median_s").get<double>();
  CHECK(result.at("examples_per_s").get<double>() == Approx(2 / median));
  CHECK(result.at("tokens_per_s").get<double>() == Approx(result.at("examples_per_s").get<double>() * 16));
  // bench_ref.py's count for xsmall (hidden 384, intermediate 1536, 12
  // layers, 256 buckets) at 2 x 16, times 3 for forward and backward.
  const double h = 384, i = 1536, L = 16, span = 256, att = 2 * L;
  const double forward = 12 * (2 * L * (8 * h * h + 4 * h * i + 4 * L * h + 4 * att * h) + 4 * 2 * span * h * h) +
                         2 * 2 * h * h + 2 * 2 * h * 2;
  CHECK(result.at("gflops").get<double>() * median * 1e9 == Approx(3 * forward));
}

TEST_CASE("bench epoch on the nsmc sample reports throughput and pads less with length grouping", "[cli]") {
  const auto grouped = run_json(kTinyEpoch);
  CHECK(grouped.at("mode") == "epoch");
  CHECK(grouped.at("task") == "nsmc");
  CHECK(grouped.at("examples") == 64);
  CHECK(grouped.at("batches") == 8);
  CHECK(grouped.at("group_by_length") == true);
  CHECK(grouped.at("examples_per_s").get<double>() == Approx(64 / grouped.at("epoch_s").get<double>()));
  const double padding = grouped.at("padding_fraction").get<double>();
  // Real tokens are the padded ones less the padding.
  CHECK(grouped.at("tokens_per_s").get<double>() ==
        Approx(grouped.at("padded_tokens_per_s").get<double>() * (1.0 - padding)));

  const auto shuffled = run_json(std::string(kTinyEpoch) + " --no-group-by-length");
  CHECK(shuffled.at("group_by_length") == false);
  CHECK(shuffled.at("examples") == 64);
  const auto real_tokens = [](const nlohmann::json& r) {
    return r.at("tokens_per_s").get<double>() * r.at("epoch_s").get<double>();
  };
  INFO("expected both orders to train on the same 64 examples, hence the same real tokens");
  CHECK(real_tokens(grouped) == Approx(real_tokens(shuffled)));
  CHECK(padding < shuffled.at("padding_fraction").get<double>());
}

TEST_CASE("bench epoch without a task is an error that names the task flag", "[cli]") {
  const auto result = run_cli("--threads 1 bench --mode epoch --max-examples 8");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("--task") != std::string::npos);
  CHECK(result.output.find("Segmentation") == std::string::npos);
}

TEST_CASE("bench train refuses a task because it runs random sequences", "[cli]") {
  const auto result = run_cli("--threads 1 bench --mode train --task nsmc --batch 2 --seq-len 16");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("--mode epoch") != std::string::npos);
}

TEST_CASE("bench runs the KcBERT-base and KoELECTRA-base-v3 shapes as their own families", "[cli]") {
  for (const char* preset : {"kcbert-base", "koelectra-base-v3"}) {
    INFO(preset);
    for (const char* mode : {"forward", "train"}) {
      const auto result = run_json(std::string("--threads 1 bench --mode ") + mode + " --preset " + preset +
                                   " --batch 1 --seq-len 8 --warmup 0 --iters 1");
      CHECK(result.at("preset") == preset);
      CHECK(result.at("gflops").get<double>() > 0);
    }
  }
}

TEST_CASE("the xlarge preset is DeBERTa-v3 at 1536 x 24 layers, read as a config.json is") {
  // Checked, not run: its 780M parameters take 3 GB and minutes at one thread.
  const deberta::DebertaConfig c = deberta::bench_preset_config("xlarge");
  CHECK(c.model_type == "deberta-v2");
  CHECK(c.hidden_size == 1536);
  CHECK(c.num_hidden_layers == 24);
  CHECK(c.num_attention_heads == 24);
  CHECK(c.intermediate_size == 6144);
  CHECK(c.position_buckets == 256);
  CHECK(c.vocab_size == 64100);
  CHECK(deberta::bench_preset_config("kcbert-base").max_input_length() == 300);
  CHECK(deberta::bench_preset_config("koelectra-base-v3").model_type == "electra");
}

TEST_CASE("bench refuses a sequence longer than a preset's absolute positions, and an unknown preset", "[cli]") {
  auto result = run_cli("--threads 1 bench --mode forward --preset kcbert-base --batch 1 --seq-len 301");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("--preset kcbert-base takes --seq-len up to 300") != std::string::npos);
  result = run_cli("--threads 1 bench --mode forward --preset huge");
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("unknown --preset 'huge' (base, kcbert-base, koelectra-base-v3, small, xlarge, xsmall)") !=
        std::string::npos);
}
