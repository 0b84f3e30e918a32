// A file mapped read-only into memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deberta {

// The whole file, mapped read-only: pages are read when touched and can be
// dropped again by the kernel, so a file larger than memory can be used, and
// a large checkpoint is held once (in its tensors) rather than twice. Throws
// std::runtime_error naming the path when the file cannot be opened or mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace deberta
