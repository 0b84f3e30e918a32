// The files of a Hugging Face checkpoint directory: the weights in any of
// the four layouts HF writes, and a whole directory written in one swap.
// config.json is the model's business (model/checkpoint.h); here it is text.
#pragma once

#include <map>
#include <string>

#include "io/tensor_map.h"

namespace deberta {

struct CheckpointWeights {
  TensorMap tensors;  // as the files name them; F16 and BF16 converted to float32
  // The weights file that was read, relative to the directory; for a sharded
  // checkpoint the index followed by its shards, e.g.
  // "model.safetensors.index.json (model-00001-of-00002.safetensors, ...)".
  std::string weights_file;
};

// Reads the first weights found in dir of model.safetensors,
// model.safetensors.index.json, pytorch_model.bin and
// pytorch_model.bin.index.json. A sharded index's "weight_map" must name
// only tensors that its shard holds. Tensor names are kept as in the files.
// Throws std::runtime_error with one line naming the path and the problem.
CheckpointWeights read_checkpoint_weights(const std::string& dir);

// Whether dir holds a weights file that read_checkpoint_weights would read.
bool has_checkpoint_weights(const std::string& dir);

// Writes config.json (`config_json`, as given), model.safetensors and a copy
// of whichever of spm.model, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json and added_tokens.json exist in
// tokenizer_source_dir (none when it is empty). Everything is written into a
// temporary sibling directory that replaces dir at the end, so a failed write
// never leaves a half-written checkpoint. An existing dir is replaced as a
// whole, but only if it is empty or holds a config.json: anything else is
// refused rather than deleted. `extra_files` (name -> bytes) go into the same
// directory in the same swap: the trainer's resume state travels with the
// weights it belongs to.
void write_checkpoint_files(const std::string& dir, const std::string& config_json, const TensorMap& tensors,
                            const std::string& tokenizer_source_dir,
                            const std::map<std::string, std::string>& extra_files = {});

// Repairs what a write_checkpoint_files killed half way left beside dir:
// when dir is missing but its set-aside previous version is there, that
// version is moved back; temporary and set-aside leftovers are removed.
// Called before a resumed run reads its checkpoints.
void recover_interrupted_write(const std::string& dir);

}  // namespace deberta
