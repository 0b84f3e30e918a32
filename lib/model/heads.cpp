#include "model/heads.h"

#include <torch/torch.h>

namespace deberta {

ContextPoolerImpl::ContextPoolerImpl(const DebertaConfig& config)
    : activation_(activation_by_name(config.pooler_hidden_act)), dropout_(config.pooler_dropout) {
  dense = register_module("dense", torch::nn::Linear(config.pooler_hidden_size, config.pooler_hidden_size));
}

torch::Tensor ContextPoolerImpl::forward(const torch::Tensor& hidden) {
  const auto first_token = hidden.select(1, 0);
  return activation_(dense(torch::dropout(first_token, dropout_, is_training())));
}

torch::Tensor sequence_classification_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  // In float32 whatever the logits' dtype: mixed precision keeps the loss and
  // the regression targets in full precision.
  const auto scores = logits.to(torch::kFloat);
  if (scores.size(-1) == 1) return torch::mse_loss(scores.reshape({-1}), labels.reshape({-1}).to(torch::kFloat));
  const auto flat = labels.reshape({-1});
  const auto keep = flat.ge(0).nonzero().reshape({-1});
  if (keep.numel() == 0) return torch::zeros({}, scores.options());
  return torch::cross_entropy_loss(scores.index_select(0, keep), flat.index_select(0, keep).to(torch::kLong));
}

}  // namespace deberta
