// BERT's WordPiece tokenizer, as HF's BertTokenizer (the tokenizers library's
// BertNormalizer, BertPreTokenizer and WordPiece model) gives it: KcBERT,
// KoELECTRA and other BERT-style models that ship vocab.txt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/piece_model.h"

namespace deberta {

using Vocab = std::unordered_map<std::string, int64_t>;

// vocab.txt: one token a line, its id the line's number from 0. Throws
// std::runtime_error "<source>: <problem>" (line numbers from 1) for an empty
// file, an empty line, a duplicate token, or text that is not UTF-8.
Vocab parse_vocab_txt(std::string_view text, const std::string& source);
Vocab read_vocab_txt(const std::string& path);

// BertNormalizer's switches, named as in tokenizer.json.
struct BertTextRules {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::optional<bool> strip_accents;  // unset: strip when lower-casing
  bool lowercase = true;
};

// The words that WordPiece sees: the text normalized by `rules`, split at
// white space, with each punctuation character a word of its own.
std::vector<std::string> bert_words(std::string_view text, const BertTextRules& rules);

// A tokenizer.json whose model is WordPiece, with a BertNormalizer and a
// BertPreTokenizer (what HF's BertTokenizer and ElectraTokenizer save).
struct WordPieceJson {
  Vocab vocab;
  BertTextRules rules;
  std::string unk;
  std::string prefix;
  size_t max_word_chars = 100;
  // The added tokens (the special ones among them): content -> id.
  Vocab added_tokens;
};

// Throws std::runtime_error "<source>: <problem>" for another pipeline or a
// malformed file.
WordPieceJson parse_wordpiece_json(const std::string& text, const std::string& source);

class WordPieceModel final : public PieceModel {
 public:
  // `unk` must be in `vocab`.
  WordPieceModel(Vocab vocab, BertTextRules rules, std::string unk, std::string prefix = "##",
                 size_t max_word_chars = 100);
  std::vector<int64_t> ids(std::string_view text) const override;
  std::vector<std::string> pieces(std::string_view text) const override;

 private:
  using Piece = std::pair<std::string, int64_t>;
  std::vector<Piece> encode(std::string_view text) const;
  // Greedy longest match from the left; the whole word is unk when a part has no match.
  void split_word(const std::string& word, std::vector<Piece>& out) const;

  Vocab vocab_;
  BertTextRules rules_;
  std::string unk_;
  int64_t unk_id_;
  std::string prefix_;
  size_t max_word_chars_;
};

}  // namespace deberta
