// SHA-1 (FIPS 180-4), for one purpose: the Hugging Face Hub names a file that
// is not in LFS by its git blob id, sha1("blob SIZE\0" + bytes), so a
// downloaded config.json or tokenizer.json is checked against that.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deberta {

class Sha1 {
 public:
  Sha1();
  void update(std::string_view bytes);
  // The digest as 40 lowercase hex digits. The object is spent afterwards.
  std::string hex_digest();

 private:
  void compress(const unsigned char* block);

  std::array<uint32_t, 5> state_;
  std::array<unsigned char, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// The git blob id of a file's bytes (what `git hash-object FILE` prints);
// throws std::runtime_error naming the file when it cannot be read.
std::string git_blob_sha1_file(const std::string& path);

}  // namespace deberta
