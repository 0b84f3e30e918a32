#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>

namespace deberta {

nlohmann::json state_to_json(const TrainerState& s) {
  return {{"step", s.step},
          {"epoch", s.epoch},
          {"next_batch", s.next_batch},
          {"examples_seen", s.examples_seen},
          {"train_seconds", s.train_seconds},
          {"best_value", s.best_value ? nlohmann::json(*s.best_value) : nlohmann::json(nullptr)},
          {"best_record", s.best_record},
          {"evaluations_without_gain", s.evaluations_without_gain},
          {"stop", s.stop},
          {"warnings", s.warnings},
          {"metrics_bytes", s.metrics_bytes},
          {"world_size", s.world_size}};
}

TrainerState state_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    TrainerState s;
    s.step = j.at("step").get<int64_t>();
    s.epoch = j.at("epoch").get<int64_t>();
    s.next_batch = j.at("next_batch").get<size_t>();
    s.examples_seen = j.at("examples_seen").get<int64_t>();
    s.train_seconds = j.at("train_seconds").get<double>();
    if (!j.at("best_value").is_null()) s.best_value = j.at("best_value").get<double>();
    s.best_record = j.at("best_record");
    s.evaluations_without_gain = j.at("evaluations_without_gain").get<int64_t>();
    s.stop = j.at("stop").get<bool>();
    s.warnings = j.at("warnings").get<std::vector<std::string>>();
    s.metrics_bytes = j.at("metrics_bytes").get<uintmax_t>();
    s.world_size = j.value("world_size", 1);  // states saved before data parallelism had one process
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a trainer state ({})", source, e.what()));
  }
}

void require_same_world_size(const TrainerState& state, int world, const std::string& run_dir) {
  if (state.world_size != world)
    throw std::runtime_error(
        fmt::format("{}: the run was saved by {} process(es); resume it with {} (the global "
                    "batch, and so the data order, depends on the number of processes)",
                    run_dir, state.world_size, state.world_size));
}

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
