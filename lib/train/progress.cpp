#include "train/progress.h"

#include <fmt/format.h>

#include <cmath>

namespace deberta {

namespace {

std::string duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}m{:02d}s", s / 60, s % 60);
}

}  // namespace

std::string describe_progress(const StepProgress& p) {
  const double percent = p.total_steps > 0 ? 100.0 * static_cast<double>(p.step) / p.total_steps : 0.0;
  return fmt::format("step {}/{} ({:.0f}%) epoch {} loss {:.4f} lr {:.3g} {:.1f} ex/s ETA {}", p.step, p.total_steps,
                     percent, p.epoch, p.loss, p.lr, p.examples_per_second,
                     duration(p.seconds_per_step * static_cast<double>(p.total_steps - p.step)));
}

ProgressDisplay::ProgressDisplay(std::ostream& out, bool live, int64_t logging_steps)
    : out_(out), live_(live), logging_steps_(std::max<int64_t>(1, logging_steps)) {}

ProgressDisplay::~ProgressDisplay() {
  if (live_ && !bar_.empty()) out_ << '\n' << std::flush;
}

void ProgressDisplay::clear_bar() {
  if (live_ && !bar_.empty()) out_ << "\r\033[K";
}

void ProgressDisplay::step(const StepProgress& progress) {
  const bool last = progress.step == progress.total_steps;
  if (!live_) {
    if (progress.step % logging_steps_ == 0 || last) out_ << describe_progress(progress) << '\n';
    return;
  }
  // Redrawing more often than a few times a second only costs time.
  const auto now = std::chrono::steady_clock::now();
  if (!last && !bar_.empty() && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const int width = 30;
  const int filled = progress.total_steps > 0 ? static_cast<int>(width * progress.step / progress.total_steps) : 0;
  bar_ = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + describe_progress(progress);
  clear_bar();
  out_ << bar_ << std::flush;
}

void ProgressDisplay::message(const std::string& line) {
  clear_bar();
  out_ << line << '\n';
  if (live_ && !bar_.empty()) out_ << bar_ << std::flush;
}

}  // namespace deberta
