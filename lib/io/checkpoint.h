// A Hugging Face checkpoint directory: config.json plus the weights in any of
// the four layouts HF writes, and the tokenizer files beside them.
#pragma once

#include <map>
#include <string>

#include "io/tensor_map.h"
#include "model/config.h"

namespace deberta {

struct Checkpoint {
  std::string dir;
  DebertaConfig config;
  TensorMap tensors;  // as the files name them; F16 and BF16 converted to float32
  // The weights file that was read, relative to dir; for a sharded checkpoint
  // the index followed by its shards, e.g.
  // "model.safetensors.index.json (model-00001-of-00002.safetensors, ...)".
  std::string weights_file;
};

// Reads dir/config.json and the first weights found of model.safetensors,
// model.safetensors.index.json, pytorch_model.bin and
// pytorch_model.bin.index.json. A sharded index's "weight_map" must name
// only tensors that its shard holds. Tensor names are kept as in the files.
// Throws std::runtime_error with one line naming the path and the problem.
Checkpoint read_checkpoint(const std::string& dir);

// Whether dir holds a weights file that read_checkpoint would read.
bool has_checkpoint_weights(const std::string& dir);

// Writes config.json (2-space indent), model.safetensors and a copy of
// whichever of spm.model, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json and added_tokens.json exist in
// tokenizer_source_dir (none when it is empty). Everything is written into a
// temporary sibling directory that replaces dir at the end, so a failed write
// never leaves a half-written checkpoint. An existing dir is replaced as a
// whole, but only if it is empty or holds a config.json: anything else is
// refused rather than deleted. `extra_files` (name -> bytes) go into the same
// directory in the same swap: the trainer's resume state travels with the
// weights it belongs to.
void write_checkpoint(const std::string& dir, const DebertaConfig& config, const TensorMap& tensors,
                      const std::string& tokenizer_source_dir,
                      const std::map<std::string, std::string>& extra_files = {});

}  // namespace deberta
