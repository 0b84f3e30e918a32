#include "tokenizer/unicode_text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <stdexcept>

namespace deberta {

namespace {

icu::UnicodeString to_icu(std::u32string_view text) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()),
                                       static_cast<int32_t>(text.size()));
}

std::u32string from_icu(const icu::UnicodeString& text) {
  std::u32string out;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) out += static_cast<char32_t>(text.char32At(i));
  return out;
}

using Instance = const icu::Normalizer2* (*)(UErrorCode&);

std::u32string normalize(std::u32string_view text, Instance instance) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = instance(status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
  const icu::UnicodeString result = normalizer->normalize(to_icu(text), status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU could not normalize text: ") + u_errorName(status));
  return from_icu(result);
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    out += c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
  }
  return out;
}

bool is_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (const char32_t c : code_points) {
    uint8_t buffer[U8_MAX_LENGTH];
    int32_t length = 0;
    UBool error = false;
    U8_APPEND(buffer, length, U8_MAX_LENGTH, static_cast<UChar32>(c), error);
    if (error) continue;  // a surrogate or a value past U+10FFFF has no UTF-8 form
    out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  }
  return out;
}

std::u32string nfd(std::u32string_view text) { return normalize(text, &icu::Normalizer2::getNFDInstance); }
std::u32string nfkd(std::u32string_view text) { return normalize(text, &icu::Normalizer2::getNFKDInstance); }

bool is_nonspacing_mark(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK; }

bool is_combining(char32_t c) { return u_getCombiningClass(static_cast<UChar32>(c)) != 0; }

bool is_white_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

bool is_python_space(char32_t c) {
  const auto code = static_cast<UChar32>(c);
  if (u_charType(code) == U_SPACE_SEPARATOR) return true;
  const UCharDirection direction = u_charDirection(code);
  return direction == U_WHITE_SPACE_NEUTRAL || direction == U_BLOCK_SEPARATOR || direction == U_SEGMENT_SEPARATOR;
}

std::vector<std::string_view> split_on_white_space(std::string_view text) {
  std::vector<std::string_view> words;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t word_start = 0;
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && is_white_space(static_cast<char32_t>(c))) {
      if (start > word_start) words.push_back(text.substr(word_start, start - word_start));
      word_start = i;
    }
  }
  if (length > word_start) words.push_back(text.substr(word_start));
  return words;
}

bool is_python_digit(char32_t c) {
  const int32_t type = u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE);
  return type == U_NT_DECIMAL || type == U_NT_DIGIT;
}

bool is_unicode_punctuation(char32_t c) { return u_ispunct(static_cast<UChar32>(c)); }

}  // namespace deberta
