// libFuzzer target for parse_vocab_txt (a BERT-style vocab.txt: KcBERT,
// KoELECTRA, KoBERT). An accepted vocabulary then tokenizes its own text
// with WordPiece when it holds [UNK], which also runs BERT's text rules on
// whatever the input holds.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tokenizer/wordpiece.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  const std::string text(bytes_of(data, size));
  deberta::Vocab vocab;
  if (!parses([&] { vocab = deberta::parse_vocab_txt(text, "vocab.txt"); }, "vocab.txt")) return 0;
  require(!vocab.empty(), "an accepted vocab.txt has a token");
  std::vector<bool> seen(vocab.size(), false);
  for (const auto& [token, id] : vocab) {
    require(!token.empty() && token.find('\n') == std::string::npos, "a token is one non-empty line");
    require(id >= 0 && static_cast<size_t>(id) < vocab.size() && !seen[id], "ids are the line numbers, each once");
    seen[id] = true;
  }
  if (!vocab.count("[UNK]")) return 0;
  const auto count = static_cast<int64_t>(vocab.size());
  const deberta::WordPieceModel model(std::move(vocab), deberta::BertTextRules{}, "[UNK]");
  for (const int64_t id : model.ids(text)) require(id >= 0 && id < count, "every id is in the vocabulary");
  require(model.ids(text).size() == model.pieces(text).size(), "one id per piece");
  return 0;
}
