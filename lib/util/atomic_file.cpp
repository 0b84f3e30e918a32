#include "util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace deberta {

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), temporary_(path_ + ".tmp-" + std::to_string(::getpid())) {
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error(path_ + ": cannot write (" + std::strerror(errno) + ")");
}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  out_.close();
  std::remove(temporary_.c_str());
}

void AtomicFileWriter::commit() {
  out_.close();
  // errno still holds the failed write's reason (ENOSPC, EFBIG, ...).
  if (!out_)
    throw std::runtime_error(path_ + ": cannot write the file (" + (errno ? std::strerror(errno) : "I/O error") + ")");
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error(path_ + ": cannot rename the temporary file into place (" + std::strerror(errno) + ")");
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFileWriter file(path);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void append_line(const std::string& path, std::string_view line) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << '\n';
  out.close();
  if (!out) throw std::runtime_error(path + ": cannot append a line (disk full?)");
}

}  // namespace deberta
