// Learning-rate schedules as Hugging Face's get_scheduler builds them: the
// peak rate times a factor of the 0-based optimiser step.
#pragma once

#include <cstdint>

namespace deberta {

enum class ScheduleType {
  linear,                // warmup, then linear decay to 0 at total_steps
  constant_with_warmup,  // warmup, then the peak rate
  cosine,                // warmup, then half a cosine down to 0 at total_steps
};

struct LrSchedule {
  ScheduleType type = ScheduleType::linear;
  double lr = 5e-5;  // the peak, reached when warmup ends
  // Warmup is warmup_steps when it is positive, else ceil(total_steps * warmup_ratio).
  int64_t warmup_steps = 0;
  double warmup_ratio = 0.0;
  int64_t total_steps = 0;

  // The warmup length in steps, as TrainingArguments.get_warmup_steps computes it.
  int64_t resolved_warmup_steps() const;
  // The rate of 0-based step `step`; with warmup, step 0 runs at 0.
  double lr_at(int64_t step) const;
};

}  // namespace deberta
