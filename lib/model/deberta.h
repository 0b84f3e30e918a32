// DeBERTa-v2/v3: the backbone (embeddings + encoder) and the model with a
// sequence-classification head. Parameter names equal HF's state-dict names.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "model/config.h"
#include "model/embeddings.h"
#include "model/encoder.h"
#include "model/heads.h"
#include "model/sequence_classifier.h"

namespace deberta {

class DebertaV2ModelImpl : public BackboneImpl {
 public:
  explicit DebertaV2ModelImpl(const DebertaConfig& config);
  // The last hidden state, [B, L, hidden]. `shared_words`: see Embeddings.
  torch::Tensor forward(const ModelInputs& inputs, const torch::Tensor& shared_words = {});
  torch::Tensor last_hidden_state(const ModelInputs& inputs) override { return forward(inputs); }

  const torch::Tensor& word_weight() const { return embeddings->word_weight(); }

 private:
  Embeddings embeddings{nullptr};
  Encoder encoder{nullptr};
};
TORCH_MODULE(DebertaV2Model);

class DebertaV2ForSequenceClassificationImpl : public SequenceClassifierImpl {
 public:
  explicit DebertaV2ForSequenceClassificationImpl(const DebertaConfig& config);
  ClassifierOutputs forward(const ModelInputs& inputs) override;

 private:
  double classifier_dropout_;
  DebertaV2Model deberta{nullptr};
  ContextPooler pooler{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DebertaV2ForSequenceClassification);

}  // namespace deberta
