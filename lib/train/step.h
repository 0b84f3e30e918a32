// One optimisation step of the trainer, as Hugging Face Trainer takes it:
// forward and backward over the micro-batches, global-norm clipping, the
// scheduled learning rate, AdamW, and zeroed gradients.
#pragma once

#include <torch/nn/module.h>

#include <functional>
#include <vector>

#include "model/sequence_classifier.h"
#include "runtime/precision.h"
#include "train/optimizer.h"
#include "train/step_profile.h"

namespace deberta {

struct Batch {
  ModelInputs inputs;
  torch::Tensor labels;  // [B]: class ids (negative ones are ignored), or floats for regression
  // This process's part of the global micro-batch (its rows over the global
  // micro-batch's rows); its loss is weighted by it, so that the processes'
  // gradients sum to the global mean's. 1 in a single process; 0 for a
  // process whose part is empty.
  double share = 1.0;
};

// The batch's tensors on `device` (the batch itself when they are there).
Batch to_device(const Batch& batch, const c10::Device& device);

struct StepResult {
  double loss = 0;                   // before the update; the mean over the micro-batches
  double lr = 0;                     // the rate the step used
  double grad_norm_before_clip = 0;  // what clip_grad_norm_ returns
  // False when the loss or (without loss scaling) the gradient norm is NaN
  // or infinite. The update is then not applied, so the weights stay those
  // of the last good step, and the caller must stop.
  bool finite = true;
  // fp16 only: the scaled gradients overflowed, so the update was skipped
  // and the loss scale backed off; training goes on.
  bool skipped = false;
  double loss_scale = 1;  // the scale this step's loss was multiplied by (1 without scaling)
};

// The loss of one micro-batch: runs the model on it.
using Objective = std::function<torch::Tensor(const Batch& batch)>;

// The sequence-classification loss of transformers: cross-entropy, or MSE for
// one output. The forward runs under autocast at `precision` on `device`
// (the model's); the loss is computed in fp32.
Objective classification_objective(SequenceClassifier model, c10::Device device = c10::kCPU,
                                   Precision precision = Precision::kFp32);

// Called once a step's backward passes are done and before clipping, with
// the step's loss so far (a double scalar on the model's device, which it may
// replace): every gradient of this process is complete here, which is where
// data-parallel training averages them.
using AfterBackward = std::function<void(torch::Tensor& loss)>;

// The global L2 norm of the gradients of `parameters`, computed as
// torch.nn.utils.clip_grad_norm_ does. When max_norm > 0 and the norm exceeds
// it, the gradients are scaled by max_norm / (norm + 1e-6). Returns the norm
// before clipping; parameters without a gradient are left out.
double clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm);
// The same, leaving the norm on the device (no host sync).
torch::Tensor clip_grad_norm_deferred(const std::vector<torch::Tensor>& parameters, double max_norm);

// Step `step` (0-based; it picks the learning rate) of `module`'s parameters
// over one or more micro-batches whose gradients accumulate. Each loss is
// scaled by 1/k for k micro-batches, as HF does, so equal-sized micro-batches
// give the gradient of their union; each loss is also weighted by its batch's
// share, and a batch of share 0 is left out. With optimization.scaler enabled (fp16)
// the losses are scaled before backward and the gradients unscaled before
// clipping, and a step with overflowed gradients is skipped. The module is
// put in train mode; the gradients are cleared (set to none) on return.
// With `profile`, the phases are timed (after a device synchronise each).
StepResult train_step(torch::nn::Module& module, const Objective& objective, Optimization& optimization, int64_t step,
                      const std::vector<Batch>& micro_batches, const AfterBackward& after_backward = {},
                      StepProfile* profile = nullptr);

}  // namespace deberta
