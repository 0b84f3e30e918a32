// Unicode helpers over ICU (Debian's libicu) for the BERT and KoBERT text
// rules: code points in and out of UTF-8, normalization forms, categories.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deberta {

// The code points of UTF-8 text; a byte that is not valid UTF-8 becomes U+FFFD.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view code_points);
// Whether `text` is well-formed UTF-8.
bool is_utf8(std::string_view text);

// Unicode normalization of code points (NFD, NFKD).
std::u32string nfd(std::u32string_view text);
std::u32string nfkd(std::u32string_view text);

// General category Mn (a nonspacing mark).
bool is_nonspacing_mark(char32_t c);
// A canonical combining class other than 0 (Python's unicodedata.combining).
bool is_combining(char32_t c);
// The White_Space property (Rust's char::is_whitespace).
bool is_white_space(char32_t c);
// Python's str.isspace(): category Zs, or bidi class WS, B or S.
bool is_python_space(char32_t c);
// The runs of `text` between White_Space characters (the views point into it).
std::vector<std::string_view> split_on_white_space(std::string_view text);

// Python's str.isdigit() for one character: a Numeric_Type of Decimal or Digit.
bool is_python_digit(char32_t c);
// A general category of P (punctuation).
bool is_unicode_punctuation(char32_t c);

}  // namespace deberta
