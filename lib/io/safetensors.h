// Reading and writing safetensors files (the Hugging Face layout).
#pragma once

#include <map>
#include <string>

#include "io/tensor_map.h"

namespace deberta {

// Every tensor of a safetensors file, on the CPU, in the file's dtype: F16 and
// BF16 stay half precision here (read_checkpoint converts them to float32).
// Throws std::runtime_error "<path>: <problem>" on an unreadable or invalid file.
TensorMap read_safetensors(const std::string& path);

// Writes `tensors` as HF does: u64-LE header length, a compact JSON header
// padded with spaces to a multiple of 8 bytes, then the raw little-endian data
// of each tensor in name order. `metadata` goes into "__metadata__", with
// "format": "pt" unless it sets "format" (transformers refuses a file whose
// metadata has no format). The file is written under a temporary name in the
// same directory and renamed into place, so `path` is never half-written.
void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace deberta
