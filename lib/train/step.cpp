#include "train/step.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

#include "model/heads.h"
#include "train/optimizer.h"

namespace deberta {

Batch to_device(const Batch& batch, const c10::Device& device) {
  if (batch.inputs.input_ids.device() == device) return batch;
  // Pinned host memory lets the copy overlap the previous step's kernels.
  const bool async = device.is_cuda();
  const auto move = [&](const torch::Tensor& t) {
    return t.defined() ? (async ? t.pin_memory() : t).to(device, /*non_blocking=*/async) : t;
  };
  return {{move(batch.inputs.input_ids), move(batch.inputs.attention_mask), move(batch.inputs.token_type_ids)},
          move(batch.labels),
          batch.share};
}

Objective classification_objective(DebertaV2ForSequenceClassification model, c10::Device device, Precision precision) {
  return [model, device, precision](const Batch& batch) mutable {
    torch::Tensor logits;
    {
      AutocastGuard autocast(device, precision);
      logits = model(batch.inputs).logits;
    }
    return sequence_classification_loss(logits, batch.labels);
  };
}

double clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  for (const auto& g : grads) norms.push_back(g.norm(2));
  // Reduced and scaled in the gradients' dtype, as torch does, so the logged
  // norm and the clipped gradients agree with a PyTorch run.
  const auto total = torch::stack(norms).norm(2);
  if (max_norm > 0) {
    const auto scale = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.mul_(scale);
  }
  return total.item<double>();
}

StepResult train_step(torch::nn::Module& module, const Objective& objective, Optimization& optimization, int64_t step,
                      const std::vector<Batch>& micro_batches, const AfterBackward& after_backward) {
  if (micro_batches.empty()) throw std::invalid_argument("train_step needs at least one micro-batch");
  module.train();
  const double scale = 1.0 / static_cast<double>(micro_batches.size());
  LossScaler& scaler = optimization.scaler;
  StepResult result;
  result.loss_scale = scaler.scale();
  for (const auto& batch : micro_batches) {
    if (batch.share == 0.0) continue;
    // A share of 1 leaves the single-process arithmetic exactly as it was.
    const auto loss = batch.share == 1.0 ? objective(batch) * scale : objective(batch) * (scale * batch.share);
    scaler.scale_loss(loss).backward();
    result.loss += loss.item<double>();
  }
  if (after_backward) after_backward(result);
  const auto parameters = module.parameters();
  result.skipped = scaler.unscale(parameters);
  result.lr = optimization.schedule.lr_at(step);
  result.grad_norm_before_clip = clip_grad_norm(parameters, optimization.max_grad_norm);
  result.finite = std::isfinite(result.loss) && (scaler.enabled() || std::isfinite(result.grad_norm_before_clip));
  if (result.finite && !result.skipped) {
    set_learning_rate(optimization.optimizer, result.lr);
    optimization.optimizer.step();
  }
  scaler.update(result.skipped);
  optimization.optimizer.zero_grad();
  return result;
}

}  // namespace deberta
