// libFuzzer target for parse_tokenizer_settings: tokenizer_config.json and
// special_tokens_map.json. The first byte says which files are present; the
// rest is the config's text, then a NUL byte, then the map's text.
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.h"
#include "tokenizer/tokenizer_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  if (size == 0) return 0;
  const uint8_t present = data[0];
  const std::string_view rest = bytes_of(data + 1, size - 1);
  const size_t split = rest.find('\0');
  std::optional<std::string> config, map;
  if (present & 1) config = std::string(rest.substr(0, split));
  if ((present & 2) && split != std::string_view::npos) map = std::string(rest.substr(split + 1));
  deberta::TokenizerSettings settings;
  if (!parses([&] {
        settings = deberta::parse_tokenizer_settings(config, "tokenizer_config.json", map, "special_tokens_map.json");
      }))
    return 0;
  require(!settings.model_max_length || *settings.model_max_length >= 1, "a usable maximum length");
  return 0;
}
