// A Hugging Face tokenizer in two halves: a piece model that turns a text
// into vocabulary ids (DeBERTa's SentencePiece, BERT's WordPiece, XLM-R's and
// KoBERT's SentencePiece; piece_model.h) and a special-token template for
// single texts and pairs, with HF's truncation. Torch-free; ids are int64_t so
// they go into tensors unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

class PieceModel;

struct Encoding {
  std::vector<int64_t> input_ids;
  std::vector<int64_t> token_type_ids;
  std::vector<int64_t> attention_mask;
};

enum class TruncationStrategy {
  longest_first,  // cut the longer side first (HF's default)
  only_second,    // cut only the second text; an error when that is not enough
};

// longest_first has two implementations in HF that differ when both texts must
// be cut and the budget left for them is odd. `slow` is the Python loop of
// DebertaV2Tokenizer: drop one token at a time from the longer text, from the
// second on a tie. `fast` is the Rust tokenizers library behind
// DebertaV2TokenizerFast: split the budget in halves, the odd token going to
// the longer text, to the second on a tie.
enum class TruncationFlavour { slow, fast };

struct SpecialToken {
  std::string text;
  int64_t id = -1;
};

struct SpecialTokens {
  SpecialToken pad, cls, sep, unk, mask;
};

// Where the special tokens go around one text or a pair.
enum class SpecialTemplate {
  bert,     // [CLS] A [SEP] B [SEP], token type 1 from B on (BERT, ELECTRA, DeBERTa, KoBERT)
  roberta,  // <s> A </s></s> B </s>, every token type 0 (RoBERTa, XLM-R)
};

// Every const member is safe to call from several threads at once.
class Tokenizer {
 public:
  // The special-token template around `text`, or `text` and `pair` (with
  // bert: `[CLS] text [SEP]`, or `[CLS] text [SEP] pair [SEP]` with token
  // type 1 from pair on). max_length <= 0 means no truncation; otherwise the result is
  // cut to at most max_length ids with the tokenizer's truncation strategy.
  // Throws std::invalid_argument when it cannot be cut that far.
  Encoding encode(std::string_view text, std::optional<std::string_view> pair, int max_length) const;
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, int max_length) const;
  // `pairs` holds the second text of each example, as many as `texts`.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, const std::vector<std::string>& pairs,
                                     int max_length) const;

  // The pieces of `text`, without special tokens; unknown text is the [UNK] token.
  std::vector<std::string> tokenize(std::string_view text) const;

  // The number of ids: for DeBERTa the spm pieces, plus [MASK] when it is appended after them.
  int64_t vocab_size() const { return vocab_size_; }
  const SpecialTokens& special_tokens() const { return special_; }
  SpecialTemplate special_template() const { return template_; }
  // Which file it was loaded from: "spm.model" or "tokenizer.json" (DeBERTa),
  // "vocab.txt" or "tokenizer.json (WordPiece)" (BERT),
  // "sentencepiece.bpe.model" or "tokenizer.json (XLM-R)", "kobert".
  const std::string& kind() const { return kind_; }
  bool do_lower_case() const { return do_lower_case_; }
  bool split_by_punct() const { return split_by_punct_; }
  // tokenizer_config.json's model_max_length, when it gives a usable one.
  std::optional<int> model_max_length() const { return model_max_length_; }

  TruncationStrategy truncation_strategy() const { return strategy_; }
  void set_truncation_strategy(TruncationStrategy strategy) { strategy_ = strategy; }
  // Defaults to what HF's AutoTokenizer gives for the file loaded: slow for
  // spm.model and KoBERT (Python tokenizers), fast for the others.
  TruncationFlavour truncation_flavour() const { return flavour_; }
  void set_truncation_flavour(TruncationFlavour flavour) { flavour_ = flavour; }

 private:
  friend struct TokenizerBuilder;  // load_tokenizer's
  Tokenizer() = default;

  std::shared_ptr<const PieceModel> model_;
  std::string kind_;
  SpecialTokens special_;
  SpecialTemplate template_ = SpecialTemplate::bert;
  int64_t vocab_size_ = 0;
  bool do_lower_case_ = false;
  bool split_by_punct_ = false;
  std::optional<int> model_max_length_;
  TruncationStrategy strategy_ = TruncationStrategy::longest_first;
  TruncationFlavour flavour_ = TruncationFlavour::slow;
};

// Loads the tokenizer of a model directory, picked by the files present and
// tokenizer_config.json's tokenizer_class (see docs/formats.md): DeBERTa's
// spm.model (as HF's slow DebertaV2Tokenizer) or tokenizer.json (a Unigram
// model, as DebertaV2TokenizerFast); BERT's vocab.txt or a WordPiece
// tokenizer.json; XLM-R's sentencepiece.bpe.model or its tokenizer.json;
// KoBERT's tokenizer_78b3253a26.model with vocab.txt.
// tokenizer_config.json and special_tokens_map.json are read when present.
// Throws std::runtime_error with a one-line message naming the directory or
// file on any problem, an unsupported tokenizer_class among them.
Tokenizer load_tokenizer(const std::string& model_dir);

}  // namespace deberta
