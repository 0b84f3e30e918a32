// Data parallelism on the trainer's seams. Every process holds the whole
// model; each step's global batch is split across the processes (the batch
// source does that), and after the backward pass the gradients are summed
// in flat buckets. Each process weights its micro-batch losses by their
// share of the global micro-batch, so the sum is the gradient of the global
// batch's mean loss: the result depends on the number of processes only
// through the order of floating-point sums.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/distributed.h"
#include "train/step.h"
#include "train/trainer.h"

namespace deberta {

class DataParallel {
 public:
  DataParallel(ProcessGroup& group, torch::nn::Module& module, int64_t bucket_bytes = 25 << 20);

  // Gives every process rank 0's parameters.
  void broadcast_parameters();

  // The after-backward hook: sums the gradients (a missing gradient counts
  // as zeros) and the step's loss over the processes.
  AfterBackward after_backward();

  // The before-step hook: seeds the generators from (seed, rank, step), so
  // that each process draws its own dropout masks and a resumed run draws
  // the same ones without a saved generator state.
  std::function<void(const TrainerState&)> before_step(uint64_t seed);

  // Sets both hooks of `hooks`: what a data-parallel fit needs.
  void install(TrainerHooks& hooks, uint64_t seed);

 private:
  // Sums (or with broadcast, copies from rank 0) the flat buckets of the
  // parameters' gradients, or of the parameters themselves.
  void reduce(bool gradients);

  ProcessGroup& group_;
  std::vector<std::vector<torch::Tensor>> buckets_;  // the parameters, in order, about bucket_bytes each
};

}  // namespace deberta
