// The deterministic samples shipped in data/samples/ (see its README.md).
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "data_support.h"
#include "tasks/dataset.h"
#include "tasks/inspect.h"
#include "tasks/registry.h"

namespace {

std::string samples_dir() { return deberta::test::repo_path("data/samples"); }

}  // namespace

TEST_CASE("inspect-data reads every split of every shipped sample") {
  // Rows per split as data/samples/README.md lists them; nsmc's dev is a tenth
  // of its 2,000 train rows.
  const std::map<std::string, std::vector<int>> expected = {{"nsmc", {1800, 200, 1000}},
                                                            {"paws", {1500, 497, 1000}},
                                                            {"kornli", {1500, 600, 1500}},
                                                            {"korsts", {2000, 500, 500}},
                                                            {"question_pair", {2000, 400, 400}}};
  for (const auto& [name, rows] : expected) {
    const auto report = deberta::inspect_data(deberta::resolve_task(name), samples_dir());
    INFO(name << ": " << report.json.dump());
    CHECK(report.missing.empty());
    CHECK(report.splits_read == 3);
    CHECK(report.json["splits"]["train"]["rows"] == rows[0]);
    CHECK(report.json["splits"]["dev"]["rows"] == rows[1]);
    CHECK(report.json["splits"]["test"]["rows"] == rows[2]);
  }
}

TEST_CASE("the nsmc sample holds out the same dev rows on every run") {
  // Lines 4, 12, 13, 15 and 28 come first for seed 42: computed independently
  // with a Python mt19937_64.
  const auto dev = deberta::load_split(deberta::resolve_task("nsmc"), "dev", samples_dir());
  REQUIRE(dev.examples.size() == 200);
  std::vector<int64_t> first;
  for (size_t i = 0; i < 5; ++i) first.push_back(dev.examples[i].line);
  CHECK(first == std::vector<int64_t>{4, 12, 13, 15, 28});
}

TEST_CASE("the samples test splits share no sentence pair with their train splits") {
  for (const char* name : {"paws", "kornli", "korsts", "question_pair"}) {
    const auto splits = deberta::load_task_data(deberta::resolve_task(name), samples_dir());
    std::set<std::pair<std::string, std::string>> train;
    for (const auto& example : splits[0].examples) train.insert({example.text_a, *example.text_b});
    int shared = 0;
    for (const auto& example : splits[2].examples) shared += train.count({example.text_a, *example.text_b});
    INFO(name);
    CHECK(shared == 0);
  }
}

TEST_CASE("inspect-data reads the data directory from DEBERTA_BENCH_DATA", "[cli]") {
  REQUIRE(setenv("DEBERTA_BENCH_DATA", samples_dir().c_str(), 1) == 0);
  CHECK(deberta::resolve_data_dir("") == samples_dir());
  CHECK(deberta::resolve_data_dir("elsewhere") == "elsewhere");
  const auto result = deberta::test::run_cli("inspect-data --task korsts");
  unsetenv("DEBERTA_BENCH_DATA");
  CHECK(deberta::resolve_data_dir("") == "data");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("\"data_dir\": \"" + samples_dir() + "\"") != std::string::npos);
  CHECK(result.output.find("\"rows\": 2000") != std::string::npos);
}

TEST_CASE("inspect-data --texts prints the training texts finetune reads, without the dev slice or test", "[cli]") {
  const auto texts = [](const char* task, const char* split) {
    const auto result = deberta::test::run_cli(std::string("inspect-data --task ") + task + " --data-dir '" +
                                               samples_dir() + "' --texts " + split);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    std::set<std::string> lines;
    size_t count = 0;
    std::istringstream in(result.output);
    for (std::string line; std::getline(in, line); ++count) lines.insert(line);
    return std::make_pair(count, lines);
  };
  const auto rows = [](const char* task, const std::string& split) {
    for (const auto& data : deberta::load_task_data(deberta::resolve_task(task), samples_dir()))
      if (data.name == split) return data.examples.size();
    FAIL("no split " << split);
    return size_t{0};
  };
  const auto [train_count, train] = texts("nsmc", "train");
  INFO("expected one line per training row of finetune's train split");
  CHECK(train_count == rows("nsmc", "train"));
  const auto [dev_count, dev] = texts("nsmc", "dev");
  CHECK(dev_count == rows("nsmc", "dev"));
  // The dev slice is held out of the same file: none of its texts may leak
  // into train's unless the file repeats a text.
  size_t shared = 0;
  for (const auto& line : dev) shared += train.count(line);
  CHECK(shared < dev.size() / 20);
  INFO("a pair task prints both texts of a row");
  const auto [pair_count, pairs] = texts("korsts", "train");
  CHECK(pair_count == 2 * rows("korsts", "train"));
}
