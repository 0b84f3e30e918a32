#include "train/checkpoints.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "eval/run_layout.h"
#include "model/checkpoint.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace deberta {

std::string training_state_bytes(Optimization& optimization, const c10::Device& device) {
  torch::serialize::OutputArchive archive;
  optimization.optimizer.save(archive);
  archive.write("rng_state", at::detail::getDefaultCPUGenerator().get_state());
  if (device.is_cuda()) archive.write("cuda_rng_state", at::globalContext().defaultGenerator(device).get_state());
  const auto scale = optimization.scaler.state();
  if (!scale.empty()) {
    archive.write("loss_scale", scale[0]);
    archive.write("loss_scale_growth_tracker", scale[1]);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void restore_training_state(Optimization& optimization, const c10::Device& device, const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    optimization.optimizer.load(archive);
    torch::Tensor rng;
    archive.read("rng_state", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the shared generator
    generator.set_state(rng);
    if (device.is_cuda()) {
      torch::Tensor cuda_rng;
      if (!archive.try_read("cuda_rng_state", cuda_rng))
        throw std::runtime_error(path + ": no CUDA generator state: the run was saved on the CPU; resume it there");
      at::Generator cuda_generator = at::globalContext().defaultGenerator(device);  // a handle, as above
      cuda_generator.set_state(cuda_rng);
    }
    if (optimization.scaler.enabled()) {
      torch::Tensor scale, tracker;
      archive.read("loss_scale", scale);
      archive.read("loss_scale_growth_tracker", tracker);
      optimization.scaler.load_state({scale, tracker});
    }
  } catch (const c10::Error& e) {
    const std::string message = e.what();
    throw std::runtime_error(path + ": cannot restore the optimizer state (" + message.substr(0, message.find('\n')) +
                             ")");
  }
}

RunCheckpoints::RunCheckpoints(const std::string& run_dir, Model& model, Optimization& optimization,
                               std::string tokenizer_dir, std::string metrics_path, bool writer,
                               const RunEvents* events)
    : model_(model),
      optimization_(optimization),
      tokenizer_dir_(std::move(tokenizer_dir)),
      metrics_path_(std::move(metrics_path)),
      last_dir_(run_layout::path(run_dir, run_layout::kLastCheckpoint)),
      best_dir_(run_layout::path(run_dir, run_layout::kBestCheckpoint)),
      writer_(writer),
      events_(events) {}

void RunCheckpoints::save_resume_state(TrainerState& state) {
  if (!writer_) return;
  state.metrics_bytes = fs::file_size(metrics_path_);
  state.events_bytes = events_ ? events_->bytes() : 0;
  write_checkpoint(last_dir_, model_.config, model_tensors(model_.module()), tokenizer_dir_,
                   {{run_layout::kTrainerState, state_to_json(state).dump(2) + "\n"},
                    {run_layout::kOptimizerState, training_state_bytes(optimization_, model_.device)}});
}

TrainerState RunCheckpoints::restore_resume_state() {
  const std::string state_path = (fs::path(last_dir_) / run_layout::kTrainerState).string();
  TrainerState state = state_from_json(read_json_file(state_path), state_path);
  restore_weights(model_, last_dir_);
  restore_training_state(optimization_, model_.device, (fs::path(last_dir_) / run_layout::kOptimizerState).string());
  // Lines logged after the state was saved are logged again as the run repeats those steps.
  if (writer_) fs::resize_file(metrics_path_, state.metrics_bytes);
  return state;
}

void RunCheckpoints::remove_resume_state() {
  if (!writer_) return;
  std::error_code ignored;
  fs::remove_all(last_dir_, ignored);
}

void RunCheckpoints::save_best() {
  if (!writer_) return;
  write_checkpoint(best_dir_, model_.config, model_tensors(model_.module()), tokenizer_dir_);
}

void RunCheckpoints::restore_best() { restore_weights(model_, best_dir_); }

}  // namespace deberta
