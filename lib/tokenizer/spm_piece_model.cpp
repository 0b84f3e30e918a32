#include "tokenizer/spm_piece_model.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <stdexcept>

#include "tokenizer/text_rules.h"

namespace deberta {

std::vector<int> spm_encode(const sentencepiece::SentencePieceProcessor& spm, std::string_view text) {
  std::vector<int> ids;
  const auto status = spm.Encode(text, &ids);
  if (!status.ok()) throw std::runtime_error("sentencepiece could not encode text: " + status.ToString());
  return ids;
}

std::vector<int> SpmPieceModel::spm_ids(std::string_view text) const {
  std::string lowered;
  if (options_.do_lower_case) {
    lowered = lower_case(text);
    text = lowered;
  }
  if (!options_.split_by_punct) return spm_encode(*spm_, text);
  // Each word is encoded on its own, so each gets its own leading ▁.
  std::vector<int> ids;
  for (const std::string_view word : split_on_punctuation(text)) {
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
  const std::vector<int> ids = spm_ids(text);
  const int spm_unk = spm_->unk_id();
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const int id : ids) out.push_back(id == spm_unk ? options_.unk_text : spm_->IdToPiece(id));
  return out;
}

}  // namespace deberta
