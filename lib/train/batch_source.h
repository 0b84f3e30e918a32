// Where the trainer's steps get their micro-batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/batching.h"
#include "train/features.h"
#include "train/trainer.h"

namespace deberta {

// Epochs over an encoded training split, as finetune trains: each epoch a
// seeded shuffle (seed + epoch), grouped by length when asked, cut into
// global batches of batch_size x world examples; `accumulation` of them per
// step. An epoch ends when fewer than `accumulation` batches are left. Each
// process takes its contiguous part of every global batch (as even as
// possible), padded to its longest example: the global batches, and so the
// examples of every step, are the same for any number of processes.
class EpochBatches : public BatchSource {
 public:
  struct Options {
    size_t batch_size = 32;
    size_t accumulation = 1;
    bool group_by_length = true;
    uint64_t seed = 42;
    int64_t pad_id = 0;
    bool regression = false;
    c10::Device device{c10::kCPU};  // where the batches go
    int rank = 0;                   // this process, of
    int world = 1;                  // the processes that share each global batch
  };
  // Keeps a reference to `split`. Throws std::runtime_error when the split
  // has fewer examples than one step takes.
  EpochBatches(const EncodedSplit& split, const Options& options);

  StepInput next(const TrainerState& state) override;

 private:
  const std::vector<BatchIndices>& batches_of(int64_t epoch);

  const EncodedSplit& split_;
  Options options_;
  int64_t cached_epoch_ = -1;
  std::vector<BatchIndices> batches_;
};

// The same batches over and over: step k takes batches[k % n] (replay's
// recorded batches, bench's fixed shape). It never ends an epoch.
class RepeatedBatches : public BatchSource {
 public:
  explicit RepeatedBatches(std::vector<Batch> batches);
  StepInput next(const TrainerState& state) override;

 private:
  std::vector<Batch> batches_;
};

}  // namespace deberta
