#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "tokenizer/piece_model.h"

namespace deberta {

namespace {

// Lengths that `a` and `b` keep so that together they hold at most `budget`
// tokens. HF's rules, including its error when only_second cannot make it.
std::pair<size_t, size_t> truncated_lengths(size_t a, size_t b, size_t budget, TruncationStrategy strategy,
                                            TruncationFlavour flavour) {
  if (a + b <= budget) return {a, b};
  if (strategy == TruncationStrategy::only_second) {
    const size_t excess = a + b - budget;
    // HF refuses to cut the second text down to nothing, as the Rust library does.
    if (b <= excess)
      throw std::invalid_argument("only_second truncation cannot fit the pair: the first text has " +
                                  std::to_string(a) + " tokens, the second " + std::to_string(b) + " and " +
                                  std::to_string(excess) + " must go, which would leave the second empty");
    return {a, b - excess};
  }
  if (flavour == TruncationFlavour::slow) {
    // The Python loop of transformers: one token at a time from the longer text.
    while (a + b > budget) {
      if (a > b)
        --a;
      else
        --b;
    }
    return {a, b};
  }
  // The Rust tokenizers library: the shorter text stays whole when it takes at
  // most half the budget; otherwise each side gets half, the odd token going
  // to the longer text (to the second on a tie).
  const size_t shorter = std::min(a, b);
  const auto [keep_shorter, keep_longer] =
      2 * shorter <= budget ? std::pair{shorter, budget - shorter} : std::pair{budget / 2, budget - budget / 2};
  return a > b ? std::pair{keep_longer, keep_shorter} : std::pair{keep_shorter, keep_longer};
}

void append(Encoding& encoding, const std::vector<int64_t>& ids, size_t count, int64_t type_id) {
  encoding.input_ids.insert(encoding.input_ids.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(count));
  encoding.token_type_ids.insert(encoding.token_type_ids.end(), count, type_id);
}

void append(Encoding& encoding, int64_t id, int64_t type_id) {
  encoding.input_ids.push_back(id);
  encoding.token_type_ids.push_back(type_id);
}

}  // namespace

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const { return model_->pieces(text); }

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> pair, int max_length) const {
  const std::vector<int64_t> a = model_->ids(text);
  const std::vector<int64_t> b = pair ? model_->ids(*pair) : std::vector<int64_t>{};
  const bool roberta = template_ == SpecialTemplate::roberta;
  size_t keep_a = a.size();
  size_t keep_b = b.size();
  if (max_length > 0) {
    const int specials = pair ? (roberta ? 4 : 3) : 2;
    if (max_length < specials)
      throw std::invalid_argument("max_length " + std::to_string(max_length) +
                                  " leaves no room: the special tokens alone take " + std::to_string(specials));
    const size_t budget = static_cast<size_t>(max_length - specials);
    if (pair) {
      std::tie(keep_a, keep_b) = truncated_lengths(a.size(), b.size(), budget, strategy_, flavour_);
    } else if (strategy_ == TruncationStrategy::only_second) {
      if (a.size() > budget)
        throw std::invalid_argument("only_second truncation needs a text pair: a single text of " +
                                    std::to_string(a.size()) + " tokens does not fit max_length " +
                                    std::to_string(max_length));
    } else {
      keep_a = std::min(a.size(), budget);
    }
  }

  Encoding encoding;
  append(encoding, special_.cls.id, 0);
  append(encoding, a, keep_a, 0);
  append(encoding, special_.sep.id, 0);
  if (pair) {
    // RoBERTa doubles the separator between the texts and has one token type.
    const int64_t type_b = roberta ? 0 : 1;
    if (roberta) append(encoding, special_.sep.id, type_b);
    append(encoding, b, keep_b, type_b);
    append(encoding, special_.sep.id, type_b);
  }
  encoding.attention_mask.assign(encoding.input_ids.size(), 1);
  return encoding;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts, int max_length) const {
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (const std::string& text : texts) encodings.push_back(encode(text, std::nullopt, max_length));
  return encodings;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                              const std::vector<std::string>& pairs, int max_length) const {
  if (pairs.size() != texts.size())
    throw std::invalid_argument("encode_batch: " + std::to_string(texts.size()) + " texts but " +
                                std::to_string(pairs.size()) + " pairs");
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) encodings.push_back(encode(texts[i], pairs[i], max_length));
  return encodings;
}

}  // namespace deberta
