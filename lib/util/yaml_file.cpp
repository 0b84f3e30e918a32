#include "util/yaml_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/text.h"

namespace deberta {

YAML::Node load_yaml_file(const std::string& path, const std::string& open_error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": " + open_error);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_yaml(text.str(), path);
}

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(fmt::format("{}:{}: not valid YAML ({})", source, e.mark.line + 1, one_line(e.msg)));
  }
}

}  // namespace deberta
