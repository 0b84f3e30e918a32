// Loading a YAML file with errors that name the file and the line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace deberta {

// The parsed file. Throws std::runtime_error "PATH: OPEN_ERROR" when the file
// cannot be opened (each caller names its kind of file, e.g. "cannot open the
// suite file"), and "PATH:LINE: not valid YAML (...)" when it does not parse.
YAML::Node load_yaml_file(const std::string& path, const std::string& open_error);

// The parsed text; `source` names it in the error "SOURCE:LINE: not valid
// YAML (...)" (a std::runtime_error).
YAML::Node parse_yaml(const std::string& text, const std::string& source);

}  // namespace deberta
