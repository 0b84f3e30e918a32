// finetune end to end on the shipped samples with the built-in tiny model.
#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "golden.h"
#include "model/checkpoint.h"
#include "test_support.h"
#include "train/train_config.h"
#include "util/resources.h"

namespace fs = std::filesystem;
using deberta::test::kQuick;
using deberta::test::run_cli;
using deberta::test::ScratchDir;
using deberta::test::tsv_rows;
using deberta::test::without_timings;

namespace {

size_t count_lines(const std::string& path) {
  const std::string text = deberta::test::read_text(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("finetune on the nsmc sample writes a complete run directory") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("finetune-nsmc");
  const auto result = run_cli("--threads 1 finetune --task nsmc --output-dir '" + run.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("pre-trained here with RTD") != std::string::npos);
  for (const char* file :
       {"config.yaml", "metrics.jsonl", "results.json", "predictions-test.tsv", "checkpoint-best/config.json",
        "checkpoint-best/model.safetensors", "checkpoint-best/spm.model"}) {
    INFO("expected the run directory to hold " << file);
    CHECK(fs::exists(run / file));
  }
  const auto results = deberta::test::read_json((run / "results.json").string());
  CHECK(results.at("task") == "nsmc");
  CHECK(results.at("steps") == 12);
  CHECK(results.at("selection_rule") == "dev");
  CHECK(results.at("pretrained") == true);
  CHECK(results.at("model") == "builtin:tiny-default");
  CHECK(results.at("data").at("dev").at("from") == "train");
  CHECK(count_lines((run / "predictions-test.tsv").string()) == 1 + 1000);  // header and the 1,000 sample test rows

  // The reported accuracy is that of the written predictions against the
  // test file's labels (its third column), row by row.
  const auto predictions = tsv_rows(deberta::test::read_text((run / "predictions-test.tsv").string()));
  const auto gold =
      tsv_rows(deberta::test::read_text(deberta::test::data_path("../../data/samples/nsmc/ratings_test.txt")));
  REQUIRE(predictions.size() == gold.size());
  size_t correct = 0;
  for (size_t i = 1; i < gold.size(); ++i) correct += predictions[i].at(1).substr(0, 1) == gold[i].at(2);
  CHECK(results.at("test").at("accuracy").get<double>() ==
        Approx(static_cast<double>(correct) / static_cast<double>(gold.size() - 1)));

  const auto config = deberta::read_config_layer((run / "config.yaml").string());
  CHECK(config.at("run.task") == "nsmc");
  CHECK(config.at("training.max_steps") == "12");
  CHECK(config.at("optimizer.lr") == "1e-3");

  const auto checkpoint = deberta::read_checkpoint((run / "checkpoint-best").string());
  CHECK(checkpoint.config.labels == std::vector<std::string>{"0", "1"});
}

TEST_CASE("model.from_scratch fine-tunes the built-in model from a fresh initialisation and says so") {
  const ScratchDir scratch;
  const fs::path pretrained = scratch.file("pretrained"), fresh = scratch.file("fresh");
  const std::string quick = std::string(kQuick) + " --set training.max_steps=1";
  REQUIRE(run_cli("--threads 1 finetune --task nsmc --output-dir '" + pretrained.string() + "'" + quick).exit_code ==
          0);
  const auto result = run_cli("--threads 1 finetune --task nsmc --output-dir '" + fresh.string() + "'" + quick +
                              " --set model.from_scratch=true");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("initialised from scratch (model.from_scratch)") != std::string::npos);
  const auto results = deberta::test::read_json((fresh / "results.json").string());
  CHECK(results.at("pretrained") == false);
  CHECK(results.at("model") == "builtin:tiny-default (from scratch)");
  INFO("expected a from-scratch run to get its own name, apart from the pre-trained runs");
  CHECK(results.at("model_name") == "tiny-default-scratch");

  // One step moves a weight by about the learning rate: the pre-trained run
  // stays next to the shipped weights, the fresh one does not.
  const std::string name = "deberta.encoder.layer.0.attention.self.query_proj.weight";
  const auto shipped = deberta::read_checkpoint(deberta::builtin_model_dir()).tensors.at(name);
  const auto distance = [&](const fs::path& run) {
    return (deberta::read_checkpoint((run / "checkpoint-best").string()).tensors.at(name) - shipped)
        .abs()
        .max()
        .item<double>();
  };
  INFO("expected the pre-trained run within 0.01 of the shipped weights and the fresh one further away");
  CHECK(distance(pretrained) < 0.01);
  CHECK(distance(fresh) > 0.05);
}

TEST_CASE("the same seed gives the same run and the result records it", "[numeric]") {
  const ScratchDir scratch;
  const fs::path a = scratch.file("finetune-a");
  const fs::path b = scratch.file("finetune-b");
  for (const auto& run : {a, b}) {
    const auto result =
        run_cli("--threads 1 finetune --task question_pair --seed 7 --output-dir '" + run.string() + "'" + kQuick);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
  }
  const auto ra = deberta::test::read_json((a / "results.json").string());
  const auto rb = deberta::test::read_json((b / "results.json").string());
  CHECK(ra.at("seed") == 7);
  CHECK(ra.at("test") == rb.at("test"));
  CHECK(deberta::test::read_text((a / "predictions-test.tsv").string()) ==
        deberta::test::read_text((b / "predictions-test.tsv").string()));
}

TEST_CASE("finetune on korsts trains a regression head and reports spearman and pearson") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("finetune-korsts");
  const auto result = run_cli("--threads 1 finetune --task korsts --output-dir '" + run.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = deberta::test::read_json((run / "results.json").string());
  CHECK(results.at("headline_metric") == "spearman");
  CHECK(results.at("test").contains("pearson"));
  CHECK(deberta::test::read_text((run / "predictions-test.tsv").string()).rfind("index\tscore\n", 0) == 0);
}

TEST_CASE("finetune refuses an unknown setting and lists the valid keys") {
  const auto result = run_cli("finetune --task nsmc --set optimizer.learning_rate=1");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("unknown setting 'optimizer.learning_rate'") != std::string::npos);
  CHECK(result.output.find("optimizer.lr") != std::string::npos);
}

