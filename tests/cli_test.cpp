#include <catch2/catch.hpp>
#include <string>

#include "test_support.h"

using deberta::test::run_cli;

TEST_CASE("the version flag prints the tool, sentencepiece and libtorch versions", "[cli]") {
  const auto result = run_cli("--version");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.rfind("deberta-bench ", 0) == 0);
  CHECK(result.output.find("sentencepiece 0.1.97") != std::string::npos);
  CHECK(result.output.find("libtorch 2.11.0") != std::string::npos);
  CHECK(result.output.find("CUDA") != std::string::npos);
}

TEST_CASE("the help flag lists every subcommand of the CLI contract", "[cli]") {
  const auto result = run_cli("--help");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  for (const char* command : {"tasks", "info", "tokenize", "forward", "finetune", "evaluate", "predict", "suite",
                              "table", "check", "inspect-data", "replay", "bench", "train-tokenizer", "plot"}) {
    INFO("expected --help to list " << command);
    CHECK(result.output.find(std::string("  ") + command) != std::string::npos);
  }
}

TEST_CASE("the tasks subcommand lists the five benchmark tasks and exits 0", "[cli]") {
  const auto result = run_cli("tasks");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  for (const char* task : {"nsmc", "paws", "kornli", "korsts", "question_pair"}) {
    INFO("expected the listing to name " << task);
    CHECK(result.output.find(task) != std::string::npos);
  }
}

TEST_CASE("global options work after the subcommand as well as before it", "[cli]") {
  const auto after = run_cli("tasks --threads 2");
  INFO(after.output);
  CHECK(after.exit_code == 0);
  const auto bad = run_cli("tasks --threads 0");
  INFO(bad.output);
  CHECK(bad.exit_code != 0);
  CHECK(bad.output.find("--threads") != std::string::npos);
}

TEST_CASE("a missing required flag is a usage error, not a crash", "[cli]") {
  const auto result = run_cli("forward --model x");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.exit_code != 2);
  CHECK(result.output.find("--inputs") != std::string::npos);
}

TEST_CASE("the threads flag rejects zero with a message naming it", "[cli]") {
  const auto result = run_cli("--threads 0 tasks");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("--threads") != std::string::npos);
}

TEST_CASE("an installed binary runs finetune from another directory and holds no source-tree path", "[cli]") {
  const deberta::test::ScratchDir prefix;
  const deberta::test::ScratchDir elsewhere;
  const std::string build_dir = std::filesystem::path(DEBERTA_BENCH_EXE).parent_path().string();
  auto result = deberta::test::run_shell("cmake --install '" + build_dir + "' --prefix '" + prefix.path() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string installed = prefix.file("bin/deberta-bench");
  for (const char* file : {"share/deberta-bench/configs/models/tiny-default/config.json",
                           "share/deberta-bench/data/samples/nsmc/ratings_train.txt",
                           "share/deberta-bench/results/reference/model-card.yaml"}) {
    INFO("expected the install to hold " << file);
    CHECK(std::filesystem::exists(prefix.file(file)));
  }

  result = deberta::test::run_shell("cd '" + elsewhere.path() + "' && DEBERTA_BENCH_CACHE=off '" + installed +
                                    "' --threads 1 finetune --task nsmc" + deberta::test::kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  INFO("expected the run in the working directory and the installed samples as its data");
  CHECK(std::filesystem::exists(elsewhere.file("runs/nsmc-tiny-default-seed42/results.json")));
  CHECK(result.output.find("data: " + prefix.path() + "/share/deberta-bench/data/samples") != std::string::npos);

  // The source tree is the directory above tests/data.
  const std::string source_dir =
      std::filesystem::canonical(std::filesystem::path(deberta::test::data_path("")) / ".." / "..").string();
  const std::string binary = deberta::test::read_text(installed);
  INFO("expected no occurrence of " << source_dir << " in the installed binary");
  CHECK(binary.find(source_dir) == std::string::npos);
}
