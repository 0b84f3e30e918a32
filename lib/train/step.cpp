#include "train/step.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

#include "model/heads.h"
#include "train/optimizer.h"

namespace deberta {

Objective classification_objective(DebertaV2ForSequenceClassification model) {
  return [model](const Batch& batch) mutable {
    return sequence_classification_loss(model(batch.inputs).logits, batch.labels);
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
  StepResult result;
  for (const auto& batch : micro_batches) {
    const auto loss = objective(batch) * scale;
    loss.backward();
    result.loss += loss.item<double>();
  }
  if (after_backward) after_backward(result);
  result.lr = optimization.schedule.lr_at(step);
  result.grad_norm_before_clip = clip_grad_norm(module.parameters(), optimization.max_grad_norm);
  result.finite = std::isfinite(result.loss) && std::isfinite(result.grad_norm_before_clip);
  if (result.finite) {
    set_learning_rate(optimization.optimizer, result.lr);
    optimization.optimizer.step();
  }
  optimization.optimizer.zero_grad();
  return result;
}

}  // namespace deberta
