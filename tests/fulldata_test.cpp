// Tests against the full benchmark files in ../shared/data. They are hidden
// ([.fulldata]) from the default test list; tests/CMakeLists.txt registers
// them only when that directory exists at configure time (CI always has it).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "data_support.h"
#include "tasks/dataset.h"
#include "tasks/registry.h"

using deberta::test::shared_path;
using nlohmann::json;

namespace {

// Row counts of ../shared/data/README.md (the header not counted).
const std::map<std::string, int64_t>& readme_rows() {
  static const std::map<std::string, int64_t> rows = {
      {"nsmc/ratings_train.txt", 150000}, {"nsmc/ratings_test.txt", 50000},      {"paws-x-ko/dev_2k.tsv", 2000},
      {"paws-x-ko/test_2k.tsv", 2000},    {"kornli/xnli.dev.ko.tsv", 2490},      {"kornli/xnli.test.ko.tsv", 5010},
      {"korsts/sts-train.tsv", 5749},     {"korsts/sts-dev.tsv", 1500},          {"korsts/sts-test.tsv", 1379},
      {"question-pair/train.txt", 6136},  {"question-pair/validation.txt", 682}, {"question-pair/test.txt", 758}};
  return rows;
}

std::string data_dir() {
  const std::string dir = std::filesystem::path(shared_path("data")).lexically_normal().string();
  INFO("the full data is expected in " << dir << " ($DEBERTA_BENCH_SHARED/data)");
  REQUIRE(std::filesystem::is_directory(dir));
  return dir;
}

// The file's path relative to the data directory, as README.md names it.
std::string relative(const std::string& path) {
  return std::filesystem::path(path).lexically_relative(data_dir()).string();
}

std::map<std::string, std::string> sha256sums() {
  std::ifstream in(data_dir() + "/SHA256SUMS");
  REQUIRE(in.good());
  std::map<std::string, std::string> sums;
  std::string hash, file;
  while (in >> hash >> file) sums[file] = hash;
  return sums;
}

json inspect(const std::string& task, const std::string& extra = "") {
  const auto result =
      deberta::test::run_cli("inspect-data --task " + task + " --data-dir '" + data_dir() + "' " + extra);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  // The missing-file lines on standard error come before the JSON object.
  const size_t start = result.output.find("{\n");
  REQUIRE(start != std::string::npos);
  return json::parse(result.output.substr(start));
}

int64_t dropped_total(const json& split) {
  int64_t total = 0;
  for (const auto& [reason, count] : split["dropped"].items()) total += count.get<int64_t>();
  return total;
}

}  // namespace

TEST_CASE("inspect-data accounts for every row of every full data file", "[.fulldata][cli]") {
  const auto sums = sha256sums();
  std::map<std::string, int64_t> accounted;
  std::set<std::string> missing;
  for (const char* task : {"nsmc", "paws", "kornli", "korsts", "question_pair"}) {
    const json report = inspect(task);
    for (const auto& [name, split] : report["splits"].items()) {
      const std::string file = relative(split["file"].get<std::string>());
      INFO(task << " " << name << " " << file);
      CHECK(split["sha256"] == sums.at(file));
      // A dev slice's rows come out of train: they count towards train's file.
      accounted[file] += split["rows"].get<int64_t>() + dropped_total(split);
    }
    for (const auto& entry : report["missing"]) missing.insert(relative(entry["file"].get<std::string>()));
  }
  for (const auto& [file, rows] : readme_rows()) {
    INFO(file);
    CHECK(accounted[file] == rows);
  }
  CHECK(accounted.size() == readme_rows().size());
  CHECK(missing == std::set<std::string>{"paws-x-ko/translated_train.tsv", "kornli/multinli.train.ko.tsv"});
}

