// libFuzzer target for parse_weights_index, the *.index.json of a sharded
// checkpoint: an accepted index maps tensors to plain file names.
#include <cstdint>
#include <map>
#include <string>

#include "fuzz_support.h"
#include "io/weights_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  std::map<std::string, std::string> shard_of;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { shard_of = deberta::parse_weights_index(text, "model.safetensors.index.json"); },
              "model.safetensors.index.json"))
    return 0;
  require(!shard_of.empty(), "a non-empty weight_map");
  for (const auto& [name, shard] : shard_of)
    require(!shard.empty() && shard.find('/') == std::string::npos && shard != "..", "shards are plain file names");
  return 0;
}
