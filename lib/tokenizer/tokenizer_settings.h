// tokenizer_config.json and special_tokens_map.json: the HF settings around a
// tokenizer model (special tokens, lower-casing, the maximum length).
#pragma once

#include <optional>
#include <string>

#include "tokenizer/tokenizer.h"

namespace deberta {

struct TokenizerSettings {
  SpecialTokens special{{"[PAD]"}, {"[CLS]"}, {"[SEP]"}, {"[UNK]"}, {"[MASK]"}};
  bool do_lower_case = false;
  bool split_by_punct = false;
  std::optional<int> model_max_length;
};

// The settings of the two files' texts, each std::nullopt when its file is
// absent (both are optional); special_tokens_map.json's special tokens
// override tokenizer_config.json's, as in HF's from_pretrained. Throws
// std::runtime_error "<source>: <problem>" naming the file.
TokenizerSettings parse_tokenizer_settings(const std::optional<std::string>& config_text,
                                           const std::string& config_source, const std::optional<std::string>& map_text,
                                           const std::string& map_source);

}  // namespace deberta
