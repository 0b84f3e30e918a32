// The sequence-classification head: ContextPooler on [CLS], then a linear
// classifier (num_labels > 1, cross-entropy) or regressor (num_labels == 1, MSE).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "model/activations.h"
#include "model/config.h"

namespace deberta {

class ContextPoolerImpl : public torch::nn::Module {
 public:
  explicit ContextPoolerImpl(const DebertaConfig& config);
  // hidden: [B, L, hidden] -> [B, pooler_hidden_size], from the first token.
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  Activation activation_;
  double dropout_;
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(ContextPooler);

// The loss HF's DebertaV2ForSequenceClassification computes: MSE of the
// flattened logits for one label; otherwise cross-entropy over the examples
// whose label is not negative (negative labels are ignored).
torch::Tensor sequence_classification_loss(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace deberta
