// The process environment, read as strings.
#pragma once

#include <cstdlib>
#include <string>

namespace deberta {

// The variable's value, or `fallback` when it is unset.
inline std::string environment_variable(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

}  // namespace deberta
