// The trainer's progress display: log lines off a terminal, a bar on one.
#include <catch2/catch.hpp>
#include <sstream>

#include "train/progress.h"

using deberta::ProgressDisplay;
using deberta::StepProgress;

TEST_CASE("a progress line shows step epoch loss learning rate throughput and ETA") {
  const std::string line = deberta::describe_progress({30, 120, 1, 0.43121, 4.2e-5, 310.54, 0.5});
  CHECK(line == "step 30/120 (25%) epoch 1 loss 0.4312 lr 4.2e-05 310.5 ex/s ETA 0m45s");
}

TEST_CASE("off a terminal progress prints a plain line every logging_steps steps and at the last step") {
  std::ostringstream out;
  {
    ProgressDisplay display(out, false, 4);
    for (int64_t step = 1; step <= 10; ++step) display.step({step, 10, 0, 1.0, 1e-3, 10.0, 0.1});
  }
  const std::string text = out.str();
  CHECK(text.find("step 4/10") != std::string::npos);
  CHECK(text.find("step 8/10") != std::string::npos);
  CHECK(text.find("step 10/10") != std::string::npos);
  CHECK(text.find("step 5/10") == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
}

TEST_CASE("on a terminal progress redraws one bar in place and keeps messages above it") {
  std::ostringstream out;
  {
    ProgressDisplay display(out, true, 50);
    display.step({1, 10, 0, 1.0, 1e-3, 10.0, 0.1});
    display.message("eval step 1: dev accuracy = 0.5000");
    display.step({10, 10, 0, 1.0, 1e-3, 10.0, 0.1});
  }
  const std::string text = out.str();
  CHECK(text.find("\r\033[K") != std::string::npos);
  CHECK(text.find("[###") != std::string::npos);
  CHECK(text.find("eval step 1: dev accuracy = 0.5000\n") != std::string::npos);
  CHECK(text.back() == '\n');
}
