// Helpers shared by the tests: where the test data is, and running the CLI.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace deberta::test {

// A path under tests/data.
inline std::string data_path(const std::string& relative) {
  return std::string(DEBERTA_BENCH_TEST_DATA) + "/" + relative;
}

// The tiny checkpoints with golden outputs (tests/data/fixtures, see its README).
inline const char* const kFixtures[] = {"deberta-v3-tiny", "deberta-v2-variant", "deberta-c2p-embproj"};

inline std::string fixture_dir(const std::string& name) { return data_path("fixtures/" + name); }

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A results.json without the fields that measure time, which two runs of
// the same job never share.
inline std::string without_timings(nlohmann::json results) {
  results.erase("train_seconds");
  results.erase("train_examples_per_second");
  return results.dump(2);
}

// One JSON value per line of `text` (metrics.jsonl, replay's output).
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// The tab-separated fields of every line of `text`, the header included.
inline std::vector<std::vector<std::string>> tsv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) fields.push_back(cell);
    rows.push_back(fields);
  }
  return rows;
}

// A fresh directory under the system's temporary directory, removed when the
// object goes out of scope. Its name is unique (mkdtemp), so tests that ctest
// runs in parallel, or two test runs on one machine, never share a directory.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "deberta-bench-test.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& relative) const { return path_ + "/" + relative; }

  // Writes `contents` byte for byte, creating the directories on the way.
  std::string write(const std::string& relative, const std::string& contents) const {
    const std::string target = file(relative);
    std::filesystem::create_directories(std::filesystem::path(target).parent_path());
    std::ofstream out(target, std::ios::binary);
    out << contents;
    REQUIRE(out.good());
    return target;
  }

 private:
  std::string path_;
};

// finetune flags for a quick run on the samples: a few seconds on one thread.
inline const char* const kQuick =
    " --set training.max_steps=12 --set training.batch_size=16 --set training.eval_batch_size=256"
    " --set optimizer.lr=1e-3 --set training.max_train_examples=192";

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

// A TCP port on 127.0.0.1 that was free a moment ago, for a test's own
// rendezvous (tests use loopback only).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  REQUIRE(bound);
  return ntohs(address.sin_port);
}

// A shell command that starts `processes` copies of the CLI as one
// data-parallel job on 127.0.0.1 (torchrun's variables, set by hand), each
// bounded by `seconds`, and exits non-zero when any copy does.
inline std::string data_parallel_command(int processes, const std::string& arguments, int seconds = 300) {
  const int port = free_port();
  std::string command = "pids=''; ";
  for (int rank = 0; rank < processes; ++rank)
    command += "RANK=" + std::to_string(rank) + " LOCAL_RANK=" + std::to_string(rank) +
               " WORLD_SIZE=" + std::to_string(processes) + " LOCAL_WORLD_SIZE=" + std::to_string(processes) +
               " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " DEBERTA_BENCH_CACHE=off timeout " +
               std::to_string(seconds) + " '" + DEBERTA_BENCH_EXE + "' " + arguments + " 2>&1 & pids=\"$pids $!\"; ";
  return command + "status=0; for p in $pids; do wait $p || status=1; done; exit $status";
}

}  // namespace deberta::test
