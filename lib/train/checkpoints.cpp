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

namespace {

// The optimizer's moments and the generator that drives dropout, as one torch archive.
std::string optimizer_state_bytes(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.write("rng_state", at::detail::getDefaultCPUGenerator().get_state());
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void restore_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    optimizer.load(archive);
    torch::Tensor rng;
    archive.read("rng_state", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the shared generator
    generator.set_state(rng);
  } catch (const c10::Error& e) {
    const std::string message = e.what();
    throw std::runtime_error(path + ": cannot restore the optimizer state (" + message.substr(0, message.find('\n')) +
                             ")");
  }
}

}  // namespace

RunCheckpoints::RunCheckpoints(const std::string& run_dir, Model& model, Optimization& optimization,
                               std::string tokenizer_dir, std::string metrics_path)
    : model_(model),
      optimization_(optimization),
      tokenizer_dir_(std::move(tokenizer_dir)),
      metrics_path_(std::move(metrics_path)),
      last_dir_(run_layout::path(run_dir, run_layout::kLastCheckpoint)),
      best_dir_(run_layout::path(run_dir, run_layout::kBestCheckpoint)) {}

void RunCheckpoints::save_resume_state(TrainerState& state) {
  state.metrics_bytes = fs::file_size(metrics_path_);
  write_checkpoint(last_dir_, model_.config, model_tensors(model_.module()), tokenizer_dir_,
                   {{run_layout::kTrainerState, state_to_json(state).dump(2) + "\n"},
                    {run_layout::kOptimizerState, optimizer_state_bytes(optimization_.optimizer)}});
}

TrainerState RunCheckpoints::restore_resume_state() {
  const std::string state_path = (fs::path(last_dir_) / run_layout::kTrainerState).string();
  TrainerState state = state_from_json(read_json_file(state_path), state_path);
  restore_weights(model_, last_dir_);
  restore_optimizer_state(optimization_.optimizer, (fs::path(last_dir_) / run_layout::kOptimizerState).string());
  // Lines logged after the state was saved are logged again as the run repeats those steps.
  fs::resize_file(metrics_path_, state.metrics_bytes);
  return state;
}

void RunCheckpoints::remove_resume_state() {
  std::error_code ignored;
  fs::remove_all(last_dir_, ignored);
}

void RunCheckpoints::save_best() {
  write_checkpoint(best_dir_, model_.config, model_tensors(model_.module()), tokenizer_dir_);
}

void RunCheckpoints::restore_best() { restore_weights(model_, best_dir_); }

}  // namespace deberta
