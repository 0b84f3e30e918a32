// finetune end to end on the shipped samples with the built-in tiny model.
#include <catch2/catch.hpp>
#include <filesystem>

#include "golden.h"
#include "io/checkpoint.h"
#include "test_support.h"
#include "train/train_config.h"

namespace fs = std::filesystem;
using deberta::test::run_cli;

namespace {
const char* kQuick =
    " --set training.max_steps=12 --set training.batch_size=16 --set training.eval_batch_size=256"
    " --set optimizer.lr=1e-3 --set training.max_train_examples=192";

size_t count_lines(const std::string& path) {
  const std::string text = deberta::test::read_text(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}
}  // namespace

TEST_CASE("finetune on the nsmc sample writes a complete run directory") {
  const auto run = fs::temp_directory_path() / "deberta-bench-finetune-nsmc";
  fs::remove_all(run);
  const auto result = run_cli("--threads 1 finetune --task nsmc --output-dir '" + run.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("NOT a pretrained model") != std::string::npos);
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
  CHECK(results.at("pretrained") == false);
  const double accuracy = results.at("test").at("accuracy").get<double>();
  CHECK(accuracy >= 0.0);
  CHECK(accuracy <= 1.0);
  CHECK(results.at("data").at("dev").at("from") == "train");
  CHECK(count_lines((run / "predictions-test.tsv").string()) == 1 + 1000);  // header and the 1,000 sample test rows

  const auto config = deberta::read_config_layer((run / "config.yaml").string());
  CHECK(config.at("run.task") == "nsmc");
  CHECK(config.at("training.max_steps") == "12");
  CHECK(config.at("optimizer.lr") == "1e-3");

  const auto checkpoint = deberta::read_checkpoint((run / "checkpoint-best").string());
  CHECK(checkpoint.config.labels == std::vector<std::string>{"0", "1"});
  fs::remove_all(run);
}

TEST_CASE("the same seed gives the same run and the result records it") {
  const auto a = fs::temp_directory_path() / "deberta-bench-finetune-a";
  const auto b = fs::temp_directory_path() / "deberta-bench-finetune-b";
  for (const auto& run : {a, b}) {
    fs::remove_all(run);
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
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("finetune on korsts trains a regression head and reports spearman and pearson") {
  const auto run = fs::temp_directory_path() / "deberta-bench-finetune-korsts";
  fs::remove_all(run);
  const auto result = run_cli("--threads 1 finetune --task korsts --output-dir '" + run.string() + "'" + kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = deberta::test::read_json((run / "results.json").string());
  CHECK(results.at("headline_metric") == "spearman");
  CHECK(results.at("test").contains("pearson"));
  CHECK(deberta::test::read_text((run / "predictions-test.tsv").string()).rfind("index\tscore\n", 0) == 0);
  fs::remove_all(run);
}

TEST_CASE("finetune refuses an unknown setting and lists the valid keys") {
  const auto result = run_cli("finetune --task nsmc --set optimizer.learning_rate=1");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("unknown setting 'optimizer.learning_rate'") != std::string::npos);
  CHECK(result.output.find("optimizer.lr") != std::string::npos);
}
