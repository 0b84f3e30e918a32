// Reading JSON files and the fields of JSON records, with errors that name the file.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace deberta {

// The parsed text. Throws std::runtime_error "SOURCE: not valid JSON (...)"
// when it does not parse.
nlohmann::json parse_json(const std::string& text, const std::string& source);

// The parsed file. Throws std::runtime_error "PATH: cannot open the file" or
// "PATH: not valid JSON (...)".
nlohmann::json read_json_file(const std::string& path);

// The error "PATH: field 'FIELD' PROBLEM", e.g. "runs/a/results.json: field 'seed' is missing".
std::runtime_error json_field_error(const std::string& path, const std::string& field, const std::string& problem);

// object[key]; throws json_field_error(path, where + key, "is missing") when
// it is absent. `where` places a nested key, e.g. "runs[2].".
const nlohmann::json& require_json_field(const std::string& path, const nlohmann::json& object, const std::string& key,
                                         const std::string& where = "");

// The members of a JSON object (the caller checks that it is one) as numbers,
// e.g. a run's metrics; throws json_field_error(path, "FIELD.NAME", "is not a
// number") for a member that is not.
std::map<std::string, double> number_members(const std::string& path, const nlohmann::json& object,
                                             const std::string& field);

}  // namespace deberta
