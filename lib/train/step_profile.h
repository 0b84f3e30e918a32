// Where a training step's time goes (bench --mode train --breakdown): the
// wall time of each phase, read after the device has finished it, and how
// many ATen operators each phase dispatched.
#pragma once

#include <c10/core/Device.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace deberta {

enum class StepPhase { kForward, kBackward, kReduce, kClip, kOptimizer, kZero, kCount };

// "forward", "backward", "reduce" (data-parallel sums), "clip" (and fp16
// unscaling), "optimizer", "zero" (clearing gradients).
const char* step_phase_name(StepPhase phase);

struct StepTimes {
  std::array<double, static_cast<size_t>(StepPhase::kCount)> seconds{};
  std::array<int64_t, static_cast<size_t>(StepPhase::kCount)> ops{};
};

class StepProfile {
 public:
  // Counts operators from construction to destruction (a global RecordFunction callback).
  explicit StepProfile(c10::Device device);
  ~StepProfile();
  StepProfile(const StepProfile&) = delete;
  StepProfile& operator=(const StepProfile&) = delete;

  void begin_step();
  // Ends `phase`: what happened since the previous mark belongs to it (phases
  // that repeat, forward and backward for each micro-batch, add up).
  void mark(StepPhase phase);
  void end_step();
  // Forgets what was collected so far (the warmup steps).
  void clear();

  const std::vector<StepTimes>& steps() const { return steps_; }

  // Each ATen operator's self time (its own, less the operators it called)
  // summed over the profiled steps, and its calls; the backward pass's
  // operators count too. Sorted by time, largest first.
  struct OperatorTime {
    std::string name;
    double seconds = 0;
    int64_t calls = 0;
  };
  std::vector<OperatorTime> operator_times() const;

 private:
  c10::Device device_;
  uint64_t callback_ = 0;
  std::chrono::steady_clock::time_point last_;
  int64_t ops_at_last_ = 0;
  StepTimes current_;
  std::vector<StepTimes> steps_;
};

}  // namespace deberta
