// evaluate and predict on checkpoints that a short finetune run writes.

#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "golden.h"
#include "model/checkpoint.h"
#include "test_support.h"
#include "tolerances.h"
#include "util/atomic_file.h"

namespace fs = std::filesystem;
using deberta::test::kQuick;
using deberta::test::read_json;
using deberta::test::read_text;
using deberta::test::run_cli;
using deberta::test::ScratchDir;
using deberta::test::tsv_rows;

namespace {

// Fine-tunes `task` briefly into dir/run and returns the run directory.
std::string fine_tune(const ScratchDir& dir, const std::string& task, const std::string& extra = "") {
  const std::string run = dir.file("run");
  const auto result = run_cli("--threads 1 finetune --task " + task + " --output-dir '" + run + "'" + kQuick + extra);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return run;
}

}  // namespace

TEST_CASE("evaluate on the test split of a run's best checkpoint gives exactly the test metrics finetune reported",
          "[numeric]") {
  // KorSTS's pearson and spearman are real numbers: equal to the last bit only if the logits are.
  const ScratchDir dir;
  const std::string run = fine_tune(dir, "korsts", " --set training.max_seq_len=48");
  const std::string output = dir.file("eval.json");
  const auto result = run_cli("--threads 1 evaluate --task korsts --split test --model '" + run +
                              "/checkpoint-best' --output '" + output + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = read_json(run + "/results.json");
  const auto evaluation = read_json(output);
  INFO("expected evaluate's metrics to equal results.json's test metrics bit for bit");
  CHECK(evaluation.at("metrics") == results.at("test"));
  CHECK(evaluation.at("headline") == results.at("headline"));
  CHECK(evaluation.at("examples") == results.at("data").at("test").at("used"));
  CHECK(evaluation.at("split") == "test");
  INFO("expected the run's training.max_seq_len, and the output to say it came from config.yaml");
  CHECK(evaluation.at("max_seq_len") == 48);
  CHECK(evaluation.at("max_seq_len_from").get<std::string>().find("config.yaml") != std::string::npos);
  INFO("expected the JSON on standard output to be the one written to --output");
  CHECK(result.output.find(read_text(output)) != std::string::npos);
}

TEST_CASE("evaluate on the dev split gives the dev metrics of the selected checkpoint") {
  // NSMC has no dev file: dev is the seeded slice of train that the run held out.
  const ScratchDir dir;
  const std::string run = fine_tune(dir, "nsmc");
  const std::string output = dir.file("eval.json");
  const auto result = run_cli("--threads 1 evaluate --task nsmc --split dev --model '" + run +
                              "/checkpoint-best/' --output '" + output + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = read_json(run + "/results.json");
  const auto evaluation = read_json(output);
  CHECK(evaluation.at("split") == "dev");
  CHECK(evaluation.at("data").at("from") == "train");
  CHECK(evaluation.at("examples") == results.at("data").at("dev").at("used"));
  INFO("expected evaluate's dev metrics to equal results.json's dev metrics");
  CHECK(evaluation.at("metrics") == results.at("dev"));
}

TEST_CASE("predict labels a pair TSV with one row per input and probabilities that sum to one") {
  const ScratchDir dir;
  const std::string run = fine_tune(dir, "question_pair");
  const std::string input = dir.file("pairs.tsv");
  deberta::write_file_atomically(input,
                                 "id\ttext_a\ttext_b\n"
                                 "q1\t매일 아침 피곤해\t매일 아침 피곤해\n"
                                 "q2\t왜 성적이 안오를까?\t공부방법이 잘못된걸까?\n"
                                 "q3\t정말 힘드네\t정말. 정말 쉽지가 않네.\n");
  const std::string output = dir.file("predictions.tsv");
  const auto result = run_cli("--threads 1 predict --task question_pair --model '" + run +
                              "/checkpoint-best' --input '" + input + "' --output '" + output + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto rows = tsv_rows(read_text(output));
  REQUIRE(rows.size() == 1 + 3);
  CHECK(rows[0] == std::vector<std::string>{"id", "text_a", "text_b", "prediction", "p(0 (SAME question))",
                                            "p(1 (different questions))"});
  for (size_t i = 1; i < rows.size(); ++i) {
    INFO("row " << i << ": expected the input's columns, a label with its meaning and two probabilities");
    REQUIRE(rows[i].size() == 6);
    CHECK(rows[i][0] == "q" + std::to_string(i));
    CHECK((rows[i][3] == "0 (SAME question)" || rows[i][3] == "1 (different questions)"));
    const double p0 = std::stod(rows[i][4]), p1 = std::stod(rows[i][5]);
    CHECK(p0 + p1 == Approx(1.0).margin(deberta::test::kPrintedProbabilitySum));
    CHECK(rows[i][3].substr(0, 1) == (p0 >= p1 ? "0" : "1"));
  }
}

TEST_CASE("predict on korsts writes a similarity score per pair") {
  const ScratchDir dir;
  const std::string run = fine_tune(dir, "korsts");
  const std::string input = dir.file("pairs.tsv");
  // Exactly two columns: they are the pair, whatever their names.
  deberta::write_file_atomically(input,
                                 "sentence1\tsentence2\n"
                                 "한 남자가 하프를 연주하고 있다.\t한 남자가 키보드를 연주하고 있다.\n"
                                 "세 남자가 체스를 하고 있다.\t두 남자가 체스를 하고 있다.\n");
  const auto result =
      run_cli("--threads 1 predict --task korsts --model '" + run + "/checkpoint-best' --input '" + input + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string expected_header = "sentence1\tsentence2\tscore\n";
  const size_t header = result.output.find(expected_header);
  REQUIRE(header != std::string::npos);
  const auto rows = tsv_rows(result.output.substr(header));
  REQUIRE(rows.size() == 1 + 2);
  for (size_t i = 1; i < rows.size(); ++i) {
    INFO("row " << i << ": expected the two texts and a score with 6 decimals");
    REQUIRE(rows[i].size() == 3);
    CHECK(rows[i][2].find('.') == rows[i][2].size() - 7);
    CHECK(std::isfinite(std::stod(rows[i][2])));
  }
}

TEST_CASE("predict refuses an input row with a wrong field count or an empty text naming the file and line") {
  const ScratchDir dir;
  const std::string run = fine_tune(dir, "nsmc", " --set training.max_steps=1");
  const std::string input = dir.file("texts.tsv");
  const std::string command =
      "--threads 1 predict --task nsmc --model '" + run + "/checkpoint-best' --input '" + input + "'";

  deberta::write_file_atomically(input, "id\ttext\n1\t좋아요\n2\t별로\textra\n");
  auto result = run_cli(command);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  INFO("expected the file and line 3 with its extra field");
  CHECK(result.output.find(input + ":3: expected 2 tab-separated fields, found 3") != std::string::npos);

  deberta::write_file_atomically(input, "id\ttext\n1\t좋아요\n2\t\n");
  result = run_cli(command);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  INFO("expected the file and line 3 with its empty text");
  CHECK(result.output.find(input + ":3: 'text' (column 2) is empty") != std::string::npos);
}

TEST_CASE("evaluate refuses a checkpoint whose labels are not the task's") {
  // The fixture's head is KorNLI-like, with the labels in another order.
  const std::string fixture = deberta::test::fixture_dir("deberta-v3-tiny");
  auto result = run_cli("--threads 1 evaluate --task kornli --model '" + fixture + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("the checkpoint's labels (id2label) are [entailment, neutral, contradiction], but task "
                           "kornli has [contradiction, entailment, neutral]") != std::string::npos);
  result = run_cli("--threads 1 evaluate --task korsts --model '" + fixture + "'");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("task korsts is a regression task") != std::string::npos);
}

TEST_CASE("evaluate and predict refuse a checkpoint with no classification head") {
  const ScratchDir dir;
  const std::string fixture = deberta::test::fixture_dir("deberta-v3-tiny");
  auto checkpoint = deberta::read_checkpoint(fixture);
  for (auto it = checkpoint.tensors.begin(); it != checkpoint.tensors.end();)
    it = it->first.rfind("classifier.", 0) == 0 || it->first.rfind("pooler.", 0) == 0 ? checkpoint.tensors.erase(it)
                                                                                      : std::next(it);
  const std::string base = dir.file("base");
  deberta::write_checkpoint(base, checkpoint.config, checkpoint.tensors, fixture);
  const std::string input = dir.file("texts.tsv");
  deberta::write_file_atomically(input, "text_a\ttext_b\n좋아요\t좋아요\n");
  for (const std::string& command : {"evaluate --task kornli --model '" + base + "'",
                                     "predict --task kornli --model '" + base + "' --input '" + input + "'"}) {
    const auto result = run_cli("--threads 1 " + command);
    INFO(command << "\n" << result.output);
    CHECK(result.exit_code == 1);
    CHECK(result.output.find(base + ": has no classification head; fine-tune it first") != std::string::npos);
  }
}
