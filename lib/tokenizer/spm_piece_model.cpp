#include "tokenizer/spm_piece_model.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <stdexcept>

#include "tokenizer/text_rules.h"
#include "tokenizer/unicode_text.h"

namespace deberta {

std::vector<int> spm_encode(const sentencepiece::SentencePieceProcessor& spm, std::string_view text) {
  std::vector<int> ids;
  const auto status = spm.Encode(text, &ids);
  if (!status.ok()) throw std::runtime_error("sentencepiece could not encode text: " + status.ToString());
  return ids;
}

std::vector<std::string_view> SpmPieceModel::words(std::string_view text, std::string& buffer) const {
  if (options_.precompiled) {
    buffer = options_.precompiled->normalize(text);
    text = buffer;
  }
  if (options_.do_lower_case) {
    buffer = lower_case(text);
    text = buffer;
  }
  // Each word is encoded on its own, so each gets its own leading ▁.
  if (options_.split_by_punct) return split_on_punctuation(text);
  if (options_.split_on_white_space) return split_on_white_space(text);
  return {text};
}

std::vector<int> SpmPieceModel::spm_ids(std::string_view text) const {
  std::string lowered;
  std::vector<int> ids;
  for (const std::string_view word : words(text, lowered)) {
    const std::vector<int> word_ids = spm_encode(*spm_, word);
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  }
  return ids;
}

std::vector<int64_t> SpmPieceModel::ids(std::string_view text) const {
  const std::vector<int> ids = spm_ids(text);
  const int spm_unk = spm_->unk_id();
  std::vector<int64_t> out(ids.size());
  std::transform(ids.begin(), ids.end(), out.begin(), [&](int id) {
    return id == spm_unk ? options_.unk_id : static_cast<int64_t>(id) + options_.id_offset;
  });
  return out;
}

std::vector<std::string> SpmPieceModel::pieces(std::string_view text) const {
  if (options_.unk_as_surface) {
    std::string lowered;
    std::vector<std::string> out;
    for (const std::string_view word : words(text, lowered)) {
      std::vector<std::string> word_pieces;
      const auto status = spm_->Encode(word, &word_pieces);
      if (!status.ok()) throw std::runtime_error("sentencepiece could not encode text: " + status.ToString());
      out.insert(out.end(), word_pieces.begin(), word_pieces.end());
    }
    return out;
  }
  const std::vector<int> ids = spm_ids(text);
  const int spm_unk = spm_->unk_id();
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const int id : ids) out.push_back(id == spm_unk ? options_.unk_text : spm_->IdToPiece(id));
  return out;
}

}  // namespace deberta
