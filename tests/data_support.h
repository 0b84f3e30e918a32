// Helpers for the data tests: repository and shared-data paths.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace deberta::test {

// The repository root (tests/data is two levels below it).
inline std::string repo_path(const std::string& relative) {
  return (std::filesystem::path(DEBERTA_BENCH_TEST_DATA) / ".." / ".." / relative).lexically_normal().string();
}

// The shared data directory beside the repository: $DEBERTA_BENCH_SHARED, or
// <repo>/../shared.
inline std::string shared_path(const std::string& relative) {
  const char* env = std::getenv("DEBERTA_BENCH_SHARED");
  const std::string root = (env != nullptr && *env != '\0') ? env : repo_path("../shared");
  return root + "/" + relative;
}

}  // namespace deberta::test
