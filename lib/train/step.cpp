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
  return {{move(batch.inputs.input_ids), move(batch.inputs.attention_mask), move(batch.inputs.token_type_ids),
           batch.inputs.may_have_padding},
          move(batch.labels),
          batch.share};
}

Objective classification_objective(SequenceClassifier model, c10::Device device, Precision precision) {
  return [model, device, precision](const Batch& batch) mutable {
    torch::Tensor logits;
    {
      AutocastGuard autocast(device, precision);
      logits = model(batch.inputs).logits;
    }
    return sequence_classification_loss(logits, batch.labels);
  };
}

torch::Tensor clip_grad_norm_deferred(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({}, torch::kFloat);
  torch::NoGradGuard no_grad;
  // Reduced and scaled in the gradients' dtype, as torch does, so the logged
  // norm and the clipped gradients agree with a PyTorch run.
  const auto total = torch::stack(at::_foreach_norm(grads, 2)).norm(2);
  if (max_norm > 0) at::_foreach_mul_(grads, (max_norm / (total + 1e-6)).clamp_max(1.0));
  return total;
}

double clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  return clip_grad_norm_deferred(parameters, max_norm).item<double>();
}

StepResult train_step(torch::nn::Module& module, const Objective& objective, Optimization& optimization, int64_t step,
                      const std::vector<Batch>& micro_batches, const AfterBackward& after_backward,
                      StepProfile* profile) {
  if (micro_batches.empty()) throw std::invalid_argument("train_step needs at least one micro-batch");
  const auto mark = [profile](StepPhase phase) {
    if (profile) profile->mark(phase);
  };
  if (profile) profile->begin_step();
  module.train();
  const double scale = 1.0 / static_cast<double>(micro_batches.size());
  LossScaler& scaler = optimization.scaler;
  // The loss stays on the device until the step's one host sync; summed in
  // double, as a host-side sum of the micro-batches' losses would be.
  torch::Tensor loss_sum;
  for (const auto& batch : micro_batches) {
    if (batch.share == 0.0) continue;
    // A share of 1 leaves the single-process arithmetic exactly as it was.
    const auto loss = batch.share == 1.0 ? objective(batch) * scale : objective(batch) * (scale * batch.share);
    mark(StepPhase::kForward);
    scaler.scale_loss(loss).backward();
    const auto as_double = loss.detach().to(torch::kDouble);
    loss_sum = loss_sum.defined() ? loss_sum + as_double : as_double;
    mark(StepPhase::kBackward);
  }
  const auto parameters = module.parameters();
  const auto device = parameters.front().device();
  if (!loss_sum.defined()) loss_sum = torch::zeros({}, torch::TensorOptions(device).dtype(torch::kDouble));
  if (after_backward) after_backward(loss_sum);
  mark(StepPhase::kReduce);
  const auto found_inf = scaler.unscale_deferred(parameters);
  const auto norm = clip_grad_norm_deferred(parameters, optimization.max_grad_norm);

  // The step's one host sync: the loss, the norm and, with loss scaling,
  // the overflow flag and the scale, read together.
  std::vector<torch::Tensor> figures = {loss_sum.reshape({1}), norm.to(device, torch::kDouble).reshape({1})};
  if (found_inf.defined()) {
    figures.push_back(found_inf.to(torch::kDouble).reshape({1}));
    figures.push_back(scaler.scale_tensor().to(torch::kDouble).reshape({1}));
  }
  const auto host = torch::cat(figures).cpu();
  const double* read = host.data_ptr<double>();
  StepResult result;
  result.loss = read[0];
  result.grad_norm_before_clip = read[1];
  result.skipped = found_inf.defined() && read[2] != 0.0;
  result.loss_scale = found_inf.defined() ? read[3] : 1.0;
  result.lr = optimization.schedule.lr_at(step);
  result.finite = std::isfinite(result.loss) && (scaler.enabled() || std::isfinite(result.grad_norm_before_clip));
  mark(StepPhase::kClip);
  if (result.finite && !result.skipped) {
    set_learning_rate(optimization.optimizer, result.lr);
    optimization.optimizer.step();
  }
  scaler.update(result.skipped);
  mark(StepPhase::kOptimizer);
  optimization.optimizer.zero_grad(/*set_to_none=*/true);
  mark(StepPhase::kZero);
  if (profile) profile->end_step();
  return result;
}

}  // namespace deberta
