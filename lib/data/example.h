// One example as the trainer sees it, with the line it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace deberta {

struct Example {
  std::string text_a;
  std::optional<std::string> text_b;  // set for sentence-pair tasks
  int label = -1;                     // index into the task's labels; -1 for regression
  double score = 0.0;                 // the regression target
  int64_t line = 0;                   // 1-based physical line of the source file (the header is line 1)
};

// A problem with the data: the message names the file, the line and the field,
// and is one line long.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A data file that is not there. It is a DataError of its own kind so that
// inspect-data can report every missing file and go on with the others.
class MissingFileError : public DataError {
 public:
  MissingFileError(std::string file, const std::string& message) : DataError(message), file_(std::move(file)) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// Thrown by a task's row rule about one field; the loader adds the file and
// the line.
class FieldError : public std::runtime_error {
 public:
  FieldError(int column, const std::string& message) : std::runtime_error(message), column_(column) {}
  int column() const { return column_; }  // 0-based

 private:
  int column_;
};

}  // namespace deberta
