#include "io/weights_index.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/json_file.h"
#include "util/text.h"

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

// HF writes shards beside the index; a path could reach outside the model
// directory.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

std::map<std::string, std::string> parse_weights_index(const std::string& text, const std::string& source) {
  const nlohmann::json index = parse_json(text, source);
  if (!index.is_object() || !index.contains("weight_map") || !index.at("weight_map").is_object())
    fail(source, "has no \"weight_map\" object");
  std::map<std::string, std::string> shard_of;
  for (const auto& [name, shard] : index.at("weight_map").items()) {
    if (!shard.is_string()) fail(source, "weight_map entry " + json_quoted(name) + " is not a file name");
    const std::string file = shard.get<std::string>();
    if (!is_plain_file_name(file))
      fail(source, "weight_map entry " + json_quoted(name) + " names " + json_quoted(file) +
                       ", which is not a file name beside the index");
    shard_of[name] = file;
  }
  if (shard_of.empty()) fail(source, "weight_map is empty");
  return shard_of;
}

}  // namespace deberta
