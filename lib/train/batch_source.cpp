#include "train/batch_source.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

#include "train/collate.h"

namespace deberta {

EpochBatches::EpochBatches(const EncodedSplit& split, const Options& options) : split_(split), options_(options) {
  if (options_.batch_size == 0 || options_.accumulation == 0 || options_.world < 1)
    throw std::invalid_argument("the batch size, gradient accumulation and processes must be at least 1");
  if (batches_of(0).size() < options_.accumulation)
    throw std::runtime_error(fmt::format("{} training examples are fewer than one step takes ({} x {})",
                                         split_.encodings.size(), options_.batch_size * options_.world,
                                         options_.accumulation));
}

const std::vector<BatchIndices>& EpochBatches::batches_of(int64_t epoch) {
  if (epoch != cached_epoch_) {
    batches_ = epoch_batches(split_.lengths, options_.batch_size * static_cast<size_t>(options_.world), true,
                             options_.group_by_length, options_.seed + static_cast<uint64_t>(epoch));
    cached_epoch_ = epoch;
  }
  return batches_;
}

StepInput EpochBatches::next(const TrainerState& state) {
  const auto& batches = batches_of(state.epoch);
  StepInput input;
  const auto world = static_cast<size_t>(options_.world), rank = static_cast<size_t>(options_.rank);
  for (size_t k = 0; k < options_.accumulation; ++k) {
    const auto& global = batches.at(state.next_batch + k);
    // This process's rows: the first (size % world) processes take one more.
    const size_t base = global.size() / world, extra = global.size() % world;
    const size_t begin = rank * base + std::min(rank, extra), count = base + (rank < extra ? 1 : 0);
    const BatchIndices mine(global.begin() + static_cast<std::ptrdiff_t>(begin),
                            global.begin() + static_cast<std::ptrdiff_t>(begin + count));
    Batch batch = collate(split_.encodings, split_.targets, mine, options_.pad_id, options_.regression);
    batch.share = world == 1 ? 1.0 : static_cast<double>(count) / static_cast<double>(global.size());
    input.micro_batches.push_back(to_device(batch, options_.device));
    input.examples += static_cast<int64_t>(global.size());
  }
  input.ends_epoch = state.next_batch + 2 * options_.accumulation > batches.size();
  return input;
}

RepeatedBatches::RepeatedBatches(std::vector<Batch> batches) : batches_(std::move(batches)) {
  if (batches_.empty()) throw std::invalid_argument("RepeatedBatches needs at least one batch");
}

StepInput RepeatedBatches::next(const TrainerState& state) {
  const Batch& batch = batches_[static_cast<size_t>(state.step) % batches_.size()];
  return {{batch}, batch.labels.size(0), false};
}

}  // namespace deberta
