#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tasks/dataset.h"
#include "tasks/registry.h"
#include "test_support.h"

using deberta::resolve_task;
using deberta::TaskSpec;

namespace {

deberta::SplitData numbered_split(int rows) {
  deberta::SplitData split;
  split.name = "train";
  for (int i = 0; i < rows; ++i) {
    deberta::Example example;
    example.line = i + 2;
    example.text_a = "row " + std::to_string(i);
    example.label = i % 2;
    split.examples.push_back(example);
  }
  return split;
}

std::vector<int64_t> lines_of(const deberta::SplitData& split) {
  std::vector<int64_t> lines;
  for (const auto& example : split.examples) lines.push_back(example.line);
  return lines;
}

}  // namespace

TEST_CASE("the built-in tasks are the five benchmarks in the model card order and all validate") {
  const auto registry = deberta::builtin_tasks();
  std::vector<std::string> names;
  for (const auto& task : registry.all()) {
    names.push_back(task.name);
    CHECK_NOTHROW(deberta::validate_task(task));
  }
  CHECK(names == std::vector<std::string>{"nsmc", "paws", "kornli", "korsts", "question_pair"});
}

TEST_CASE("the built-in tasks declare the columns and labels of the reference harnesses") {
  const TaskSpec nsmc = resolve_task("nsmc");
  CHECK_FALSE(nsmc.is_pair);
  CHECK(nsmc.reader.text_a.index == 1);
  CHECK(nsmc.reader.target.index == 2);
  CHECK(nsmc.labels == std::vector<std::string>{"0", "1"});
  CHECK(nsmc.find_split("dev")->held_out_of_train);

  const TaskSpec paws = resolve_task("paws");
  CHECK(paws.reader.text_a.index == 1);
  CHECK(paws.reader.text_b.index == 2);
  CHECK(paws.reader.target.index == 3);
  CHECK(paws.find_split("train")->default_file == "translated_train.tsv");

  const TaskSpec korsts = resolve_task("korsts");
  CHECK(korsts.is_regression());
  CHECK(korsts.num_outputs() == 1);
  CHECK(korsts.reader.text_a.index == 5);
  CHECK(korsts.reader.text_b.index == 6);
  CHECK(korsts.reader.target.index == 4);
  CHECK(korsts.headline_metric == "spearman");
  CHECK(korsts.metrics == std::vector<std::string>{"spearman", "pearson"});
  REQUIRE(korsts.score_range.has_value());
  CHECK(korsts.score_range->max == 5.0);

  const TaskSpec qp = resolve_task("question_pair");
  CHECK(qp.find_split("dev")->default_file == "validation.txt");
  CHECK(qp.num_outputs() == 2);
}

TEST_CASE("the tasks listing says that question_pair label 0 means the same question") {
  const std::string listing = deberta::describe_tasks(deberta::builtin_tasks());
  CHECK(listing.find("question_pair: Korean question pairs: label 0 means the SAME question") != std::string::npos);
  CHECK(listing.find("classification, 2 labels: 0 (SAME question), 1 (different questions)") != std::string::npos);
  CHECK(listing.find("held out of train: 5000 rows") != std::string::npos);
  CHECK(listing.find("tsv: any task defined by a YAML file") != std::string::npos);
}

TEST_CASE("the tasks subcommand lists the five benchmarks", "[cli]") {
  const auto result = deberta::test::run_cli("tasks");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  for (const char* name : {"nsmc:", "paws:", "kornli:", "korsts:", "question_pair:", "0 (SAME question)"})
    CHECK(result.output.find(name) != std::string::npos);
}

TEST_CASE("an unknown task name is an error that lists the known tasks") {
  CHECK_THROWS_WITH(resolve_task("nmsc"), Catch::Contains("unknown task 'nmsc'") && Catch::Contains("korsts"));
}

TEST_CASE("a task option that the task does not declare is an error naming it") {
  const TaskSpec paws = resolve_task("paws");
  CHECK_THROWS_WITH(deberta::resolve_options(paws, {{"unquote", "true"}}),
                    Catch::Contains("task paws has no option 'unquote'") && Catch::Contains("drop_ns"));
}

TEST_CASE("an option value of the wrong type is an error naming the option") {
  const TaskSpec nsmc = resolve_task("nsmc");
  CHECK_THROWS_WITH(deberta::resolve_options(nsmc, {{"unquote", "yes"}}),
                    Catch::Contains("option unquote must be true or false"));
  CHECK_THROWS_WITH(deberta::resolve_options(nsmc, {{"dev_slice_size", "-3"}}),
                    Catch::Contains("option dev_slice_size must be an integer >= 0"));
  CHECK_THROWS_AS(deberta::parse_option_assignments({"drop_ns"}), std::invalid_argument);
}

TEST_CASE("resolved options carry every default and the overrides") {
  const auto options = deberta::resolve_options(resolve_task("nsmc"), {{"dev_slice_size", "100"}});
  CHECK(options.at("unquote") == "false");
  CHECK(options.at("dev_slice_size") == "100");
  CHECK(options.at("dev_slice_seed") == "42");
}

TEST_CASE("kornli include_snli adds the SNLI file to train only") {
  const TaskSpec kornli = resolve_task("kornli");
  const auto options = deberta::resolve_options(kornli, {{"include_snli", "true"}});
  CHECK(deberta::split_file_paths(kornli, "train", "d", options) ==
        std::vector<std::string>{"d/kornli/multinli.train.ko.tsv", "d/kornli/snli_1.0_train.ko.tsv"});
  CHECK(deberta::split_file_paths(kornli, "dev", "d", options) == std::vector<std::string>{"d/kornli/xnli.dev.ko.tsv"});
  CHECK(deberta::split_file_paths(kornli, "train", "d", deberta::resolve_options(kornli)).size() == 1);
}

TEST_CASE("the dev slice takes at most a tenth of train") {
  CHECK(deberta::dev_slice_rows(150000, 5000) == 5000);
  CHECK(deberta::dev_slice_rows(2000, 5000) == 200);
  CHECK(deberta::dev_slice_rows(2000, 50) == 50);
  CHECK(deberta::dev_slice_rows(9, 5000) == 0);
}

TEST_CASE("the dev slice and the rest of train are disjoint and keep file order") {
  const auto parts = deberta::hold_out_dev(numbered_split(100), 10, 42);
  CHECK(parts.dev.examples.size() == 10);
  CHECK(parts.train.examples.size() == 90);
  CHECK(parts.dev.held_out_of_train);
  CHECK(parts.dev.slice_seed == 42);
  auto all = lines_of(parts.train);
  const auto dev = lines_of(parts.dev);
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(std::is_sorted(dev.begin(), dev.end()));
  all.insert(all.end(), dev.begin(), dev.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == 100);
}

TEST_CASE("the dev slice picks the same rows for a seed on every platform") {
  // Computed independently with a Python mt19937_64 (checked against the
  // standard's 10000th value) and the same rejection sampling.
  CHECK(lines_of(deberta::hold_out_dev(numbered_split(20), 5, 42).dev) == std::vector<int64_t>{2, 3, 4, 8, 11});
  CHECK(lines_of(deberta::hold_out_dev(numbered_split(20), 5, 7).dev) == std::vector<int64_t>{3, 10, 13, 17, 19});
}

TEST_CASE("a dev slice larger than train is an error") {
  CHECK_THROWS_AS(deberta::hold_out_dev(numbered_split(5), 6, 42), std::invalid_argument);
}
