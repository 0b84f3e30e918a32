// Helpers for the data tests: scratch directories, small files, repository paths.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.h"

namespace deberta::test {

// The repository root (tests/data is two levels below it).
inline std::string repo_path(const std::string& relative) {
  return (std::filesystem::path(DEBERTA_BENCH_TEST_DATA) / ".." / ".." / relative).lexically_normal().string();
}

// A fresh directory under the system's temporary directory, removed when the
// object goes out of scope.
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

// The shared data directory beside the repository: $DEBERTA_BENCH_SHARED, or
// <repo>/../shared.
inline std::string shared_path(const std::string& relative) {
  const char* env = std::getenv("DEBERTA_BENCH_SHARED");
  const std::string root = (env != nullptr && *env != '\0') ? env : repo_path("../shared");
  return root + "/" + relative;
}

}  // namespace deberta::test
