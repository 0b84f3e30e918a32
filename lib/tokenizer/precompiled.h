// The Precompiled normalizer of the tokenizers library (XLM-R's
// tokenizer.json, and what transformers 5 makes of a sentencepiece.bpe.model):
// spm's charsmap, applied one grapheme cluster at a time rather than as spm's
// own normalizer applies it. The two differ: spm composes a decomposed Hangul
// syllable (9 bytes), tokenizers does not, since it looks up only graphemes
// shorter than 6 bytes whole and the rest character by character.
#pragma once

#include <string>
#include <string_view>

namespace deberta {

class PrecompiledCharsmap {
 public:
  // `blob`: spm's precompiled_charsmap (a trie size, a Darts trie, the
  // normalized strings). Throws std::runtime_error "<source>: <problem>".
  PrecompiledCharsmap(std::string blob, const std::string& source);
  std::string normalize(std::string_view text) const;

 private:
  // The replacement of `chunk`: the value of its shortest prefix in the trie
  // (as the tokenizers library picks it), or nullptr when none.
  const char* transform(std::string_view chunk) const;

  std::string blob_;
  std::string_view trie_;
  std::string_view normalized_;
};

}  // namespace deberta
