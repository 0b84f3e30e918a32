#include "model/checkpoint.h"

#include <torch/torch.h>

#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace deberta {

Checkpoint read_checkpoint(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error))
    throw std::runtime_error(dir + (fs::exists(dir, error) ? ": not a directory; a checkpoint is a directory with "
                                                             "config.json and weights"
                                                           : ": no such checkpoint directory"));
  const fs::path config_path = fs::path(dir) / "config.json";
  if (!fs::exists(config_path, error))
    throw std::runtime_error(config_path.string() + ": missing; a checkpoint directory needs the model's config.json");
  Checkpoint checkpoint;
  checkpoint.dir = dir;
  checkpoint.config = load_config(config_path.string());
  CheckpointWeights weights = read_checkpoint_weights(dir);
  checkpoint.tensors = std::move(weights.tensors);
  checkpoint.weights_file = std::move(weights.weights_file);
  return checkpoint;
}

void write_checkpoint(const std::string& dir, const DebertaConfig& config, const TensorMap& tensors,
                      const std::string& tokenizer_source_dir, const std::map<std::string, std::string>& extra_files) {
  write_checkpoint_files(dir, config_to_json(config).dump(2) + "\n", tensors, tokenizer_source_dir, extra_files);
}

}  // namespace deberta
