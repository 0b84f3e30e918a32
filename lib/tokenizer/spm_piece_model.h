// SentencePiece piece models: DeBERTa's (spm ids are vocabulary ids), XLM-R's
// (fairseq's ids: spm ids shifted by one) and KoBERT's (spm pieces looked up
// in a vocab.txt of their own order).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/piece_model.h"
#include "tokenizer/precompiled.h"
#include "tokenizer/wordpiece.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace deberta {

using SpmProcessor = std::shared_ptr<const sentencepiece::SentencePieceProcessor>;

// The spm ids of `text`; throws std::runtime_error when spm fails.
std::vector<int> spm_encode(const sentencepiece::SentencePieceProcessor& spm, std::string_view text);

// HF's slow DebertaV2Tokenizer text rules around spm, and a shift of the ids
// (0 for DeBERTa, 1 for fairseq's XLM-R). spm's unknown piece becomes `unk`.
// XLM-R's tokenizers pipeline first splits the text at white space
// (WhitespaceSplit) and runs the model on each word.
class SpmPieceModel final : public PieceModel {
 public:
  struct Options {
    bool do_lower_case = false;
    bool split_by_punct = false;
    int64_t id_offset = 0;
    std::string unk_text;
    int64_t unk_id = 0;
    bool split_on_white_space = false;
    // tokenize() shows unknown text as it is (tokenizers' Unigram), not as unk_text.
    bool unk_as_surface = false;
    // The tokenizers library's normalizer, applied before the split; spm's own is then identity.
    std::shared_ptr<const PrecompiledCharsmap> precompiled;
  };
  SpmPieceModel(SpmProcessor spm, Options options) : spm_(std::move(spm)), options_(std::move(options)) {}
  std::vector<int64_t> ids(std::string_view text) const override;
  std::vector<std::string> pieces(std::string_view text) const override;

 private:
  // The parts of `text` that spm encodes one by one.
  std::vector<std::string_view> words(std::string_view text, std::string& buffer) const;
  std::vector<int> spm_ids(std::string_view text) const;

  SpmProcessor spm_;
  Options options_;
};

// kobert-transformers' KoBertTokenizer: its text clean-up, spm pieces, its
// split of a number before a comma, and ids from vocab.txt (unknown pieces
// as `unk`).
class KoBertPieceModel final : public PieceModel {
 public:
  KoBertPieceModel(SpmProcessor spm, Vocab vocab, int64_t unk_id, bool do_lower_case)
      : spm_(std::move(spm)), vocab_(std::move(vocab)), unk_id_(unk_id), do_lower_case_(do_lower_case) {}
  std::vector<int64_t> ids(std::string_view text) const override;
  std::vector<std::string> pieces(std::string_view text) const override;

 private:
  // KoBertTokenizer.preprocess_text: white space collapsed, `` and '' as ",
  // accents dropped (NFKD without combining marks), lower case if asked.
  std::string clean(std::string_view text) const;

  SpmProcessor spm_;
  Vocab vocab_;
  int64_t unk_id_;
  bool do_lower_case_;
};

}  // namespace deberta
