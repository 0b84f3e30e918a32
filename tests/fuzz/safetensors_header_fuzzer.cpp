// libFuzzer target for parse_safetensors_header: any input must either throw
// a one-line std::runtime_error or give a header whose ranges a reader may
// trust. Anything else (a crash, a sanitizer report, another exception type,
// a broken invariant) is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "io/safetensors_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  deberta::SafetensorsHeader header;
  try {
    header = deberta::parse_safetensors_header(bytes, "fuzz-input");
  } catch (const std::runtime_error& e) {
    if (std::strchr(e.what(), '\n') != nullptr) std::abort();
    return 0;
  }
  if (header.data_start < 8 || header.data_start > size) std::abort();
  const uint64_t data_size = size - header.data_start;
  for (const auto& entry : header.tensors) {
    const size_t item_size = deberta::safetensors_dtype_size(entry.dtype);
    uint64_t numel = 1;
    for (const int64_t dim : entry.shape) {
      if (dim < 0) std::abort();
      numel *= static_cast<uint64_t>(dim);
    }
    if (item_size == 0 || entry.begin > entry.end || entry.end > data_size) std::abort();
    if (entry.end - entry.begin != numel * item_size) std::abort();
  }
  return 0;
}
