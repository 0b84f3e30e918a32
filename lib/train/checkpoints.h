// The one checkpoint writer of a run directory: checkpoint-best/ (the model
// selected so far, an HF directory) and checkpoint-last/ (the same, plus what
// a continuation needs: optimizer.pt with AdamW's moments and the random
// generator, and trainer_state.json). Each is written in one directory swap.
#pragma once

#include <string>

#include "eval/run_events.h"
#include "model/factory.h"
#include "train/step.h"
#include "train/trainer.h"

namespace deberta {

// optimizer.pt: the optimizer's moments, every generator the run draws from
// (the CPU's, and the CUDA device's on a GPU: dropout runs where the model
// is) and the fp16 loss scale, as one torch archive.
std::string training_state_bytes(Optimization& optimization, const c10::Device& device);
// Restores what training_state_bytes saved; throws std::runtime_error naming `path`.
void restore_training_state(Optimization& optimization, const c10::Device& device, const std::string& path);

class RunCheckpoints : public CheckpointWriter {
 public:
  // `tokenizer_dir`'s tokenizer files are copied into every checkpoint;
  // `metrics_path` is the run's metrics.jsonl, whose size the resume state
  // records so that a continuation can cut off what was logged after it.
  // `events`, when given, is the run's TensorBoard log, whose size the state
  // records for the same reason. Only the `writer` (rank 0 of a data-parallel
  // job) writes; every process reads, so a multi-machine job needs the run
  // directory on a shared filesystem to resume.
  RunCheckpoints(const std::string& run_dir, Model& model, Optimization& optimization, std::string tokenizer_dir,
                 std::string metrics_path, bool writer = true, const RunEvents* events = nullptr);

  void save_resume_state(TrainerState& state) override;
  // Loads checkpoint-last/ into the model and the optimizer, restores the
  // generator, truncates metrics.jsonl to the saved size and returns the state.
  TrainerState restore_resume_state();
  void remove_resume_state();

  void save_best();
  void restore_best();

  std::string last_dir() const { return last_dir_; }
  std::string best_dir() const { return best_dir_; }

 private:
  Model& model_;
  Optimization& optimization_;
  std::string tokenizer_dir_, metrics_path_, last_dir_, best_dir_;
  bool writer_;
  const RunEvents* events_;
};

}  // namespace deberta
