#include <catch2/catch.hpp>
#include <string>

#include "test_support.h"

using deberta::test::run_cli;

TEST_CASE("the version flag prints the tool, sentencepiece and libtorch versions") {
  const auto result = run_cli("--version");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.rfind("deberta-bench ", 0) == 0);
  CHECK(result.output.find("sentencepiece 0.1.97") != std::string::npos);
  CHECK(result.output.find("libtorch 1.13") != std::string::npos);
}

TEST_CASE("the help flag lists every subcommand of the CLI contract") {
  const auto result = run_cli("--help");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  for (const char* command : {"tasks", "info", "tokenize", "forward", "finetune", "evaluate", "predict", "suite",
                              "table", "check", "inspect-data", "replay", "bench", "train-tokenizer", "plot"}) {
    INFO("expected --help to list " << command);
    CHECK(result.output.find(std::string("  ") + command) != std::string::npos);
  }
}

TEST_CASE("the tasks subcommand prints the registry and exits 0") {
  const auto result = run_cli("tasks");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_FALSE(result.output.empty());
}

TEST_CASE("a missing required flag is a usage error, not a crash") {
  const auto result = run_cli("forward --model x");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.exit_code != 2);
  CHECK(result.output.find("--inputs") != std::string::npos);
}

TEST_CASE("the threads flag rejects zero with a message naming it") {
  const auto result = run_cli("--threads 0 tasks");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("--threads") != std::string::npos);
}
