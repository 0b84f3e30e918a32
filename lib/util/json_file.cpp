#include "util/json_file.h"

#include <fmt/format.h>

#include "util/atomic_file.h"

namespace deberta {

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, or out_of_range for a number too large for a double (1e999).
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", source, e.what()));
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

std::runtime_error json_field_error(const std::string& path, const std::string& field, const std::string& problem) {
  return std::runtime_error(fmt::format("{}: field '{}' {}", path, field, problem));
}

const nlohmann::json& require_json_field(const std::string& path, const nlohmann::json& object, const std::string& key,
                                         const std::string& where) {
  if (!object.contains(key)) throw json_field_error(path, where + key, "is missing");
  return object.at(key);
}

std::map<std::string, double> number_members(const std::string& path, const nlohmann::json& object,
                                             const std::string& field) {
  std::map<std::string, double> numbers;
  for (const auto& [name, value] : object.items()) {
    if (!value.is_number()) throw json_field_error(path, field + "." + name, "is not a number");
    numbers[name] = value.get<double>();
  }
  return numbers;
}

}  // namespace deberta
