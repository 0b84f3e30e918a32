// Helpers shared by the tests: where the test data is, and running the CLI.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace deberta::test {

// A path under tests/data.
inline std::string data_path(const std::string& relative) {
  return std::string(DEBERTA_BENCH_TEST_DATA) + "/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // standard output and standard error, interleaved
};

// Runs the deberta-bench executable built beside the tests with `arguments`
// (already shell-quoted) and captures what it prints.
CommandResult run_cli(const std::string& arguments);

}  // namespace deberta::test
