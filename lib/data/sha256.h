// SHA-256 (FIPS 180-4), so that data files can be checked against their
// published digests without a crypto library dependency.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deberta {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // The digest as 64 lowercase hex digits. The object is spent afterwards.
  std::string hex_digest();

 private:
  void compress(const unsigned char* block);

  std::array<uint32_t, 8> state_;
  std::array<unsigned char, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// The digest of `bytes`, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

// The digest of a file's bytes; throws std::runtime_error naming the file
// when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace deberta
