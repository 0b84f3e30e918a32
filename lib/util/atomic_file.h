// Writing files so that a reader never sees half of one.
#pragma once

#include <string>
#include <string_view>

namespace deberta {

// Writes `content` to a temporary file beside `path`, then renames it over
// `path`. Throws std::runtime_error naming the path when anything fails, and
// leaves no temporary file behind.
void write_file_atomically(const std::string& path, std::string_view content);

// Appends `line` and a newline (a log such as metrics.jsonl, where each line
// stands alone); throws std::runtime_error naming the path when the write fails.
void append_line(const std::string& path, std::string_view line);

// The whole file; throws std::runtime_error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace deberta
