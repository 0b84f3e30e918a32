// Feeding a file to a digest (data/sha256.h, data/sha1.h) without holding it
// in memory.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace deberta {

// Passes the file's bytes to hash.update(), 64 KiB at a time. Throws
// std::runtime_error "PATH: cannot open the file to compute its WHAT" (or a
// read error) naming the file.
template <typename Hash>
void hash_file(Hash& hash, const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file to compute its " + what);
  std::string chunk(1 << 16, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hash.update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw std::runtime_error(path + ": read error while computing its " + what);
}

}  // namespace deberta