TEST_CASE("inspect-data label counts of the full files match the data README", "[.fulldata][cli]") {
  const json nsmc = inspect("nsmc");
  CHECK(nsmc["splits"]["train"]["labels"]["0"].get<int64_t>() + nsmc["splits"]["dev"]["labels"]["0"].get<int64_t>() ==
        75173);
  CHECK(nsmc["splits"]["test"]["labels"] == json({{"0", 24827}, {"1", 25173}}));
  CHECK(nsmc["splits"]["dev"]["from"] == "train");
  CHECK(nsmc["splits"]["dev"]["rows"] == 5000);
  CHECK(nsmc["splits"]["train"]["rows"] == 145000);

  const json paws = inspect("paws");
  CHECK(paws["splits"]["dev"]["labels"] == json({{"0", 1160}, {"1", 840}}));
  CHECK(paws["splits"]["test"]["labels"] == json({{"0", 1104}, {"1", 896}}));

  const json kornli = inspect("kornli");
  CHECK(kornli["splits"]["dev"]["labels"] == json({{"contradiction", 830}, {"entailment", 830}, {"neutral", 830}}));
  CHECK(kornli["splits"]["test"]["labels"] == json({{"contradiction", 1670}, {"entailment", 1670}, {"neutral", 1670}}));

  const json korsts = inspect("korsts");
  for (const char* split : {"train", "dev", "test"}) {
    CHECK(korsts["splits"][split]["score_min"] == 0.0);
    CHECK(korsts["splits"][split]["score_max"] == 5.0);
  }

  const json qp = inspect("question_pair");
  CHECK(qp["splits"]["train"]["labels"] == json({{"0", 4169}, {"1", 1967}}));
  CHECK(qp["splits"]["dev"]["labels"] == json({{"0", 432}, {"1", 250}}));
  CHECK(qp["splits"]["test"]["labels"] == json({{"0", 508}, {"1", 250}}));
}

TEST_CASE("paws drop_ns on the full files gives the official 1965 and 1972 rows", "[.fulldata][cli]") {
  const json paws = inspect("paws", "--option drop_ns=true");
  CHECK(paws["splits"]["dev"]["rows"] == 1965);
  CHECK(paws["splits"]["dev"]["dropped"] == json({{"ns_placeholder", 35}}));
  CHECK(paws["splits"]["test"]["rows"] == 1972);
  CHECK(paws["splits"]["test"]["dropped"] == json({{"ns_placeholder", 28}}));
}

TEST_CASE("nsmc holds out the same dev rows of the full train file on every run", "[.fulldata]") {
  // Computed independently with a Python mt19937_64 over the 150,000 rows.
  const auto dev = deberta::load_split(deberta::resolve_task("nsmc"), "dev", data_dir());
  REQUIRE(dev.examples.size() == 5000);
  std::vector<int64_t> first;
  for (size_t i = 0; i < 5; ++i) first.push_back(dev.examples[i].line);
  CHECK(first == std::vector<int64_t>{2, 9, 14, 43, 46});
  CHECK(dev.examples.back().line == 149996);
}

TEST_CASE("nsmc unquote rewrites exactly the doubly quoted documents of the full files", "[.fulldata]") {
  const deberta::TaskSpec nsmc = deberta::resolve_task("nsmc");
  const std::map<std::string, int> expected = {{"train", 623}, {"test", 233}};
  for (const auto& [split, count] : expected) {
    const auto raw = deberta::read_split(nsmc, split, data_dir(), deberta::resolve_options(nsmc));
    const auto unquoted =
        deberta::read_split(nsmc, split, data_dir(), deberta::resolve_options(nsmc, {{"unquote", "true"}}));
    REQUIRE(raw.examples.size() == unquoted.examples.size());
    int changed = 0;
    for (size_t i = 0; i < raw.examples.size(); ++i) changed += raw.examples[i].text_a != unquoted.examples[i].text_a;
    INFO(split);
    CHECK(changed == count);
  }
}

TEST_CASE("fetch-data copies and verifies every file of the shared mirror", "[.fulldata]") {
  deberta::test::ScratchDir dest;
  const auto result = deberta::test::run_shell("bash '" + deberta::test::repo_path("scripts/fetch-data.sh") +
                                               "' --from '" + data_dir() + "' --dest '" + dest.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);  // the three training files that the mirror lacks
  CHECK(result.output.find("3 file(s) could not be obtained: paws-x-ko/translated_train.tsv "
                           "kornli/multinli.train.ko.tsv kornli/snli_1.0_train.ko.tsv") != std::string::npos);
  for (const auto& [file, rows] : readme_rows()) {
    INFO(file);
    CHECK(std::filesystem::is_regular_file(dest.file(file)));
    CHECK(result.output.find("fetched  " + file) != std::string::npos);
  }
}
