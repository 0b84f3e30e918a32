// Reading a Hugging Face tokenizer.json into a SentencePiece model, for model
// directories that have no spm.model. Only the Unigram layout that HF's
// DebertaV2Converter writes is supported; anything that SentencePiece could
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
};

// Throws std::runtime_error "<path>: <problem>" for a file it cannot read or
// a pipeline it does not support.
TokenizerJson read_tokenizer_json(const std::string& path);

// The same for the file's text; `source` names it in errors.
TokenizerJson parse_tokenizer_json(const std::string& text, const std::string& source);

}  // namespace deberta
