// The DeBERTa-v2/v3 tokenizer: SentencePiece pieces with Hugging Face's
// DebertaV2Tokenizer conventions for special tokens, pairs and truncation.
// Torch-free; ids are int64_t so they go into tensors unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace deberta {

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

// Every const member is safe to call from several threads at once.
class Tokenizer {
 public:
  // `[CLS] text [SEP]`, or `[CLS] text [SEP] pair [SEP]` with token type 1
  // from pair on. max_length <= 0 means no truncation; otherwise the result is
  // cut to at most max_length ids with the tokenizer's truncation strategy.
  // Throws std::invalid_argument when it cannot be cut that far.
  Encoding encode(std::string_view text, std::optional<std::string_view> pair, int max_length) const;
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, int max_length) const;
  // `pairs` holds the second text of each example, as many as `texts`.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, const std::vector<std::string>& pairs,
                                     int max_length) const;

  // The pieces of `text`, without special tokens; unknown text is the [UNK] token.
  std::vector<std::string> tokenize(std::string_view text) const;

  // The spm pieces, plus [MASK] when it is appended after them.
  int64_t vocab_size() const { return vocab_size_; }
  const SpecialTokens& special_tokens() const { return special_; }
  // Which file it was loaded from: "spm.model" or "tokenizer.json".
  const std::string& kind() const { return kind_; }
  bool do_lower_case() const { return do_lower_case_; }
  bool split_by_punct() const { return split_by_punct_; }
  // tokenizer_config.json's model_max_length, when it gives a usable one.
  std::optional<int> model_max_length() const { return model_max_length_; }

  TruncationStrategy truncation_strategy() const { return strategy_; }
  void set_truncation_strategy(TruncationStrategy strategy) { strategy_ = strategy; }
  // Defaults to what HF's AutoTokenizer gives for the file loaded: slow for
  // spm.model, fast for tokenizer.json.
  TruncationFlavour truncation_flavour() const { return flavour_; }
  void set_truncation_flavour(TruncationFlavour flavour) { flavour_ = flavour; }

 private:
  friend Tokenizer load_tokenizer(const std::string& model_dir);
  Tokenizer() = default;

  // SentencePiece ids of `text` after the text rules, unknown text as spm's unk id.
  std::vector<int> spm_ids(std::string_view text) const;
  std::vector<int64_t> piece_ids(std::string_view text) const;

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> spm_;
  std::string kind_;
  SpecialTokens special_;
  int64_t vocab_size_ = 0;
  bool do_lower_case_ = false;
  bool split_by_punct_ = false;
  std::optional<int> model_max_length_;
  TruncationStrategy strategy_ = TruncationStrategy::longest_first;
  TruncationFlavour flavour_ = TruncationFlavour::slow;
};

// Loads the tokenizer of a model directory: spm.model when it is there (as
// HF's slow DebertaV2Tokenizer), else tokenizer.json (a Unigram model, as
// DebertaV2TokenizerFast). tokenizer_config.json and special_tokens_map.json
// are read when present. Throws std::runtime_error with a one-line message
// naming the directory or file on any problem.
Tokenizer load_tokenizer(const std::string& model_dir);

}  // namespace deberta
