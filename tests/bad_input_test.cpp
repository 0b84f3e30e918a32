// Bad data gives one-line errors that name the file, the line and the field,
// and the command exits non-zero; nothing is skipped.
#include <catch2/catch.hpp>
#include <string>

#include "data_support.h"
#include "tasks/dataset.h"
#include "tasks/registry.h"

using deberta::test::ScratchDir;

namespace {

// The message of the DataError that loading `split` throws, or "" when none.
std::string load_error(const std::string& task, const std::string& split, const std::string& data_dir) {
  try {
    deberta::load_split(deberta::resolve_task(task), split, data_dir);
  } catch (const deberta::DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a label outside the declared set is an error naming the file and line and field") {
  ScratchDir dir;
  const std::string file = dir.write("nsmc/ratings_test.txt", "id\tdocument\tlabel\n1\t좋다\t1\n2\t별로\t2\n");
  const std::string error = load_error("nsmc", "test", dir.path());
  INFO(error);
  CHECK(error == file + ":3: field 'label' (column 3): '2' is not a label of task nsmc (expected one of: 0, 1)");
}

TEST_CASE("a KorNLI label in the wrong case is not accepted") {
  ScratchDir dir;
  const std::string file =
      dir.write("kornli/xnli.dev.ko.tsv", "sentence1\tsentence2\tgold_label\n가\t나\tEntailment\n");
  const std::string error = load_error("kornli", "dev", dir.path());
  INFO(error);
  CHECK(error.find(file + ":2: field 'gold_label' (column 3): 'Entailment' is not a label") == 0);
}

TEST_CASE("a wrong field count is an error naming the file and line and field") {
  ScratchDir dir;
  const std::string file =
      dir.write("question-pair/test.txt", "question1\tquestion2\tis_duplicate\n가?\t나?\t0\n가?\t나?\t0\textra\n");
  const std::string error = load_error("question_pair", "test", dir.path());
  INFO(error);
  CHECK(error == file + ":3: expected 3 tab-separated fields, found 4: column 4 is extra");
}

TEST_CASE("a score that does not parse is an error naming the file and line and field") {
  ScratchDir dir;
  const std::string header = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n";
  for (const std::string score : {"4.x", "", " 3", "nan", "inf", "+1"}) {
    const std::string file = dir.write("korsts/sts-test.tsv", header + "g\tf\t2012\t0001\t" + score + "\t가\t나\n");
    const std::string error = load_error("korsts", "test", dir.path());
    INFO("score '" << score << "': " << error);
    CHECK(error == file + ":2: field 'score' (column 5): '" + score + "' is not a number");
  }
}

TEST_CASE("a score outside the task's range is an error naming the file and line and field") {
  ScratchDir dir;
  const std::string file = dir.write(
      "korsts/sts-dev.tsv", "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\ng\tf\t2012\t1\t5.01\t가\t나");
  const std::string error = load_error("korsts", "dev", dir.path());
  INFO(error);
  CHECK(error == file + ":2: field 'score' (column 5): score 5.01 is outside the task's range 0 to 5");
}

TEST_CASE("a missing file is an error naming the file and the command that fetches it") {
  ScratchDir dir;
  try {
    deberta::load_split(deberta::resolve_task("korsts"), "train", dir.path());
    FAIL("expected a MissingFileError");
  } catch (const deberta::MissingFileError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find(dir.file("korsts/sts-train.tsv") + ": file not found") == 0);
    CHECK(message.find("scripts/fetch-data.sh korsts") != std::string::npos);
    CHECK(message.find("--from DIR") != std::string::npos);
  }
}

TEST_CASE("a wrong header is an error naming the file and the header field") {
  ScratchDir dir;
  const std::string file = dir.write("paws-x-ko/dev_2k.tsv", "id\ts1\ts2\tlabel\n1\t가\t나\t0\n");
  const std::string error = load_error("paws", "dev", dir.path());
  INFO(error);
  CHECK(error.find(file + ":1: header field 2 is 's1', expected 'sentence1'") == 0);
}

TEST_CASE("inspect-data exits non-zero with one line naming the file and line and field", "[cli]") {
  ScratchDir dir;
  const std::string file =
      dir.write("question-pair/validation.txt", "question1\tquestion2\tis_duplicate\n가?\t나?\t3\n");
  dir.write("question-pair/train.txt", "question1\tquestion2\tis_duplicate\n가?\t나?\t0\n");
  dir.write("question-pair/test.txt", "question1\tquestion2\tis_duplicate\n가?\t나?\t0\n");
  const auto result = deberta::test::run_cli("inspect-data --task question_pair --data-dir '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output == "deberta-bench: error: " + file +
                             ":2: field 'is_duplicate' (column 3): '3' is not a label of task question_pair "
                             "(expected one of: 0, 1)\n");
}

TEST_CASE("inspect-data names each missing file with its fetch command and exits 1 when nothing was read", "[cli]") {
  ScratchDir dir;
  const auto result = deberta::test::run_cli("inspect-data --task nsmc --data-dir '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(dir.file("nsmc/ratings_train.txt") + ": file not found; fetch it with "
                                                                "`scripts/fetch-data.sh nsmc`") != std::string::npos);
  CHECK(result.output.find(dir.file("nsmc/ratings_test.txt") + ": file not found") != std::string::npos);
  CHECK(result.output.find("no split of task nsmc could be read") != std::string::npos);
}
