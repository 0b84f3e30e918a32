// DeBERTa-v2/v3: the backbone (embeddings + encoder) and the model with a
// sequence-classification head. Parameter names equal HF's state-dict names.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "model/config.h"
#include "model/embeddings.h"
#include "model/encoder.h"
#include "model/heads.h"

namespace deberta {

// A padded batch. token_type_ids may be undefined (all zeros).
struct ModelInputs {
  torch::Tensor input_ids;       // [B, L] long
  torch::Tensor attention_mask;  // [B, L] 0/1
  torch::Tensor token_type_ids;  // [B, L] long
  // False when the caller knows that every attention_mask entry is 1: the
  // encoder then skips the mask without reading the tensor back from the
  // device. True is always right (a mask of ones changes nothing).
  bool may_have_padding = true;
};

class DebertaV2ModelImpl : public torch::nn::Module {
 public:
  explicit DebertaV2ModelImpl(const DebertaConfig& config);
  // The last hidden state, [B, L, hidden]. `shared_words`: see Embeddings.
  torch::Tensor forward(const ModelInputs& inputs, const torch::Tensor& shared_words = {});

  const torch::Tensor& word_weight() const { return embeddings->word_weight(); }

 private:
  Embeddings embeddings{nullptr};
  Encoder encoder{nullptr};
};
TORCH_MODULE(DebertaV2Model);

struct ClassifierOutputs {
  torch::Tensor last_hidden_state;  // [B, L, hidden]
  torch::Tensor pooled_output;      // [B, hidden]
  torch::Tensor logits;             // [B, num_labels]
};

class DebertaV2ForSequenceClassificationImpl : public torch::nn::Module {
 public:
  explicit DebertaV2ForSequenceClassificationImpl(const DebertaConfig& config);
  ClassifierOutputs forward(const ModelInputs& inputs);

 private:
  double classifier_dropout_;
  DebertaV2Model deberta{nullptr};
  ContextPooler pooler{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DebertaV2ForSequenceClassification);

}  // namespace deberta
