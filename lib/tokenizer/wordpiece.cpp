#include "tokenizer/wordpiece.h"

#include <unicode/uchar.h>

#include <stdexcept>

#include "tokenizer/text_rules.h"
#include "tokenizer/unicode_text.h"
#include "util/atomic_file.h"
#include "util/text.h"

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

// BERT counts tab, newline and carriage return as white space, not control.
bool is_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      // Unassigned code points stay, as in the tokenizers library.
      return false;
  }
}

// The CJK Unified Ideographs blocks that BERT puts spaces around (not Hangul, kana or CJK punctuation).
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// BERT's punctuation: every ASCII character that is not a letter, digit,
// space or control (so $, +, ^ and ` too), and Unicode's P categories.
bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return is_unicode_punctuation(c);
}

std::u32string clean(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    out += is_white_space(c) ? U' ' : c;
  }
  return out;
}

std::u32string space_cjk(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    if (is_cjk_ideograph(c))
      out.append({U' ', c, U' '});
    else
      out += c;
  }
  return out;
}

std::u32string strip_accents(std::u32string_view text) {
  std::u32string out;
  for (const char32_t c : nfd(text))
    if (!is_nonspacing_mark(c)) out += c;
  return out;
}

// The tokenizers library's order: clean, CJK, accents, then lower case.
std::u32string normalize(std::string_view text, const BertTextRules& rules) {
  std::u32string chars = decode_utf8(text);
  if (rules.clean_text) chars = clean(chars);
  if (rules.handle_chinese_chars) chars = space_cjk(chars);
  if (rules.strip_accents.value_or(rules.lowercase)) chars = strip_accents(chars);
  if (rules.lowercase) chars = decode_utf8(lower_case(encode_utf8(chars)));
  return chars;
}

}  // namespace

Vocab parse_vocab_txt(std::string_view text, const std::string& source) {
  if (text.empty()) fail(source, "is empty; a vocab.txt has one token a line");
  if (!is_utf8(text)) fail(source, "is not UTF-8 text");
  Vocab vocab;
  size_t line_start = 0;
  int64_t line = 0;
  while (line_start < text.size()) {
    size_t end = text.find('\n', line_start);
    const size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(line_start, end - line_start);
    if (!token.empty() && token.back() == '\r') token.remove_suffix(1);
    ++line;
    if (token.empty()) fail(source, "line " + std::to_string(line) + " is empty; every line must hold a token");
    const auto [it, added] = vocab.emplace(std::string(token), line - 1);
    if (!added)
      fail(source, "line " + std::to_string(line) + ": token " + json_quoted(token) + " is already on line " +
                       std::to_string(it->second + 1));
    line_start = next;
  }
  return vocab;
}

Vocab read_vocab_txt(const std::string& path) { return parse_vocab_txt(read_file(path), path); }

std::vector<std::string> bert_words(std::string_view text, const BertTextRules& rules) {
  std::vector<std::string> words;
  std::u32string word;
  const auto end_word = [&] {
    if (!word.empty()) words.push_back(encode_utf8(word));
    word.clear();
  };
  for (const char32_t c : normalize(text, rules)) {
    if (is_white_space(c)) {
      end_word();
    } else if (is_bert_punctuation(c)) {
      end_word();
      words.push_back(encode_utf8(std::u32string(1, c)));
    } else {
      word += c;
    }
  }
  end_word();
  return words;
}

WordPieceModel::WordPieceModel(Vocab vocab, BertTextRules rules, std::string unk, std::string prefix,
                               size_t max_word_chars)
    : vocab_(std::move(vocab)),
      rules_(rules),
      unk_(std::move(unk)),
      unk_id_(vocab_.at(unk_)),
      prefix_(std::move(prefix)),
      max_word_chars_(max_word_chars) {}

void WordPieceModel::split_word(const std::string& word, std::vector<Piece>& out) const {
  // Byte offsets where characters start, and the end.
  std::vector<size_t> bounds;
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) bounds.push_back(i);
  if (bounds.size() > max_word_chars_) {
    out.emplace_back(unk_, unk_id_);
    return;
  }
  bounds.push_back(word.size());
  const size_t first = out.size();
  for (size_t start = 0; start + 1 < bounds.size();) {
    size_t end = bounds.size() - 1;
    for (; end > start; --end) {
      std::string candidate = word.substr(bounds[start], bounds[end] - bounds[start]);
      if (start > 0) candidate.insert(0, prefix_);
      if (const auto it = vocab_.find(candidate); it != vocab_.end()) {
        out.emplace_back(std::move(candidate), it->second);
        break;
      }
    }
    if (end == start) {
      out.resize(first);
      out.emplace_back(unk_, unk_id_);
      return;
    }
    start = end;
  }
}

std::vector<WordPieceModel::Piece> WordPieceModel::encode(std::string_view text) const {
  std::vector<Piece> pieces;
  for (const std::string& word : bert_words(text, rules_)) split_word(word, pieces);
  return pieces;
}

std::vector<int64_t> WordPieceModel::ids(std::string_view text) const {
  std::vector<int64_t> out;
  for (auto& [piece, id] : encode(text)) out.push_back(id);
  return out;
}

std::vector<std::string> WordPieceModel::pieces(std::string_view text) const {
  std::vector<std::string> out;
  for (auto& [piece, id] : encode(text)) out.push_back(std::move(piece));
  return out;
}

}  // namespace deberta
