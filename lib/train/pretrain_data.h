// Pre-training data: a text corpus tokenized and packed into fixed-length
// sequences, and the masking that turns a batch of them into the
// generator's task.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "data/random.h"
#include "tokenizer/tokenizer.h"
#include "train/trainer.h"

namespace deberta {

// Sequences of `length` tokens, each [CLS] pieces [SEP]: the lines of the
// corpus (one document or sentence per line; blank lines skipped) tokenized
// and concatenated in file order, then cut. The last sequence is padded.
// pack_corpus writes them to a file that is then mapped, so a corpus larger
// than memory works: the pages of the rows in use are read in as they are
// touched. Tests build one in memory.
class PackedCorpus {
 public:
  PackedCorpus() = default;
  PackedCorpus(int64_t length, std::vector<int32_t> ids, std::vector<uint8_t> word_starts);
  // A file pack_corpus wrote; throws std::runtime_error naming it when it is
  // not one (damaged, truncated or of another length).
  static PackedCorpus map(const std::string& path, int64_t length);

  int64_t length() const { return length_; }
  int64_t sequences() const { return sequences_; }
  const int32_t* ids(int64_t row) const;
  // 1 where a piece begins a word (spm's U+2581) or is special.
  const uint8_t* word_starts(int64_t row) const;

 private:
  std::shared_ptr<const void> storage_;  // the mapping, or the vectors
  const char* rows_ = nullptr;
  int64_t length_ = 0, sequences_ = 0, stride_ = 0;
};

// Packs `files` with `tokenizer` into `directory`, as
// corpus-SHA256.bin keyed by the sha256 of the files, the tokenizer's files in
// `tokenizer_dir` and `length`, and maps it; a later run with the same key
// maps the file again without tokenizing. Memory holds one line at a time.
// Throws std::runtime_error naming a file that cannot be read, or when the
// corpus has no text.
PackedCorpus pack_corpus(const std::vector<std::string>& files, const Tokenizer& tokenizer,
                         const std::string& tokenizer_dir, int64_t length, const std::string& directory,
                         std::ostream& log);

struct MaskingOptions {
  double mask_prob = 0.15;
  bool whole_word = false;
  int64_t mask_id = 0;
  int64_t pad_id = 0;                // attention mask 0
  int64_t vocab_size = 0;            // random replacements are drawn below this, special ids excluded
  std::vector<int64_t> special_ids;  // never chosen
};

// BERT's masking of sequence rows `rows` of `corpus`: each token (or, with
// whole_word, each word) is chosen with probability mask_prob, never a
// special token; a chosen token becomes [MASK] (80%), a random piece (10%)
// or stays (10%). The batch's labels are the original id where chosen and
// -100 elsewhere; the draws of row r come from (seed, r), so a row is masked
// the same in any batch and any process.
Batch mask_rows(const PackedCorpus& corpus, const std::vector<int64_t>& rows, const MaskingOptions& options,
                uint64_t seed);

// Epochs over the training sequences (every one but the last `held_out`):
// per epoch, the order of a seeded ShuffleBuffer of `shuffle_buffer`
// sequences, cut into global batches of batch_size x world rows, each
// process taking its contiguous part, masked with the epoch's seed. An epoch
// ends when fewer than `accumulation` batches remain. Every process follows
// the whole order (indices only) and reads only its own rows.
class PretrainBatches : public BatchSource {
 public:
  struct Options {
    size_t batch_size = 32;
    size_t accumulation = 1;
    int64_t held_out = 0;
    uint64_t seed = 42;
    int rank = 0;
    int world = 1;
    size_t shuffle_buffer = 1 << 16;
  };
  PretrainBatches(const PackedCorpus& corpus, MaskingOptions masking, const Options& options);
  StepInput next(const TrainerState& state) override;
  int64_t steps_per_epoch() const;

 private:
  const PackedCorpus& corpus_;
  MaskingOptions masking_;
  Options options_;
  int64_t epoch_ = -1;
  std::optional<ShuffleBuffer> order_;
  int64_t drawn_ = 0;  // of the epoch's order
  int64_t training_sequences() const { return corpus_.sequences() - options_.held_out; }
};

}  // namespace deberta
