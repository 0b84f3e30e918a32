#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>

namespace deberta {

NonFiniteStep::NonFiniteStep(int64_t step, const StepResult& result)
    : std::runtime_error(fmt::format("step {}: the loss became {} (gradient norm {}, lr {:.3g}); stopped", step,
                                     result.loss, result.grad_norm_before_clip, result.lr)),
      step(step),
      result(result) {}

FitOutcome fit(torch::nn::Module& module, const Objective& objective, Optimization& optimization, BatchSource& source,
               const LoopSettings& settings, const TrainerHooks& hooks, TrainerState& state) {
  while (!state.stop && state.step < settings.total_steps) {
    const auto start = std::chrono::steady_clock::now();
    if (hooks.before_step) hooks.before_step(state);
    const StepInput input = source.next(state);
    state.examples_seen += input.examples;
    const StepResult result = train_step(module, objective, optimization, state.step, input.micro_batches,
                                         hooks.after_backward, hooks.profile);
    const int64_t epoch = state.epoch;
    ++state.step;
    state.next_batch += input.micro_batches.size();
    if (input.ends_epoch) {
      ++state.epoch;
      state.next_batch = 0;
    }
    state.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (hooks.on_step) hooks.on_step(state, input, result, epoch);
    if (!result.finite) throw NonFiniteStep(state.step, result);

    const bool last = state.step == settings.total_steps;
    const bool evaluates =
        input.ends_epoch || last || (settings.eval_every_steps > 0 && state.step % settings.eval_every_steps == 0);
    if (evaluates && hooks.evaluate) hooks.evaluate(state, epoch);
    const bool finished = state.stop || last;
    const bool interrupted = settings.stop_after_steps > 0 && state.step == settings.stop_after_steps;
    if (!finished && (evaluates || interrupted) && hooks.checkpoints) hooks.checkpoints->save_resume_state(state);
    if (interrupted && !finished) return FitOutcome::kInterrupted;
  }
  return FitOutcome::kFinished;
}

}  // namespace deberta
