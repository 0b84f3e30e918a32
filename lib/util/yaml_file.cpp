#include "util/yaml_file.h"

#include <fmt/format.h>

#include <stdexcept>

namespace deberta {

YAML::Node load_yaml_file(const std::string& path, const std::string& open_error) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(path + ": " + open_error);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(fmt::format("{}:{}: not valid YAML ({})", path, e.mark.line + 1, e.msg));
  }
}

}  // namespace deberta
