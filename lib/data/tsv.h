// Tab-separated files read the way quirks.md asks: lines end at '\n' only,
// fields end at '\t' only, quotes mean nothing, and every line is checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

struct TsvFormat {
  bool has_header = true;
  // When set, the header line must be exactly these names. When empty, any
  // header is accepted and its field count becomes the expected count.
  std::vector<std::string> header;
  size_t num_fields = 0;  // the field count of a file without a header
};

struct TsvRow {
  int64_t line = 0;  // 1-based physical line; the header is line 1
  std::vector<std::string> fields;
};

struct TsvTable {
  std::string file;                 // as named in error messages
  std::vector<std::string> header;  // empty for a file without a header
  std::vector<TsvRow> rows;

  // "'label' (column 3)", or "column 3" without a header; `column` is 0-based.
  std::string field_name(size_t column) const;
};

// Parses `contents`. Errors are DataError messages that start "FILE:LINE:"
// and name the field. A final line without '\n' is a row; an empty line is
// not skipped but fails the field-count check.
TsvTable parse_tsv(std::string_view contents, const std::string& file, const TsvFormat& format);

// Reads the whole file into `contents` (the caller may hash the same bytes).
// A file that is not there is a MissingFileError; `missing_hint` is appended
// to its message.
std::string read_file_bytes(const std::string& path, const std::string& missing_hint = "");

}  // namespace deberta
