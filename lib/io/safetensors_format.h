// The safetensors container layout, without torch: an 8-byte little-endian
// header length, a JSON header, then the data section. Kept torch-free so the
// header parser can be fuzzed on its own (tests/fuzz/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // "F32", "BF16", ... as written in the file
  std::vector<int64_t> shape;
  // Byte range [begin, end) relative to the start of the data section.
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;        // sorted by name
  std::map<std::string, std::string> metadata;  // the "__metadata__" object
  uint64_t data_start = 0;                      // file offset of the data section: 8 + header length
};

// Bytes per element of a safetensors dtype name, 0 for a name this project
// does not accept (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL are accepted).
size_t safetensors_dtype_size(std::string_view dtype);

// The largest header length accepted, as in the safetensors library; a larger
// value is treated as a corrupt file rather than an allocation request.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses and validates the header of a whole safetensors file. Every byte
// range is checked against the file size, its dtype and shape, and the other
// ranges, so that a caller may copy the data without further checks.
// Throws std::runtime_error with one line, "<source>: <problem>", naming the
// tensor where there is one.
SafetensorsHeader parse_safetensors_header(std::string_view file_bytes, const std::string& source);

}  // namespace deberta
