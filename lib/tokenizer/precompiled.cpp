#include "tokenizer/precompiled.h"

#include <darts_clone/darts.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/utext.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string blob, const std::string& source) : blob_(std::move(blob)) {
  uint32_t trie_size = 0;
  if (blob_.size() < sizeof(trie_size)) fail(source, "precompiled_charsmap is too short");
  std::memcpy(&trie_size, blob_.data(), sizeof(trie_size));  // little-endian, as spm writes it
  const size_t rest = blob_.size() - sizeof(trie_size);
  if (trie_size > rest || trie_size % Darts::DoubleArray().unit_size() != 0)
    fail(source, "precompiled_charsmap has a trie size past its end");
  trie_ = std::string_view(blob_).substr(sizeof(trie_size), trie_size);
  normalized_ = std::string_view(blob_).substr(sizeof(trie_size) + trie_size);
}

const char* PrecompiledCharsmap::transform(std::string_view chunk) const {
  if (trie_.empty()) return nullptr;
  Darts::DoubleArray trie;
  // set_array only points at the units; nothing is copied or freed.
  trie.set_array(trie_.data(), trie_.size() / trie.unit_size());
  Darts::DoubleArray::result_pair_type results[32];
  const size_t found = trie.commonPrefixSearch(chunk.data(), results, 32, chunk.size());
  if (found == 0) return nullptr;
  // Results come shortest first.
  const auto offset = static_cast<size_t>(results[0].value);
  if (offset >= normalized_.size()) return nullptr;
  return normalized_.data() + offset;  // each normalized string ends with a NUL
}

std::string PrecompiledCharsmap::normalize(std::string_view text) const {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> graphemes(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU grapheme iterator: ") + u_errorName(status));
  graphemes->setText(utext, status);
  std::string out;
  out.reserve(text.size());
  for (int32_t start = graphemes->first(), end = graphemes->next(); end != icu::BreakIterator::DONE;
       start = end, end = graphemes->next()) {
    const std::string_view grapheme = text.substr(start, end - start);
    if (grapheme.size() < 6) {
      if (const char* whole = transform(grapheme)) {
        out += whole;
        continue;
      }
    }
    for (size_t i = 0; i < grapheme.size();) {
      size_t length = 1;
      while (i + length < grapheme.size() && (static_cast<unsigned char>(grapheme[i + length]) & 0xC0) == 0x80)
        ++length;
      const std::string_view character = grapheme.substr(i, length);
      if (const char* replaced = transform(character))
        out += replaced;
      else
        out += character;
      i += length;
    }
  }
  utext_close(utext);
  return out;
}

}  // namespace deberta
