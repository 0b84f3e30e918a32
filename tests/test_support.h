// Helpers shared by the tests: where the test data is, and running the CLI.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
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

// Runs a shell command and captures its standard output and error.
inline CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs the deberta-bench executable built beside the tests with `arguments`
// (already shell-quoted) and captures what it prints. The feature cache is off
// unless the test sets DEBERTA_BENCH_CACHE itself (`environment`, e.g.
// "DEBERTA_BENCH_CACHE=/tmp/x"), so that no test reads what another wrote.
inline CommandResult run_cli(const std::string& arguments, const std::string& environment = "DEBERTA_BENCH_CACHE=off") {
  return run_shell(environment + " '" + DEBERTA_BENCH_EXE + "' " + arguments);
}

}  // namespace deberta::test