namespace {
// A short run with dropout, two epochs and evaluations every 4 steps, so a
// stop at step 7 falls between evaluations, inside the first epoch.
const char* kResumable =
    " --threads 2 finetune --task question_pair --seed 3 --set training.max_train_examples=160"
    " --set training.batch_size=16 --set training.epochs=2 --set evaluation.every_steps=4"
    " --set training.logging_steps=1 --set training.eval_batch_size=256 --set optimizer.lr=1e-3";

std::string trainer_state_without_time(const fs::path& run) {
  auto state = deberta::test::read_json((run / "checkpoint-last" / "trainer_state.json").string());
  state.erase("train_seconds");
  return state.dump(2);
}
}  // namespace

TEST_CASE("a run stopped halfway and resumed ends bit-identical to an uninterrupted run", "[numeric]") {
  const ScratchDir scratch;
  const fs::path whole = scratch.file("resume-whole");
  const fs::path split = scratch.file("resume-split");
  // Both runs stop at step 14 (the second epoch) so that the weights and the
  // optimizer state in flight can be compared, not only the best checkpoint.
  auto result = run_cli(std::string(kResumable) + " --stop-after-steps 14 --output-dir '" + whole.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = run_cli(std::string(kResumable) + " --stop-after-steps 7 --output-dir '" + split.string() + "'");
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("stopped after step 7") != std::string::npos);
  CHECK_FALSE(fs::exists(split / "results.json"));
  result = run_cli("--threads 2 finetune --resume '" + split.string() + "' --stop-after-steps 14");
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("resuming") != std::string::npos);

  // optimizer.pt is left out: torch's archive keys the moments by tensor
  // addresses, which differ between processes. The runs finished below from
  // the two states agreeing is what shows the moments agree.
  INFO("expected the weights, metrics and trainer state at step 14 to be byte for byte the same");
  for (const char* file : {"checkpoint-last/model.safetensors", "metrics.jsonl"})
    CHECK(deberta::test::read_text((whole / file).string()) == deberta::test::read_text((split / file).string()));
  CHECK(trainer_state_without_time(whole) == trainer_state_without_time(split));

  for (const auto& run : {whole, split}) {
    result = run_cli("--threads 2 finetune --resume '" + run.string() + "'");
    REQUIRE(result.exit_code == 0);
  }
  INFO("expected the finished runs to agree in every metric, prediction and the selected weights");
  for (const char* file : {"metrics.jsonl", "predictions-test.tsv", "checkpoint-best/model.safetensors"})
    CHECK(deberta::test::read_text((whole / file).string()) == deberta::test::read_text((split / file).string()));
  CHECK(without_timings(deberta::test::read_json((whole / "results.json").string())) ==
        without_timings(deberta::test::read_json((split / "results.json").string())));
  CHECK_FALSE(fs::exists(split / "checkpoint-last"));

  INFO("expected a finished run to be refused in one line, as pretrain refuses one");
  result = run_cli("--threads 2 finetune --resume '" + whole.string() + "'");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(whole.string() + ": the run has finished (results.json exists); nothing to resume") !=
        std::string::npos);
}

TEST_CASE("resume takes its settings from the run directory and refuses other run flags") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("resume-flags");
  auto result = run_cli("--threads 1 finetune --resume '" + run.string() + "' --set optimizer.lr=1");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("give no other run flags") != std::string::npos);
  result = run_cli("--threads 1 finetune --resume '" + run.string() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("config.yaml: no such file") != std::string::npos);
}

