#include "train/step_profile.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "runtime/device.h"

namespace deberta {

namespace {

// Operators dispatched since the process started counting (any thread: the
// backward pass runs on the autograd engine's).
std::atomic<int64_t> operators{0};

// Self time per operator. The callbacks are process-wide by nature (one
// RecordFunction registry), so their sums are too; StepProfile is the only
// writer, and it refuses a second live instance.
std::atomic<bool> profiling{false};
std::atomic<bool> instance_alive{false};
std::mutex times_mutex;
std::map<std::string, std::pair<double, int64_t>> self_times;

using Clock = std::chrono::steady_clock;

// An operator in flight on this thread: when it started and how long its
// callees took, which its self time leaves out.
struct Frame {
  Clock::time_point start;
  double children = 0;
};
thread_local std::vector<Frame> frames;

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction&) {
  operators.fetch_add(1, std::memory_order_relaxed);
  if (profiling.load(std::memory_order_relaxed)) frames.push_back({Clock::now(), 0.0});
  return nullptr;
}

void on_exit(const at::RecordFunction& fn, at::ObserverContext*) {
  if (!profiling.load(std::memory_order_relaxed) || frames.empty()) return;
  const Frame frame = frames.back();
  frames.pop_back();
  const double total = std::chrono::duration<double>(Clock::now() - frame.start).count();
  if (!frames.empty()) frames.back().children += total;
  std::lock_guard<std::mutex> lock(times_mutex);
  auto& entry = self_times[fn.name()];
  entry.first += total - frame.children;
  entry.second += 1;
}

}  // namespace

const char* step_phase_name(StepPhase phase) {
  switch (phase) {
    case StepPhase::kForward:
      return "forward";
    case StepPhase::kBackward:
      return "backward";
    case StepPhase::kReduce:
      return "reduce";
    case StepPhase::kClip:
      return "clip";
    case StepPhase::kOptimizer:
      return "optimizer";
    default:
      return "zero";
  }
}

StepProfile::StepProfile(c10::Device device) : device_(device) {
  if (instance_alive.exchange(true)) throw std::logic_error("only one StepProfile may be alive at a time");
  {
    std::lock_guard<std::mutex> lock(times_mutex);
    self_times.clear();
  }
  // FUNCTION scope: ATen operators; BACKWARD_FUNCTION nodes are left out, so
  // the backward pass's time lands on the operators it runs.
  callback_ = at::addGlobalCallback(at::RecordFunctionCallback(on_enter, on_exit).scopes({at::RecordScope::FUNCTION}));
}

StepProfile::~StepProfile() {
  profiling = false;
  at::removeCallback(callback_);
  instance_alive = false;
}

void StepProfile::clear() {
  steps_.clear();
  std::lock_guard<std::mutex> lock(times_mutex);
  self_times.clear();
}

std::vector<StepProfile::OperatorTime> StepProfile::operator_times() const {
  std::vector<OperatorTime> out;
  {
    std::lock_guard<std::mutex> lock(times_mutex);
    for (const auto& [name, figures] : self_times) out.push_back({name, figures.first, figures.second});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
  return out;
}

void StepProfile::begin_step() {
  synchronize(device_);
  profiling = true;
  current_ = StepTimes{};
  last_ = std::chrono::steady_clock::now();
  ops_at_last_ = operators.load();
}

void StepProfile::mark(StepPhase phase) {
  synchronize(device_);
  const auto now = std::chrono::steady_clock::now();
  const int64_t ops = operators.load();
  const auto index = static_cast<size_t>(phase);
  current_.seconds[index] += std::chrono::duration<double>(now - last_).count();
  current_.ops[index] += ops - ops_at_last_;
  last_ = now;
  ops_at_last_ = ops;
}

void StepProfile::end_step() {
  profiling = false;
  steps_.push_back(current_);
}

}  // namespace deberta
