#include "train/data_parallel.h"

#include <torch/torch.h>

#include "data/random.h"

namespace deberta {

DataParallel::DataParallel(ProcessGroup& group, torch::nn::Module& module, int64_t bucket_bytes) : group_(group) {
  int64_t filled = 0;
  for (const auto& parameter : module.parameters()) {
    const int64_t bytes = parameter.numel() * static_cast<int64_t>(parameter.element_size());
    if (buckets_.empty() || filled + bytes > bucket_bytes) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().push_back(parameter);
    filled += bytes;
  }
}

void DataParallel::reduce(bool gradients) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flats;
  for (const auto& bucket : buckets_) {
    std::vector<torch::Tensor> pieces;
    for (const auto& p : bucket) {
      const torch::Tensor& source = gradients ? p.grad() : p;
      pieces.push_back(source.defined() ? source.reshape({-1}) : torch::zeros({p.numel()}, p.options()));
    }
    flats.push_back(torch::cat(pieces));
  }
  if (gradients)
    group_.all_reduce_sum(flats);
  else
    group_.broadcast(flats, 0);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    int64_t offset = 0;
    for (auto p : buckets_[b]) {
      const auto slice = flats[b].narrow(0, offset, p.numel()).view(p.sizes());
      offset += p.numel();
      if (!gradients)
        p.copy_(slice);
      else if (p.grad().defined())
        p.mutable_grad().copy_(slice);
      else
        p.mutable_grad() = slice.clone();
    }
  }
}

void DataParallel::broadcast_parameters() { reduce(/*gradients=*/false); }

AfterBackward DataParallel::after_backward() {
  return [this](torch::Tensor& loss) {
    reduce(/*gradients=*/true);
    // On the gradients' device: NCCL reduces device memory only.
    std::vector<torch::Tensor> sum = {loss.reshape({1})};
    group_.all_reduce_sum(sum);
    loss = sum[0].reshape({});
  };
}

std::function<void(const TrainerState&)> DataParallel::before_step(uint64_t seed) {
  return [this, seed](const TrainerState& state) {
    // splitmix64 of the three, so that nearby seeds, ranks and steps differ in every bit.
    torch::manual_seed(splitmix64(seed + 0x9E3779B97F4A7C15ULL * (static_cast<uint64_t>(group_.rank()) * 1000003ULL +
                                                                  static_cast<uint64_t>(state.step) + 1)));
  };
}

void DataParallel::install(TrainerHooks& hooks, uint64_t seed) {
  hooks.after_backward = after_backward();
  hooks.before_step = before_step(seed);
}

}  // namespace deberta
