// Training progress for people: a live bar on a terminal, plain log lines
// elsewhere (CI logs, files, pipes), where a redrawn line would be noise.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace deberta {

struct StepProgress {
  int64_t step = 0;  // steps done
  int64_t total_steps = 0;
  int64_t epoch = 0;
  double loss = 0;
  double lr = 0;
  double examples_per_second = 0;  // training only, evaluation time left out
  double seconds_per_step = 0;     // for the ETA
};

// One line: "step 120/400 (30%) epoch 1 loss 0.4312 lr 4.2e-05 310.5 ex/s ETA 1m02s".
std::string describe_progress(const StepProgress& progress);

class ProgressDisplay {
 public:
  // live: redraw one status line in place (a terminal); otherwise print a
  // line every `logging_steps` steps and at the last step.
  ProgressDisplay(std::ostream& out, bool live, int64_t logging_steps);
  ~ProgressDisplay();

  void step(const StepProgress& progress);
  // A line that must stay in the log (an evaluation, a warning): it goes
  // above the live bar.
  void message(const std::string& line);

 private:
  void clear_bar();

  std::ostream& out_;
  bool live_;
  int64_t logging_steps_;
  std::string bar_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace deberta
