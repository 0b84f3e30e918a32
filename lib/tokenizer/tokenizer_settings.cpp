#include "tokenizer/tokenizer_settings.h"

#include <climits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "util/json_file.h"

namespace deberta {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

// An absent file reads as an empty object.
json parse_optional_object(const std::optional<std::string>& text, const std::string& source) {
  if (!text) return json::object();
  const json root = parse_json(*text, source);
  if (!root.is_object()) fail(source, "is not a JSON object");
  return root;
}

// HF writes a special token either as its string or as an AddedToken object.
void read_token_text(const json& settings, const char* key, std::string& text, const std::string& source) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return;
  if (it->is_string())
    text = it->get<std::string>();
  else if (it->is_object() && it->contains("content") && it->at("content").is_string())
    text = it->at("content").get<std::string>();
  else
    fail(source, std::string(key) + " is neither a string nor an object with a \"content\" string");
}

// std::nullopt when absent or null.
std::optional<bool> read_optional_bool(const json& settings, const char* key, const std::string& source) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) fail(source, std::string(key) + " is not true or false");
  return it->get<bool>();
}

bool read_bool(const json& settings, const char* key, const std::string& source) {
  return read_optional_bool(settings, key, source).value_or(false);
}

}  // namespace

TokenizerSettings parse_tokenizer_settings(const std::optional<std::string>& config_text,
                                           const std::string& config_source, const std::optional<std::string>& map_text,
                                           const std::string& map_source, const SpecialTokens& defaults) {
  TokenizerSettings settings;
  settings.special = defaults;
  const json config = parse_optional_object(config_text, config_source);
  const json map = parse_optional_object(map_text, map_source);
  // special_tokens_map.json overrides tokenizer_config.json, as in HF's from_pretrained.
  for (const auto& [settings_json, source] : {std::pair{&config, &config_source}, std::pair{&map, &map_source}}) {
    read_token_text(*settings_json, "pad_token", settings.special.pad.text, *source);
    read_token_text(*settings_json, "cls_token", settings.special.cls.text, *source);
    read_token_text(*settings_json, "sep_token", settings.special.sep.text, *source);
    read_token_text(*settings_json, "unk_token", settings.special.unk.text, *source);
    read_token_text(*settings_json, "mask_token", settings.special.mask.text, *source);
  }
  const std::optional<bool> lower = read_optional_bool(config, "do_lower_case", config_source);
  settings.do_lower_case = lower.value_or(false);
  settings.do_lower_case_given = lower.has_value();
  settings.split_by_punct = read_bool(config, "split_by_punct", config_source);
  settings.strip_accents = read_optional_bool(config, "strip_accents", config_source);
  settings.tokenize_chinese_chars = read_optional_bool(config, "tokenize_chinese_chars", config_source).value_or(true);
  if (const auto it = config.find("tokenizer_class"); it != config.end() && !it->is_null()) {
    if (!it->is_string()) fail(config_source, "tokenizer_class is not a string");
    settings.tokenizer_class = it->get<std::string>();
  }
  // HF stores "no limit" as a huge number (1e30): only a usable length counts.
  const auto max_length = config.find("model_max_length");
  if (max_length != config.end() && max_length->is_number() && max_length->get<double>() >= 1 &&
      max_length->get<double>() <= INT_MAX)
    settings.model_max_length = static_cast<int>(max_length->get<double>());
  return settings;
}

}  // namespace deberta
