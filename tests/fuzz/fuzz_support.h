// What every fuzz target checks: an input either parses or is refused with
// the project's one-line error, a std::runtime_error (DataError among them) or
// a std::invalid_argument. Anything else, another exception type or a
// message of several lines, aborts the run like a crash or a sanitizer report.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace deberta::fuzz {

[[noreturn]] inline void fail(const char* what, const char* detail) {
  std::fprintf(stderr, "fuzz: %s: %s\n", what, detail);
  std::abort();
}

// `source`, when given, is the file name the message must hold.
inline void check_message(const char* message, const char* source) {
  if (std::strchr(message, '\n') != nullptr) fail("an error message of more than one line", message);
  if (message[0] == '\0') fail("an empty error message", "");
  if (source != nullptr && std::strstr(message, source) == nullptr)
    fail("an error message that does not name the file", message);
}

// Runs `parse`; returns whether it accepted the input. A refusal's message
// must name `source` when it is given.
template <typename Parse>
bool parses(Parse&& parse, const char* source = nullptr) {
  try {
    parse();
    return true;
  } catch (const std::runtime_error& e) {
    check_message(e.what(), source);
  } catch (const std::invalid_argument& e) {
    check_message(e.what(), source);
  } catch (const std::exception& e) {
    fail("an exception of an unexpected type", e.what());
  } catch (...) {
    fail("an exception of an unexpected type", "(not a std::exception)");
  }
  return false;
}

// Aborts when a property of an accepted input does not hold.
inline void require(bool condition, const char* what) {
  if (!condition) fail("broken invariant", what);
}

inline std::string_view bytes_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace deberta::fuzz
