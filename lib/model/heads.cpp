#include "model/heads.h"

#include <torch/torch.h>

#include "model/dropout.h"

namespace deberta {

ContextPoolerImpl::ContextPoolerImpl(const DebertaConfig& config)
    : activation_(activation_by_name(config.pooler_hidden_act)), dropout_(config.pooler_dropout) {
  dense = register_module("dense", torch::nn::Linear(config.pooler_hidden_size, config.pooler_hidden_size));
}

torch::Tensor ContextPoolerImpl::forward(const torch::Tensor& hidden) {
  const auto first_token = hidden.select(1, 0);
  return activation_(dense(deberta::dropout(first_token, dropout_, is_training())));
}

torch::Tensor sequence_classification_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  // In float32 whatever the logits' dtype: mixed precision keeps the loss and
  // the regression targets in full precision.
  const auto scores = logits.to(torch::kFloat);
  if (scores.size(-1) == 1) return torch::mse_loss(scores.reshape({-1}), labels.reshape({-1}).to(torch::kFloat));
  // Negative labels are ignored. Summed and divided by the count of the
  // others, which is the mean of the kept rows to the bit, with no host sync
  // (selecting the kept rows would need their count on the host), and 0
  // when every row is ignored.
  const auto flat = labels.reshape({-1}).to(torch::kLong);
  const auto ignored = flat.lt(0);
  const auto targets = flat.masked_fill(ignored, -100);
  const auto sum = torch::cross_entropy_loss(scores, targets, /*weight=*/{}, at::Reduction::Sum, /*ignore_index=*/-100);
  return sum / ignored.logical_not().sum().clamp_min(1).to(sum.dtype());
}

}  // namespace deberta