TEST_CASE("a run's config.yaml alone re-runs the job with the same results", "[numeric]") {
  const ScratchDir scratch;
  const fs::path first = scratch.file("rerun-first");
  const fs::path again = scratch.file("rerun-again");
  auto result = run_cli("--threads 1 finetune --task korsts --seed 5 --output-dir '" + first.string() + "'" + kQuick);
  REQUIRE(result.exit_code == 0);
  result = run_cli("--threads 1 finetune --config '" + (first / "config.yaml").string() + "' --output-dir '" +
                   again.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(without_timings(deberta::test::read_json((first / "results.json").string())) ==
        without_timings(deberta::test::read_json((again / "results.json").string())));
}

TEST_CASE("several seeds run one after another and report the mean and sample std of the headline") {
  const ScratchDir scratch;
  const fs::path base = scratch.file("seeds");
  const auto result =
      run_cli("--threads 1 finetune --task question_pair --seeds 1,2 --output-dir '" + base.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const double a = deberta::test::read_json((base / "seed1" / "results.json").string()).at("headline");
  const double b = deberta::test::read_json((base / "seed2" / "results.json").string()).at("headline");
  const auto summary = deberta::test::read_json((base / "summary.json").string());
  CHECK(summary.at("n") == 2);
  CHECK(summary.at("mean").get<double>() == Approx((a + b) / 2));
  CHECK(summary.at("std").get<double>() == Approx(std::abs(a - b) / std::sqrt(2.0)).margin(1e-12));
  CHECK(result.output.find("over 2 seeds") != std::string::npos);
}

TEST_CASE("a bad seed list is refused naming the item") {
  const auto result = run_cli("finetune --task nsmc --seeds 1,x");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("'x' is not a seed") != std::string::npos);
}

TEST_CASE("tokenized features come from the cache on the second run with the same results", "[numeric]") {
  const ScratchDir scratch;
  const fs::path cache = scratch.file("feature-cache");
  const fs::path first = scratch.file("cache-first");
  const fs::path second = scratch.file("cache-second");
  const std::string environment = "DEBERTA_BENCH_CACHE='" + cache.string() + "'";
  auto result =
      run_cli("--threads 1 finetune --task korsts --output-dir '" + first.string() + "'" + kQuick, environment);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("read from") == std::string::npos);
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(cache / "features")) entries += entry.path().extension() == ".bin";
  CHECK(entries == 3);  // train, dev and test

  result = run_cli("--threads 1 finetune --task korsts --output-dir '" + second.string() + "'" + kQuick, environment);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("feature cache: train read from") != std::string::npos);
  CHECK(without_timings(deberta::test::read_json((first / "results.json").string())) ==
        without_timings(deberta::test::read_json((second / "results.json").string())));

  // Another max length is another key: nothing is read from the cache.
  result = run_cli("--threads 1 finetune --task korsts --set training.max_seq_len=32 --output-dir '" + second.string() +
                       "'" + kQuick,
                   environment);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("read from") == std::string::npos);
}

TEST_CASE("a damaged feature cache entry is tokenized again and the run goes on") {
  const ScratchDir scratch;
  const fs::path cache = scratch.file("feature-cache-damaged");
  const fs::path run = scratch.file("cache-damaged");
  const std::string environment = "DEBERTA_BENCH_CACHE='" + cache.string() + "'";
  REQUIRE(run_cli("--threads 1 finetune --task korsts --output-dir '" + run.string() + "'" + kQuick, environment)
              .exit_code == 0);
  for (const auto& entry : fs::directory_iterator(cache / "features")) fs::resize_file(entry.path(), 20);
  const auto result =
      run_cli("--threads 1 finetune --task korsts --output-dir '" + run.string() + "'" + kQuick, environment);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("entry damaged, tokenizing again") != std::string::npos);
}

TEST_CASE("the offline protocol trains on the dev file and labels the result as not comparable") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("offline");
  const auto result = run_cli("--threads 1 finetune --task paws --set training.train_split=dev --output-dir '" +
                              run.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("NOT comparable to the model card") != std::string::npos);
  const auto results = deberta::test::read_json((run / "results.json").string());
  CHECK(results.at("protocol") == "offline");
  CHECK(results.at("data").at("train").at("file").get<std::string>().find("dev_2k.tsv") != std::string::npos);
  const int train_rows = results.at("data").at("train").at("rows").get<int>();
  const int dev_rows = results.at("data").at("dev").at("rows").get<int>();
  INFO("expected a tenth of the dev file held out as dev: train " << train_rows << ", dev " << dev_rows);
  CHECK(dev_rows > 0);
  CHECK(train_rows - 9 * dev_rows >= 0);
  CHECK(train_rows - 9 * dev_rows < 10);
}

TEST_CASE("finetune checks its data files before it creates the run directory") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("never-created");
  // A data directory with the Question Pair train and test files but no validation.txt.
  for (const char* file : {"train.txt", "test.txt"})
    scratch.write(std::string("data/question-pair/") + file,
                  deberta::test::read_text(deberta::test::data_path("../../data/samples/question-pair/") + file));
  const auto result = run_cli("--threads 1 finetune --task question_pair --data-dir '" + scratch.file("data") +
                              "' --output-dir '" + run.string() + "'" + kQuick);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("validation.txt") != std::string::npos);
  INFO("expected no run directory (no config.yaml, no empty metrics.jsonl) after the failure");
  CHECK_FALSE(fs::exists(run));
}
