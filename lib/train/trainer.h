// The training loop, the one definition that finetune, bench and replay
// drive. It knows nothing of tasks, files, devices or processes; what varies
// comes in through four seams, as in HF Trainer:
// - a BatchSource gives each step its micro-batches (a process's part of
//   them, in a data-parallel run);
// - TrainerHooks::after_backward sees the gradients before clipping;
// - TrainerHooks::evaluate runs at the end of every epoch, every
//   eval_every_steps steps and after the last step;
// - a CheckpointWriter saves the resume state after each evaluation and when
//   stop_after_steps ends the job early.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/step.h"
#include "train/trainer_state.h"

namespace deberta {

// The micro-batches of one optimisation step.
struct StepInput {
  std::vector<Batch> micro_batches;  // this process's part of the step
  int64_t examples = 0;              // the step's rows over all processes and micro-batches
  bool ends_epoch = false;           // the step takes the epoch's last full group of micro-batches
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // The step at (state.epoch, state.next_batch); the loop advances the state.
  virtual StepInput next(const TrainerState& state) = 0;
};

class CheckpointWriter {
 public:
  virtual ~CheckpointWriter() = default;
  // Saves what a continuation needs (weights, optimizer, generators, `state`).
  virtual void save_resume_state(TrainerState& state) = 0;
};

struct TrainerHooks {
  // Before each step (a data-parallel run seeds dropout here).
  std::function<void(const TrainerState& state)> before_step;
  AfterBackward after_backward;
  // After every step, a non-finite one included, with the epoch the step
  // belonged to (the state has moved on when it ended an epoch).
  std::function<void(const TrainerState& state, const StepInput& input, const StepResult& result, int64_t epoch)>
      on_step;
  // May set state.stop.
  std::function<void(TrainerState& state, int64_t epoch)> evaluate;
  CheckpointWriter* checkpoints = nullptr;
  StepProfile* profile = nullptr;  // bench --breakdown: each step's phases timed
};

struct LoopSettings {
  int64_t total_steps = 0;
  int64_t eval_every_steps = 0;  // 0: at the end of each epoch and after the last step only
  int64_t stop_after_steps = 0;  // > 0: save the resume state after this step and return
};

// A step whose loss or gradient norm is not finite: its update was not
// applied, and training stops.
class NonFiniteStep : public std::runtime_error {
 public:
  NonFiniteStep(int64_t step, const StepResult& result);
  int64_t step;  // 1-based: the steps done when it happened
  StepResult result;
};

enum class FitOutcome {
  kFinished,     // total_steps done, or the evaluation callback stopped it
  kInterrupted,  // stop_after_steps: the resume state is saved
};

// Trains `module` from `state` on. Throws NonFiniteStep (after on_step) when
// a step's loss is not finite.
FitOutcome fit(torch::nn::Module& module, const Objective& objective, Optimization& optimization, BatchSource& source,
               const LoopSettings& settings, const TrainerHooks& hooks, TrainerState& state);

}  // namespace deberta
