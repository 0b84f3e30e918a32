// A Hugging Face checkpoint directory as the model sees it: config.json
// parsed into a DebertaConfig, and the tensors by the files' names.
#pragma once

#include <map>
#include <string>

#include "io/checkpoint.h"
#include "io/tensor_map.h"
#include "model/config.h"

namespace deberta {

struct Checkpoint {
  std::string dir;
  DebertaConfig config;
  TensorMap tensors;         // as the files name them; F16 and BF16 converted to float32
  std::string weights_file;  // relative to dir (see read_checkpoint_weights)
};

// Reads dir/config.json and the weights (see read_checkpoint_weights).
// Throws std::runtime_error with one line naming the path and the problem.
Checkpoint read_checkpoint(const std::string& dir);

// Writes config.json for `config` (2-space indent) and the tensors, with the
// tokenizer files and `extra_files`, in one directory swap (see
// write_checkpoint_files).
void write_checkpoint(const std::string& dir, const DebertaConfig& config, const TensorMap& tensors,
                      const std::string& tokenizer_source_dir,
                      const std::map<std::string, std::string>& extra_files = {});

}  // namespace deberta
