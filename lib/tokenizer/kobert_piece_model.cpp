// KoBERT's tokenizer as kobert-transformers (PyPI) reads the Hub's
// monologg/kobert and monologg/distilkobert: its text clean-up, spm pieces,
// then its own vocab.txt for the ids.
#include <sentencepiece_processor.h>

#include <stdexcept>

#include "tokenizer/spm_piece_model.h"
#include "tokenizer/text_rules.h"
#include "tokenizer/unicode_text.h"

namespace deberta {

namespace {

constexpr std::string_view kSpaceMark = "\u2581";

// Python's " ".join(text.split()): runs of white space become one space, none at the ends.
std::u32string collapse_spaces(std::u32string_view text) {
  std::u32string out;
  bool pending_space = false;
  for (const char32_t c : text) {
    if (is_python_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += U' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::string without_space_marks(std::string_view text) { return replace_all(std::string(text), kSpaceMark, ""); }

std::vector<std::string> encode_pieces(const sentencepiece::SentencePieceProcessor& spm, std::string_view text) {
  std::vector<std::string> pieces;
  const auto status = spm.Encode(text, &pieces);
  if (!status.ok()) throw std::runtime_error("sentencepiece could not encode text: " + status.ToString());
  return pieces;
}

bool starts_with_mark(std::string_view piece) { return piece.substr(0, kSpaceMark.size()) == kSpaceMark; }

// A piece such as "▁1," (a digit, then a comma) that KoBERT encodes again
// without the comma, so that the number's pieces match its other uses.
bool is_number_comma(std::string_view piece) {
  const std::u32string chars = decode_utf8(piece);
  return chars.size() > 1 && chars.back() == U',' && is_python_digit(chars[chars.size() - 2]);
}

}  // namespace

std::string KoBertPieceModel::clean(std::string_view text) const {
  std::string out = encode_utf8(collapse_spaces(decode_utf8(text)));
  out = replace_all(replace_all(std::move(out), "``", "\""), "''", "\"");
  std::u32string kept;
  for (const char32_t c : nfkd(decode_utf8(out)))
    if (!is_combining(c)) kept += c;
  out = encode_utf8(kept);
  return do_lower_case_ ? lower_case(out) : out;
}

std::vector<std::string> KoBertPieceModel::pieces(std::string_view text) const {
  std::vector<std::string> out;
  for (std::string& piece : encode_pieces(*spm_, clean(text))) {
    if (!is_number_comma(piece)) {
      out.push_back(std::move(piece));
      continue;
    }
    std::vector<std::string> again = encode_pieces(*spm_, without_space_marks(piece.substr(0, piece.size() - 1)));
    // The number keeps its leading ▁ only when the piece had one.
    if (!starts_with_mark(piece) && !again.empty() && starts_with_mark(again.front())) {
      if (again.front() == kSpaceMark)
        again.erase(again.begin());
      else
        again.front().erase(0, kSpaceMark.size());
    }
    again.emplace_back(",");
    out.insert(out.end(), again.begin(), again.end());
  }
  return out;
}

std::vector<int64_t> KoBertPieceModel::ids(std::string_view text) const {
  std::vector<int64_t> out;
  for (const std::string& piece : pieces(text)) {
    const auto it = vocab_.find(piece);
    out.push_back(it == vocab_.end() ? unk_id_ : it->second);
  }
  return out;
}

}  // namespace deberta
