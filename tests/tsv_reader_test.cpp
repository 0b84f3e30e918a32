#include <catch2/catch.hpp>
#include <string>

#include "data/example.h"
#include "data/tsv.h"
#include "data_support.h"

using deberta::DataError;
using deberta::parse_tsv;
using deberta::TsvFormat;

namespace {

TsvFormat three_columns() {
  TsvFormat format;
  format.header = {"id", "document", "label"};
  return format;
}

// The message of the DataError that `parse` throws, or "" when it throws none.
template <typename F>
std::string error_of(F parse) {
  try {
    parse();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the TSV reader splits lines on newline only and keeps other control characters") {
  // U+001C and U+0008 (PAWS dev lines 825 and 1763), a vertical tab and U+2028
  // are line breaks to some readers; here they are field text.
  const std::string text =
      "a\x1c"
      "b\x08"
      "c\x0b"
      "d\xe2\x80\xa8"
      "e";
  const auto table = parse_tsv("id\tdocument\tlabel\n1\t" + text + "\t0\n", "f.tsv", three_columns());
  REQUIRE(table.rows.size() == 1);
  CHECK(table.rows[0].fields[1] == text);
  CHECK(table.rows[0].line == 2);
}

TEST_CASE("the TSV reader accepts a final line without a newline") {
  const auto table = parse_tsv("id\tdocument\tlabel\n1\ta\t0\n2\tb\t1", "f.tsv", three_columns());
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[1].fields[2] == "1");
  CHECK(table.rows[1].line == 3);
}

TEST_CASE("the TSV reader keeps quotes as literal text") {
  const auto table = parse_tsv("id\tdocument\tlabel\n1\t\"open\t0\n2\t\"\"\"x\"\"\"\t1\n", "f.tsv", three_columns());
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[0].fields[1] == "\"open");
  CHECK(table.rows[1].fields[1] == "\"\"\"x\"\"\"");
}

TEST_CASE("the TSV reader keeps empty fields and surrounding spaces") {
  // Stripping a whole line would drop the empty first field and shift the columns.
  const auto table = parse_tsv("id\tdocument\tlabel\n\t a \t0\n", "f.tsv", three_columns());
  REQUIRE(table.rows.size() == 1);
  CHECK(table.rows[0].fields[0].empty());
  CHECK(table.rows[0].fields[1] == " a ");
}

TEST_CASE("a line with too few fields is an error naming the file and line and the missing field") {
  const std::string error =
      error_of([] { parse_tsv("id\tdocument\tlabel\n1\ta\t0\n2\tb\n", "data/x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("data/x.tsv:3:") == 0);
  CHECK(error.find("found 2") != std::string::npos);
  CHECK(error.find("'label' (column 3) is missing") != std::string::npos);
}

TEST_CASE("a line with too many fields is an error naming the file and line and the extra field") {
  const std::string error = error_of([] { parse_tsv("id\tdocument\tlabel\n1\ta\tb\t0\n", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:2:") == 0);
  CHECK(error.find("found 4") != std::string::npos);
  CHECK(error.find("found 4: column 4 is extra") != std::string::npos);
}

TEST_CASE("an empty line is a field count error and is not skipped") {
  const std::string error =
      error_of([] { parse_tsv("id\tdocument\tlabel\n1\ta\t0\n\n2\tb\t1\n", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:3:") == 0);
  CHECK(error.find("found 1") != std::string::npos);
}

TEST_CASE("a header that differs from the expected one is an error naming the field") {
  const std::string error = error_of([] { parse_tsv("id\ttext\tlabel\n1\ta\t0\n", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:1:") == 0);
  CHECK(error.find("header field 2 is 'text', expected 'document'") != std::string::npos);
}

TEST_CASE("an empty file is an error that asks for the header") {
  const std::string error = error_of([] { parse_tsv("", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:1: the file is empty") == 0);
}

TEST_CASE("a file with CRLF line endings is rejected at its header with a hint") {
  // No benchmark TSV has a CR; one that does would put it into the label.
  TsvFormat any_header;
  const std::string error = error_of([&] { parse_tsv("id\tdocument\tlabel\r\n1\ta\t0\r\n", "x.tsv", any_header); });
  INFO(error);
  CHECK(error.find("x.tsv:1: the header line ends in a carriage return") == 0);
  CHECK(error.find("CRLF") != std::string::npos);
}

TEST_CASE("a data line that ends in a carriage return is an error naming its last field") {
  const std::string error = error_of([] { parse_tsv("id\tdocument\tlabel\n1\ta\t0\r\n", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:2: field 'label' (column 3) ends in a carriage return") == 0);
}

TEST_CASE("a UTF-8 byte-order mark before the header is named in the error") {
  const std::string error =
      error_of([] { parse_tsv("\xEF\xBB\xBFid\tdocument\tlabel\n1\ta\t0\n", "x.tsv", three_columns()); });
  INFO(error);
  CHECK(error.find("x.tsv:1:") == 0);
  CHECK(error.find("byte-order mark") != std::string::npos);
}

TEST_CASE("a file without a header uses the declared field count from line 1") {
  TsvFormat format;
  format.has_header = false;
  format.num_fields = 2;
  const auto table = parse_tsv("a\t1\nb\t2\n", "x.tsv", format);
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[0].line == 1);
  CHECK(table.field_name(1) == "column 2");
  const std::string error = error_of([&] { parse_tsv("a\t1\nb\n", "x.tsv", format); });
  CHECK(error.find("x.tsv:2:") == 0);
}

TEST_CASE("a missing file is a MissingFileError naming the file and the hint") {
  deberta::test::ScratchDir dir;
  const std::string path = dir.file("absent.tsv");
  try {
    deberta::read_file_bytes(path, "fetch it with `scripts/fetch-data.sh nsmc`");
    FAIL("expected a MissingFileError for " << path);
  } catch (const deberta::MissingFileError& e) {
    CHECK(e.file() == path);
    CHECK(std::string(e.what()) == path + ": file not found; fetch it with `scripts/fetch-data.sh nsmc`");
  }
}
