// tokenizer_config.json and special_tokens_map.json: the HF settings around a
// tokenizer model (special tokens, lower-casing, the maximum length).
#pragma once

#include <optional>
#include <string>

#include "tokenizer/tokenizer.h"

namespace deberta {

// BERT's and DeBERTa's names; RoBERTa's and XLM-R's are kRobertaSpecialTokens.
inline const SpecialTokens kBertSpecialTokens{{"[PAD]"}, {"[CLS]"}, {"[SEP]"}, {"[UNK]"}, {"[MASK]"}};
inline const SpecialTokens kRobertaSpecialTokens{{"<pad>"}, {"<s>"}, {"</s>"}, {"<unk>"}, {"<mask>"}};

struct TokenizerSettings {
  SpecialTokens special = kBertSpecialTokens;
  bool do_lower_case = false;  // false when not given
  bool do_lower_case_given = false;
  bool split_by_punct = false;
  // BERT's strip_accents; unset (null or absent) follows do_lower_case.
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  std::optional<int> model_max_length;
  std::string tokenizer_class;  // empty when not given
};

// The settings of the two files' texts, each std::nullopt when its file is
// absent (both are optional); special_tokens_map.json's special tokens
// override tokenizer_config.json's, as in HF's from_pretrained. Throws
// std::runtime_error "<source>: <problem>" naming the file.
TokenizerSettings parse_tokenizer_settings(const std::optional<std::string>& config_text,
                                           const std::string& config_source, const std::optional<std::string>& map_text,
                                           const std::string& map_source,
                                           const SpecialTokens& defaults = kBertSpecialTokens);

}  // namespace deberta
