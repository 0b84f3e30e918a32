#include "tokenizer/text_rules.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "tokenizer/unicode_tables.h"

namespace deberta {

namespace {

struct CodePoint {
  char32_t value;
  size_t length;  // bytes it takes in the text
  bool valid;
};

// Decodes the UTF-8 sequence at text[pos]. An invalid byte is a one-byte
// invalid code point, so callers can copy it through.
CodePoint decode(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  size_t length = 0;
  char32_t value = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07;
  } else {
    return {lead, 1, false};
  }
  if (pos + length > text.size()) return {lead, 1, false};
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {lead, 1, false};
    value = (value << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {lead, 1, false};
  return {value, length, true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

char32_t lower_code_point(char32_t cp) {
  using unicode_tables::kLowerRuns;
  const auto* run = std::upper_bound(std::begin(kLowerRuns), std::end(kLowerRuns), cp,
                                     [](char32_t c, const unicode_tables::LowerRun& r) { return c < r.first; });
  if (run == std::begin(kLowerRuns)) return cp;
  --run;
  if (cp > run->last || (cp - run->first) % run->stride != 0) return cp;
  return static_cast<char32_t>(static_cast<int32_t>(cp) + run->delta);
}

bool is_punctuation(char32_t cp) {
  using unicode_tables::kPunctuation;
  const auto* range = std::upper_bound(std::begin(kPunctuation), std::end(kPunctuation), cp,
                                       [](char32_t c, const unicode_tables::CodeRange& r) { return c < r.first; });
  return range != std::begin(kPunctuation) && cp <= (range - 1)->last;
}

}  // namespace

std::string lower_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode(text, pos);
    if (!cp.valid) {
      out += text[pos];
    } else if (cp.value == 0x0130) {
      // The one code point whose Python lower case is two: İ -> i + combining dot.
      out += "i\xCC\x87";
    } else {
      append_utf8(out, lower_code_point(cp.value));
    }
    pos += cp.length;
  }
  return out;
}

std::vector<std::string_view> split_on_punctuation(std::string_view text) {
  std::vector<std::string_view> words;
  size_t word_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decode(text, pos);
    if (cp.valid && is_punctuation(cp.value)) {
      if (pos > word_start) words.push_back(text.substr(word_start, pos - word_start));
      words.push_back(text.substr(pos, cp.length));
      word_start = pos + cp.length;
    }
    pos += cp.length;
  }
  if (text.size() > word_start) words.push_back(text.substr(word_start));
  return words;
}

}  // namespace deberta
