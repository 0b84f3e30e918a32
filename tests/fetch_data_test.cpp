// scripts/fetch-data.sh on small fake mirrors (the real mirror is in fulldata_test.cpp).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "data_support.h"

using deberta::test::run_shell;
using deberta::test::ScratchDir;

namespace {

std::string fetch_data(const std::string& arguments) {
  return "bash '" + deberta::test::repo_path("scripts/fetch-data.sh") + "' " + arguments;
}

size_t files_under(const std::string& dir) {
  size_t count = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

}  // namespace

TEST_CASE("fetch-data refuses a mirror file whose checksum does not match and leaves nothing behind") {
  ScratchDir mirror, dest;
  mirror.write("korsts/sts-train.tsv", "not the real file\n");
  mirror.write("korsts/sts-dev.tsv", "not the real file either\n");
  mirror.write("korsts/sts-test.tsv", "nor this\n");
  const auto result = run_shell(fetch_data("--from '" + mirror.path() + "' --dest '" + dest.path() + "' korsts"));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("CORRUPT  korsts/sts-train.tsv: sha256 ") != std::string::npos);
  CHECK(result.output.find("expected b5aaa7f957d6ff46f4b6834a8b0f024a9234a6eefe9289aed66746b4533da3b8") !=
        std::string::npos);
  CHECK(files_under(dest.path()) == 0);
}

TEST_CASE("fetch-data lists the files that the mirror lacks and exits 1") {
  ScratchDir mirror, dest;
  const auto result = run_shell(fetch_data("--from '" + mirror.path() + "' --dest '" + dest.path() + "' nsmc"));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("MISSING  nsmc/ratings_train.txt: not in the mirror") != std::string::npos);
  CHECK(result.output.find("2 file(s) could not be obtained") != std::string::npos);
  CHECK(files_under(dest.path()) == 0);
}

TEST_CASE("fetch-data with allow-missing exits 0 and still lists the missing files") {
  ScratchDir mirror, dest;
  const auto result =
      run_shell(fetch_data("--from '" + mirror.path() + "' --dest '" + dest.path() + "' --allow-missing paws"));
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("MISSING  paws-x-ko/translated_train.tsv") != std::string::npos);
  CHECK(result.output.find("continuing (--allow-missing)") != std::string::npos);
}

TEST_CASE("fetch-data rejects an unknown task name") {
  const auto result = run_shell(fetch_data("nsmcc"));
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("unknown task 'nsmcc'") != std::string::npos);
}
