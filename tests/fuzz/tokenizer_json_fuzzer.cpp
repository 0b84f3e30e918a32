// libFuzzer target for parse_tokenizer_json and the conversion to a
// SentencePiece model: an accepted tokenizer.json must give a ModelProto that
// SentencePiece either loads or refuses, and a loaded model must encode text.
#include <sentencepiece_processor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tokenizer/tokenizer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::TokenizerJson tokenizer;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { tokenizer = deberta::parse_tokenizer_json(text, "tokenizer.json"); }, "tokenizer.json")) return 0;
  require(tokenizer.model != nullptr, "a model");
  for (const auto& [content, id] : tokenizer.added_tokens) require(id >= 0, "added token ids are not negative");
  const int pieces = tokenizer.model->pieces_size();
  sentencepiece::SentencePieceProcessor spm;
  if (!spm.Load(std::move(tokenizer.model)).ok()) return 0;
  std::vector<int> ids;
  for (const char* sample : {"비행기가 이륙하고 있다.", "  ＦＵＬＬ ① ㎏  Hello, world!", ""}) {
    ids.clear();
    if (!spm.Encode(sample, &ids).ok()) continue;
    for (const int id : ids) require(id >= 0 && id < pieces, "encoded ids lie in the vocab");
  }
  return 0;
}
