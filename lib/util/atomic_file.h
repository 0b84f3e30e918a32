// Writing files so that a reader never sees half of one.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

namespace deberta {

// A file written through a stream to a temporary name beside `path`
// (path.tmp-PID) and renamed over `path` by commit(): a reader sees the old
// file or the whole new one. Without commit() (an exception on the way) the
// destructor removes the temporary file. Errors throw std::runtime_error
// naming `path`.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  std::ofstream& stream() { return out_; }
  void commit();

 private:
  std::string path_, temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

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
