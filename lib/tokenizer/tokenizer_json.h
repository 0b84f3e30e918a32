// Reading a Hugging Face tokenizer.json into a SentencePiece model, for model
// directories that have no spm.model. Only the Unigram layouts that HF's
// DebertaV2Converter and XLMRobertaTokenizer write are supported; anything that SentencePiece could
// not reproduce is an error rather than silently different ids.
#pragma once

#include <sentencepiece_model.pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace deberta {

struct TokenizerJson {
  std::unique_ptr<sentencepiece::ModelProto> model;
  std::map<std::string, int64_t> added_tokens;  // content -> id
  bool lowercase = false;                       // a Lowercase normalizer
  bool split_by_punct = false;                  // a Punctuation pre-tokenizer
  bool whitespace_split = false;                // a WhitespaceSplit pre-tokenizer (XLM-R)
  bool roberta_template = false;                // `<s> A </s></s> B </s>` (XLM-R)
};

// Throws std::runtime_error "<path>: <problem>" for a file it cannot read or
// a pipeline it does not support.
TokenizerJson read_tokenizer_json(const std::string& path);

// The same for the file's text; `source` names it in errors.
TokenizerJson parse_tokenizer_json(const std::string& text, const std::string& source);

}  // namespace deberta
