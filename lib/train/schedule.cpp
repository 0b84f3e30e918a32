#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace deberta {

namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

int64_t LrSchedule::resolved_warmup_steps() const {
  if (warmup_steps > 0) return warmup_steps;
  // HF rounds up in floating point, so 100 * 0.07 = 7.000000000000001 gives 8;
  // doing the same keeps the rates step for step equal to a Trainer log.
  return static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

double LrSchedule::lr_at(int64_t step) const {
  const int64_t warmup = resolved_warmup_steps();
  if (step < warmup) return lr * (static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup)));
  if (type == ScheduleType::constant_with_warmup) return lr;
  const double decay_steps = static_cast<double>(std::max<int64_t>(1, total_steps - warmup));
  if (type == ScheduleType::cosine) {
    const double progress = static_cast<double>(step - warmup) / decay_steps;
    return lr * std::max(0.0, 0.5 * (1.0 + std::cos(kPi * progress)));
  }
  return lr * std::max(0.0, static_cast<double>(total_steps - step) / decay_steps);
}

}  // namespace deberta
