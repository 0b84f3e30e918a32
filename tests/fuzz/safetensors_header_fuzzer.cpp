// libFuzzer target for parse_safetensors_header: any input must either throw
// a one-line error or give a header whose ranges a reader may trust.
#include <cstdint>

#include "fuzz_support.h"
#include "io/safetensors_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::SafetensorsHeader header;
  if (!parses([&] { header = deberta::parse_safetensors_header(bytes_of(data, size), "fuzz-input"); }, "fuzz-input"))
    return 0;
  require(header.data_start >= 8 && header.data_start <= size, "the data section starts inside the file");
  const uint64_t data_size = size - header.data_start;
  uint64_t covered = 0;
  for (const auto& entry : header.tensors) {
    const size_t item_size = deberta::safetensors_dtype_size(entry.dtype);
    uint64_t numel = 1;
    for (const int64_t dim : entry.shape) {
      require(dim >= 0, "dimensions are not negative");
      numel *= static_cast<uint64_t>(dim);
    }
    require(item_size != 0, "a known dtype");
    require(entry.begin <= entry.end && entry.end <= data_size, "the range lies in the data section");
    require(entry.end - entry.begin == numel * item_size, "the range holds the shape");
    covered += entry.end - entry.begin;
  }
  require(covered == data_size, "the tensors tile the data section");
  return 0;
}
