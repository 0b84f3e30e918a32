// `bench` runs and reports what it says it does. Speed itself is measured by
// hand (README.md), never asserted: the machines that run tests are shared.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

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
