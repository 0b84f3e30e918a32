// The generic `tsv` task: a task defined entirely by a YAML file.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "data_support.h"
#include "tasks/dataset.h"
#include "tasks/inspect.h"
#include "tasks/registry.h"
#include "tasks/tsv_task.h"

using deberta::test::ScratchDir;

TEST_CASE("the example tsv config loads and reads its shipped sample") {
  const std::string config = deberta::test::repo_path("configs/tasks/example-tsv.yaml");
  const deberta::TaskSpec task = deberta::resolve_task(config);
  CHECK(task.name == "example-tsv");
  CHECK(task.source == config);
  CHECK(task.is_pair);
  CHECK(task.labels == std::vector<std::string>{"0", "1"});
  CHECK(task.label_display(0) == "0 (same question)");
  CHECK(task.metrics == std::vector<std::string>{"accuracy", "macro_f1"});
  CHECK(task.headline_metric == "accuracy");
  const auto splits = deberta::load_task_data(task, "ignored-for-yaml-tasks");
  REQUIRE(splits.size() == 3);
  CHECK(splits[0].examples.size() == 2000);
  CHECK(splits[1].examples.size() == 400);
  CHECK(splits[2].examples.size() == 400);
  CHECK(splits[0].files[0].path == deberta::test::repo_path("data/samples/question-pair/train.txt"));
}

TEST_CASE("a YAML task reads a single-text regression file without a header by column index") {
  ScratchDir dir;
  dir.write("d/train.tsv", "x\t0.5\tfirst\ny\t1.5\tsecond\n");
  dir.write("d/test.tsv", "z\t2\tthird");
  const std::string yaml = dir.write("task.yaml",
                                     "name: my_scores\n"
                                     "description: scores of single texts\n"
                                     "splits: {train: d/train.tsv, test: d/test.tsv}\n"
                                     "dev_slice: {size: 1, seed: 3}\n"
                                     "header: false\n"
                                     "num_fields: 3\n"
                                     "columns: {text_a: 2, score: 1}\n"
                                     "score_range: [0, 2]\n"
                                     "metrics: [pearson, spearman]\n"
                                     "headline: spearman\n"
                                     "max_seq_len: 64\n");
  const deberta::TaskSpec task = deberta::load_tsv_task(yaml);
  CHECK(task.is_regression());
  CHECK_FALSE(task.is_pair);
  CHECK(task.max_seq_len == 64);
  CHECK(task.find_split("dev")->held_out_of_train);
  const auto test = deberta::load_split(task, "test", "unused");
  REQUIRE(test.examples.size() == 1);
  CHECK(test.examples[0].text_a == "third");
  CHECK(test.examples[0].score == 2.0);
  CHECK(test.examples[0].line == 1);
  CHECK_FALSE(test.examples[0].text_b.has_value());
  // Two train rows: a tenth of them rounds down to no dev row, which the
  // report still records.
  const auto report = deberta::inspect_data(task, "unused");
  CHECK(report.json["splits"]["dev"]["rows"] == 0);
  CHECK(report.json["splits"]["dev"]["from"] == "train");
  CHECK(report.json["splits"]["train"]["score_max"] == 1.5);
}

TEST_CASE("a YAML task with a dev slice holds dev out of train") {
  ScratchDir dir;
  std::string rows = "text\tlabel\n";
  for (int i = 0; i < 50; ++i) rows += "t" + std::to_string(i) + "\t" + (i % 2 ? "yes" : "no") + "\n";
  dir.write("train.tsv", rows);
  dir.write("test.tsv", "text\tlabel\nq\tyes\n");
  const std::string yaml = dir.write("t.yml",
                                     "name: yes_no\ndescription: d\nsplits: {train: train.tsv, test: test.tsv}\n"
                                     "dev_slice: {size: 5}\ncolumns: {text_a: text, label: label}\n"
                                     "labels: [no, yes]\nmetrics: [macro_f1]\n");
  const deberta::TaskSpec task = deberta::resolve_task(yaml);
  const auto splits = deberta::load_task_data(task, "unused");
  REQUIRE(splits.size() == 3);
  CHECK(splits[0].name == "train");
  CHECK(splits[0].examples.size() == 45);
  CHECK(splits[1].name == "dev");
  CHECK(splits[1].examples.size() == 5);
  CHECK(splits[1].slice_seed == 42);
  CHECK(task.headline_metric == "macro_f1");
}

