// Pre-training data: a text corpus tokenized and packed into fixed-length
// sequences, and the masking that turns a batch of them into the
// generator's task.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "train/trainer.h"

namespace deberta {

// Sequences of `length` tokens, each [CLS] pieces [SEP]: the lines of the
// corpus (one document or sentence per line; blank lines skipped) tokenized
// and concatenated in file order, then cut. The last sequence is padded.
struct PackedCorpus {
  int64_t length = 0;
  std::vector<int32_t> ids;          // sequences x length
  std::vector<uint8_t> word_starts;  // 1 where a piece begins a word (spm's U+2581)
  int64_t sequences() const { return length > 0 ? static_cast<int64_t>(ids.size()) / length : 0; }
};

// Packs `files` with `tokenizer`. With a non-empty `cache_dir`, the result is
// kept there as token ids, keyed by the sha256 of the files, the tokenizer's
// files in `tokenizer_dir` and `length`, and read back on the next run.
// Throws std::runtime_error naming a file that cannot be read, or when the
// corpus has no text.
PackedCorpus pack_corpus(const std::vector<std::string>& files, const Tokenizer& tokenizer,
                         const std::string& tokenizer_dir, int64_t length, const std::string& cache_dir,
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

// Epochs over the training sequences (every one but the last
// `held_out`): a seeded shuffle per epoch, global batches of batch_size x
// world rows, each process taking its contiguous part, masked with the
// epoch's seed. An epoch ends when fewer than `accumulation` batches remain.
class PretrainBatches : public BatchSource {
 public:
  struct Options {
    size_t batch_size = 32;
    size_t accumulation = 1;
    int64_t held_out = 0;
    uint64_t seed = 42;
    int rank = 0;
    int world = 1;
  };
  PretrainBatches(const PackedCorpus& corpus, MaskingOptions masking, const Options& options);
  StepInput next(const TrainerState& state) override;
  int64_t steps_per_epoch() const;

 private:
  const PackedCorpus& corpus_;
  MaskingOptions masking_;
  Options options_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> order_;
};

}  // namespace deberta
