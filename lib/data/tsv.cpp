#include "data/tsv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/example.h"

namespace deberta {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.emplace_back(line.substr(start));
      return fields;
    }
    fields.emplace_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::string column_label(const std::vector<std::string>& header, size_t column) {
  if (column < header.size()) return fmt::format("'{}' (column {})", header[column], column + 1);
  return fmt::format("column {}", column + 1);
}

std::string join_names(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, ", ")); }

void check_header(const TsvTable& table, const std::vector<std::string>& found, const TsvFormat& format) {
  const std::string& file = table.file;
  const bool bom = !found.empty() && std::string_view(found[0]).substr(0, kUtf8Bom.size()) == kUtf8Bom;
  const bool crlf = !found.empty() && !found.back().empty() && found.back().back() == '\r';
  const std::string note = bom ? " (the file starts with a UTF-8 byte-order mark; save it without one)" : "";
  if (crlf)
    throw DataError(
        fmt::format("{}:1: the header line ends in a carriage return: the file has CRLF line endings; "
                    "convert it to LF (lines are split on '\\n' only){}",
                    file, bom ? " (it also starts with a UTF-8 byte-order mark)" : ""));
  if (format.header.empty()) {
    if (bom)
      throw DataError(
          fmt::format("{}:1: header field 1 starts with a UTF-8 byte-order mark; save the file without one", file));
    return;
  }
  if (found.size() != format.header.size())
    throw DataError(fmt::format("{}:1: the header has {} fields, expected {} ({}){}", file, found.size(),
                                format.header.size(), join_names(format.header), note));
  for (size_t i = 0; i < found.size(); ++i)
    if (found[i] != format.header[i])
      throw DataError(fmt::format("{}:1: header field {} is '{}', expected '{}' (expected header: {}){}", file, i + 1,
                                  found[i], format.header[i], join_names(format.header), note));
}

void check_field_count(const TsvTable& table, int64_t line_number, const std::vector<std::string>& fields,
                       size_t expected) {
  if (fields.size() == expected) return;
  const std::string& file = table.file;
  if (fields.size() < expected)
    throw DataError(fmt::format("{}:{}: expected {} tab-separated fields, found {}: field {} is missing", file,
                                line_number, expected, fields.size(), table.field_name(fields.size())));
  throw DataError(fmt::format("{}:{}: expected {} tab-separated fields, found {}: {} is extra", file, line_number,
                              expected, fields.size(), table.field_name(expected)));
}

}  // namespace

std::string TsvTable::field_name(size_t column) const { return column_label(header, column); }

TsvTable parse_tsv(std::string_view contents, const std::string& file, const TsvFormat& format) {
  TsvTable table;
  table.file = file;
  size_t expected = format.num_fields;
  if (format.has_header && contents.empty())
    throw DataError(fmt::format("{}:1: the file is empty; expected a header line{}", file,
                                format.header.empty() ? "" : " (" + join_names(format.header) + ")"));
  if (!format.has_header && expected == 0)
    throw DataError(file + ": a file without a header needs its field count declared");

  int64_t line_number = 0;
  size_t start = 0;
  while (start < contents.size()) {
    size_t end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    const std::string_view line = contents.substr(start, end - start);
    start = end + 1;
    ++line_number;

    std::vector<std::string> fields = split_tabs(line);
    if (format.has_header && line_number == 1) {
      check_header(table, fields, format);
      table.header = std::move(fields);
      expected = table.header.size();
      continue;
    }
    check_field_count(table, line_number, fields, expected);
    if (!line.empty() && line.back() == '\r')
      throw DataError(
          fmt::format("{}:{}: field {} ends in a carriage return: the file has CRLF line endings; "
                      "convert it to LF (lines are split on '\\n' only)",
                      file, line_number, table.field_name(fields.size() - 1)));
    table.rows.push_back(TsvRow{line_number, std::move(fields)});
  }
  return table;
}

std::string read_file_bytes(const std::string& path, const std::string& missing_hint) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw MissingFileError(path, path + ": file not found" + (missing_hint.empty() ? "" : "; " + missing_hint));
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory, expected a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open the file for reading");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  return std::move(bytes).str();
}

}  // namespace deberta
