// Writing files so that a reader never sees half of one.
#pragma once

#include <string>
#include <string_view>

namespace deberta {

// Writes `content` to a temporary file beside `path`, then renames it over
// `path`. Throws std::runtime_error naming the path when anything fails, and
// leaves no temporary file behind.
void write_file_atomically(const std::string& path, std::string_view content);

// The whole file; throws std::runtime_error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace deberta
