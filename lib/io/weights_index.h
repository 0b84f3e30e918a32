// The index of a sharded checkpoint, model.safetensors.index.json or
// pytorch_model.bin.index.json: which shard file holds each tensor.
// Torch-free, so that it can be fuzzed on its own (tests/fuzz/).
#pragma once

#include <map>
#include <string>

namespace deberta {

// The "weight_map" of an index's text: tensor name -> shard file name, a
// plain file name beside the index. Throws std::runtime_error with one line,
// "<source>: <problem>", for text that is not such an index.
std::map<std::string, std::string> parse_weights_index(const std::string& text, const std::string& source);

}  // namespace deberta