TEST_CASE("an unknown key in a task YAML is an error naming the file and line") {
  ScratchDir dir;
  const std::string yaml = dir.write("bad.yaml",
                                     "name: x\ndescription: d\nsplits: {train: a, dev: b, test: c}\n"
                                     "colums: {text_a: 0, label: 1}\nlabels: [a, b]\nmetrics: [accuracy]\n");
  CHECK_THROWS_WITH(deberta::load_tsv_task(yaml), Catch::StartsWith(yaml + ":4: unknown key 'colums'"));
}

TEST_CASE("a task YAML needs exactly one of a label and a score column") {
  ScratchDir dir;
  const std::string yaml = dir.write("bad.yaml",
                                     "name: x\ndescription: d\nsplits: {train: a, dev: b, test: c}\n"
                                     "columns: {text_a: 0, label: 1, score: 2}\nmetrics: [accuracy]\n");
  CHECK_THROWS_WITH(deberta::load_tsv_task(yaml), Catch::Contains("exactly one of 'label'"));
}

TEST_CASE("a task YAML metric that does not fit the head is an error") {
  ScratchDir dir;
  const std::string yaml = dir.write("bad.yaml",
                                     "name: x\ndescription: d\nsplits: {train: a, dev: b, test: c}\n"
                                     "columns: {text_a: 0, label: 1}\nlabels: [a, b]\nmetrics: [spearman]\n");
  CHECK_THROWS_WITH(deberta::load_tsv_task(yaml), Catch::Contains("metric 'spearman' does not apply"));
}

TEST_CASE("a task YAML without a dev file or a dev slice is an error") {
  ScratchDir dir;
  const std::string yaml = dir.write("bad.yaml",
                                     "name: x\ndescription: d\nsplits: {train: a, test: c}\n"
                                     "columns: {text_a: 0, label: 1}\nlabels: [a, b]\nmetrics: [accuracy]\n");
  CHECK_THROWS_WITH(deberta::load_tsv_task(yaml), Catch::Contains("needs a dev split"));
}

TEST_CASE("a YAML task column name that is not in the header is an error naming the file") {
  ScratchDir dir;
  const std::string data = dir.write("train.tsv", "sentence\tlabel\nx\ta\n");
  const std::string yaml = dir.write("t.yaml",
                                     "name: x\ndescription: d\nsplits: {train: train.tsv, dev: train.tsv, "
                                     "test: train.tsv}\ncolumns: {text_a: text, label: label}\nlabels: [a, b]\n"
                                     "metrics: [accuracy]\n");
  const deberta::TaskSpec task = deberta::load_tsv_task(yaml);
  CHECK_THROWS_WITH(deberta::load_split(task, "train", "unused"),
                    Catch::StartsWith(data + ":1: the header has no column named 'text'"));
}

TEST_CASE("a missing data file of a YAML task names the task file instead of a fetch command") {
  ScratchDir dir;
  const std::string yaml = dir.write("t.yaml",
                                     "name: x\ndescription: d\nsplits: {train: a.tsv, dev: b.tsv, test: c.tsv}\n"
                                     "columns: {text_a: 0, label: 1}\nlabels: [a, b]\nmetrics: [accuracy]\n");
  CHECK_THROWS_WITH(deberta::load_split(deberta::load_tsv_task(yaml), "dev", "unused"),
                    Catch::Contains(dir.file("b.tsv") + ": file not found; check the paths in " + yaml));
}

TEST_CASE("inspect-data accepts a task YAML path", "[cli]") {
  const auto result = deberta::test::run_cli("inspect-data --task configs/tasks/example-tsv.yaml");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto json = nlohmann::json::parse(result.output);
  CHECK(json["task"] == "example-tsv");
  CHECK(json["splits"]["train"]["rows"] == 2000);
  CHECK(json["missing"].empty());
}
