// The first half of a tokenizer: what turns one text, without special
// tokens, into vocabulary pieces. The second half, the special-token
// template for single texts and pairs, is Tokenizer's (tokenizer.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

// Implementations are immutable once built, so safe to share between threads.
class PieceModel {
 public:
  virtual ~PieceModel() = default;
  // The vocabulary ids of `text`'s pieces; unknown text gives the unk id.
  virtual std::vector<int64_t> ids(std::string_view text) const = 0;
  // The same pieces as text, as HF's tokenize() shows them.
  virtual std::vector<std::string> pieces(std::string_view text) const = 0;
};

}  // namespace deberta
