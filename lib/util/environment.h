// The process environment, read as strings.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace deberta {

// The variable's value, or `fallback` when it is unset.
inline std::string environment_variable(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// Whether a live progress bar (redrawn in place) suits `stream_fd`: it is a
// terminal, and not a CI job's log (CI set to anything but "false").
inline bool wants_live_progress(int stream_fd) {
  const std::string ci = environment_variable("CI");
  return isatty(stream_fd) != 0 && (ci.empty() || ci == "false");
}

}  // namespace deberta
