// One test per parsing trap of ../shared/data/quirks.md, on extracts of the real
// files in tests/data/quirks/ (tests/data/quirks/README.md maps their lines
// back to the originals).
#include <catch2/catch.hpp>
#include <string>

#include "data/tsv.h"
#include "data_support.h"
#include "tasks/dataset.h"
#include "tasks/registry.h"

using deberta::Example;
using deberta::read_split;
using deberta::SplitData;

namespace {

std::string quirks_dir() { return deberta::test::data_path("quirks"); }

SplitData read_quirks(const std::string& task, const std::string& split, const deberta::TaskOptions& options = {}) {
  const deberta::TaskSpec spec = deberta::resolve_task(task);
  return read_split(spec, split, quirks_dir(), deberta::resolve_options(spec, options));
}

// The example read from `line` of the extract; fails the test when there is none.
const Example& at_line(const SplitData& split, int64_t line) {
  for (const auto& example : split.examples)
    if (example.line == line) return example;
  FAIL("no example from line " << line << " of " << split.files.at(0).path);
  throw std::logic_error("unreachable");
}

// The message of the DataError that `f` throws, or "" when it throws none.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const deberta::DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// --- nsmc -------------------------------------------------------------------

TEST_CASE("nsmc keeps a doubly quoted document as the raw field by default") {
  const auto train = read_quirks("nsmc", "train");
  // Original train line 167.
  CHECK(at_line(train, 3).text_a ==
        "\"\"\"영화 끝나갈때쯤에 멍하다가 다보고나면 한마디 나올거임 \"\"\"\"ㅈ같다.\"\"\"\"\"\"\"");
}

TEST_CASE("nsmc unquote option turns a doubly quoted document into the review text") {
  const auto train = read_quirks("nsmc", "train", {{"unquote", "true"}});
  CHECK(at_line(train, 3).text_a == "영화 끝나갈때쯤에 멍하다가 다보고나면 한마디 나올거임 \"ㅈ같다.\"");
  const auto test = read_quirks("nsmc", "test", {{"unquote", "true"}});
  // Original test line 16: inner quotes in the middle of the text.
  CHECK(at_line(test, 2).text_a.find(
            "김문옥 감독은 \"내가 영화 경력이 몇OO인데 조무래기들이 내 영화를 평론해?\" 같은") != std::string::npos);
  // Documents without a quote are untouched.
  CHECK(at_line(train, 2).text_a == "킬링타임");
}

TEST_CASE("nsmc unquote option rejects a document that starts with a quote but is not quoted twice") {
  deberta::test::ScratchDir dir;
  dir.write("nsmc/ratings_train.txt", "id\tdocument\tlabel\n1\t좋다\t1\n2\t\"반만 인용\t0\n");
  const deberta::TaskSpec nsmc = deberta::resolve_task("nsmc");
  const std::string error = error_of([&] {
    read_split(nsmc, "train", dir.path(), deberta::resolve_options(nsmc, {{"unquote", "true"}}));
  });
  INFO(error);
  CHECK(error.find(dir.file("nsmc/ratings_train.txt") + ":3: field 'document' (column 2):") == 0);
  CHECK(error.find("not CSV-quoted twice") != std::string::npos);
}

TEST_CASE("nsmc empty documents are read as empty texts and kept") {
  const auto train = read_quirks("nsmc", "train");
  CHECK(at_line(train, 7).text_a.empty());  // original train line 25859
  CHECK(at_line(train, 7).label == 1);
  const auto test = read_quirks("nsmc", "test");
  CHECK(at_line(test, 3).text_a.empty());  // original test line 5748
  CHECK(train.dropped.empty());
  CHECK(test.dropped.empty());
}

TEST_CASE("nsmc duplicate texts with different labels are all kept") {
  const auto train = read_quirks("nsmc", "train");
  CHECK(train.examples.size() == 6);
  // Original train lines 108 and 7350 both read "킬링타임", labelled 0 and 1.
  CHECK(at_line(train, 2).text_a == at_line(train, 5).text_a);
  CHECK(at_line(train, 2).label == 0);
  CHECK(at_line(train, 5).label == 1);
}

TEST_CASE("nsmc literal backslashes are text and not escapes") {
  const auto train = read_quirks("nsmc", "train");
  const std::string& text = at_line(train, 6).text_a;  // original train line 10423
  CHECK(text.size() >= 4);
  CHECK(text.substr(text.size() - 4) == " 3\\4");
}

// --- paws -------------------------------------------------------------------

TEST_CASE("paws keeps the NS placeholder rows by default") {
  const auto dev = read_quirks("paws", "dev");
  CHECK(dev.examples.size() == 5);
  CHECK(at_line(dev, 3).text_a == "NS");  // original dev line 41
  CHECK(dev.dropped.empty());
}

TEST_CASE("paws drop_ns option drops the NS rows and counts them") {
  const auto dev = read_quirks("paws", "dev", {{"drop_ns", "true"}});
  CHECK(dev.examples.size() == 3);  // original dev lines 41 and 119 hold NS
  REQUIRE(dev.dropped.count("ns_placeholder") == 1);
  CHECK(dev.dropped.at("ns_placeholder") == 2);
  const auto test = read_quirks("paws", "test", {{"drop_ns", "true"}});
  CHECK(test.examples.size() == 2);
  CHECK(test.dropped.at("ns_placeholder") == 1);  // original test line 32
}

TEST_CASE("paws fields that start with a quote are literal text") {
  const auto dev = read_quirks("paws", "dev");
  // Original dev line 10.
  CHECK(at_line(dev, 2).text_a.rfind("\"Macpelah Cemetery\" 또는", 0) == 0);
  // Original test lines 69 and 70: a CSV-aware reader gets the wrong field count here.
  const auto test = read_quirks("paws", "test");
  CHECK(at_line(test, 3).text_b->rfind("\"Pure\"는", 0) == 0);
  CHECK(at_line(test, 4).text_b->rfind("\"2\" Benjamin Hough", 0) == 0);
  CHECK(at_line(test, 4).label == 0);
}

TEST_CASE("paws control characters inside a field do not split the line") {
  const auto dev = read_quirks("paws", "dev");
  CHECK(at_line(dev, 5).text_b->find("균상종속영양생물\x1c, 다양한") != std::string::npos);  // dev line 825
  CHECK(at_line(dev, 6).text_b->find("유\x08로 스위스인들과") != std::string::npos);         // dev line 1763
  CHECK(at_line(dev, 6).label == 1);
}

TEST_CASE("paws rows with an empty sentence are dropped and counted as the reference does") {
  // The missing translated_train.tsv may have empty sentences (quirks.md);
  // KoELECTRA skips them. This file is synthetic.
  deberta::test::ScratchDir dir;
  dir.write("paws-x-ko/translated_train.tsv",
            "id\tsentence1\tsentence2\tlabel\n1\t가\t나\t1\n2\t\t나\t0\n3\t가\t\t0\n4\t \t나\t1\n");
  const deberta::TaskSpec paws = deberta::resolve_task("paws");
  const auto train = read_split(paws, "train", dir.path(), deberta::resolve_options(paws));
  CHECK(train.examples.size() == 2);  // a sentence of one space is not empty
  CHECK(train.dropped.at("empty_sentence") == 2);
}

// --- kornli -----------------------------------------------------------------

TEST_CASE("kornli unbalanced quotes do not swallow the following lines") {
  const auto dev = read_quirks("kornli", "dev");
  REQUIRE(dev.examples.size() == 6);
  // Original dev lines 899 to 901 open a quote that is never closed.
  for (int64_t line : {3, 4, 5}) {
    INFO("extract line " << line);
    CHECK(at_line(dev, line).text_a.rfind("\"상처! 스스로 설명해", 0) == 0);
  }
  CHECK(at_line(dev, 3).label == 2);  // neutral
  CHECK(at_line(dev, 6).text_a.rfind("\"", 0) == std::string::npos);
  const auto test = read_quirks("kornli", "test");
  CHECK(test.examples.size() == 4);  // original test lines 1778 to 1781
}

TEST_CASE("kornli keeps the leading space of a hypothesis") {
  const auto dev = read_quirks("kornli", "dev");
  CHECK(at_line(dev, 7).text_b ==
        std::string(" 45일 안에 올해 회계연도를 기부하지 않은 사람들에게 연락을 취할 것이다."));
}

TEST_CASE("kornli labels are indexed contradiction then entailment then neutral") {
  const deberta::TaskSpec kornli = deberta::resolve_task("kornli");
  CHECK(kornli.labels == std::vector<std::string>{"contradiction", "entailment", "neutral"});
  const auto dev = read_quirks("kornli", "dev");
  CHECK(at_line(dev, 7).label == 1);  // entailment
}

// --- korsts -----------------------------------------------------------------

TEST_CASE("korsts reads a last line that has no newline") {
  const auto dev = read_quirks("korsts", "dev");
  REQUIRE(dev.examples.size() == 3);
  CHECK(dev.examples.back().line == 4);  // original dev line 1501, the file's last
  CHECK(dev.examples.back().score == 0.0);
  CHECK(dev.examples.back().text_b->size() > 0);
}

TEST_CASE("korsts sentences that start with a quote are read as literal text") {
  const auto train = read_quirks("korsts", "train");
  // Original train line 2096, where pandas raises "Expected 7 fields, saw 8".
  CHECK(at_line(train, 6).text_b == std::string("\"이란은 또한 NPT와 IAEA의 서명인 EC 팩토이드를 사랑해야 합니다."));
  CHECK(at_line(train, 6).score == 4.2);
}

TEST_CASE("korsts parses every spelling of a score as a double") {
  const auto train = read_quirks("korsts", "train");
  CHECK(at_line(train, 2).score == 5.0);                       // "5.000"
  CHECK(at_line(train, 3).score == 4.0);                       // "4"
  CHECK(at_line(train, 4).score == 3.8);                       // "3.8"
  CHECK(at_line(train, 5).score == Approx(2.11111111111111));  // long decimal, line 2051
  const auto dev = read_quirks("korsts", "dev");
  CHECK(at_line(dev, 2).score == Approx(0.2));               // "0.200000"
  CHECK(at_line(dev, 3).score == Approx(2.33333333333333));  // dev line 1277
}

TEST_CASE("korsts does not interpret the genre spelling or the zero-padded id") {
  // Train says main-forum where dev says main-forums; ids look like 0001.
  // Neither is a reader input: the rows read whatever they hold.
  deberta::test::ScratchDir dir;
  const std::string header = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n";
  dir.write("korsts/sts-dev.tsv", header + "main-forums\tdeft-forum\t2014\t0001\t1.5\t가\t나\n");
  const deberta::TaskSpec korsts = deberta::resolve_task("korsts");
  const auto dev = read_split(korsts, "dev", dir.path(), {});
  REQUIRE(dev.examples.size() == 1);
  CHECK(dev.examples[0].score == 1.5);
  const auto train = read_quirks("korsts", "train");
  CHECK(at_line(train, 6).text_a == "이란은 또한 NPT와 IAEA의 서명을 받았습니다.");  // a main-forum row
}

// --- question_pair ----------------------------------------------------------

TEST_CASE("question_pair keeps the CSV quoting residue as raw text") {
  const auto train = read_quirks("question_pair", "train");
  CHECK(at_line(train, 5).text_a == "\"내가 더 사랑한다고 느껴져서 외로워요\"\"\"");        // line 715
  CHECK(*at_line(train, 6).text_b == "\"가족끼리 \"\"사랑해요\"\"라는말 하는거 어색해\"");  // line 736
  CHECK(*at_line(train, 8).text_b == "\"가족들과 사랑하면서 지내고 싶어요\"");              // line 3148
  CHECK(*at_line(train, 9).text_b == "\"라디오와 같이 사랑을 끄고 켤수 있다면\"\"\"");      // line 3387
}

TEST_CASE("question_pair keeps leading and trailing spaces inside fields") {
  const auto train = read_quirks("question_pair", "train");
  CHECK(*at_line(train, 2).text_b == "오늘 전세 계약했어. ");               // line 28
  CHECK(*at_line(train, 10).text_b == " 사람 때문에 자꾸 센치해 진다다.");  // line 4640
}

TEST_CASE("question_pair keeps the no-break space") {
  const auto train = read_quirks("question_pair", "train");
  CHECK(*at_line(train, 4).text_b == "예쁜\xC2\xA0 카페 찾아가 볼까?");  // line 411
}

TEST_CASE("question_pair keeps identical questions labelled as different") {
  // Likely label noise (line 904), but the data is read as published.
  const auto train = read_quirks("question_pair", "train");
  const Example& example = at_line(train, 7);
  CHECK(example.text_a == *example.text_b);
  CHECK(example.label == 1);
}

TEST_CASE("question_pair keeps pairs repeated within a split") {
  const auto train = read_quirks("question_pair", "train");
  CHECK(train.examples.size() == 10);
  // Original lines 219 and 5029.
  CHECK(at_line(train, 3).text_a == at_line(train, 11).text_a);
  CHECK(*at_line(train, 3).text_b == *at_line(train, 11).text_b);
}

TEST_CASE("question_pair label 0 means the same question") {
  const deberta::TaskSpec qp = deberta::resolve_task("question_pair");
  CHECK(qp.labels == std::vector<std::string>{"0", "1"});
  CHECK(qp.label_display(0) == "0 (SAME question)");
  const auto train = read_quirks("question_pair", "train");
  CHECK(at_line(train, 3).label == 0);  // a paraphrase, file label "0"
}

TEST_CASE("question_pair drops rows with an empty question as the reference does") {
  deberta::test::ScratchDir dir;
  dir.write("question-pair/train.txt", "question1\tquestion2\tis_duplicate\n가?\t가?\t0\n\t나?\t1\n다?\t\t1\n");
  const deberta::TaskSpec qp = deberta::resolve_task("question_pair");
  const auto train = read_split(qp, "train", dir.path(), {});
  CHECK(train.examples.size() == 1);
  CHECK(train.dropped.at("empty_question") == 2);
}

TEST_CASE("the reference-only question pair CSV is rejected as TSV with its BOM and CRLF named") {
  // kor_pair_train.csv: UTF-8 BOM, CRLF, no final newline, commas. It is not
  // benchmark input; reading it by mistake must fail loudly.
  deberta::TaskSpec qp = deberta::resolve_task("question_pair");
  qp.splits[0].default_file = "kor_pair_train.csv";
  const std::string error = error_of([&] { read_split(qp, "train", quirks_dir(), {}); });
  INFO(error);
  CHECK(error.find("kor_pair_train.csv:1: the header line ends in a carriage return") != std::string::npos);
  CHECK(error.find("byte-order mark") != std::string::npos);
}
