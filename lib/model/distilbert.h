// DistilBERT (DistilKoBERT): six post-LayerNorm blocks with learned
// absolute positions and no token types, and its sequence-classification
// head (pre_classifier, ReLU, classifier). Parameter names equal
// transformers' (distilbert.transformer.layer.N.attention.q_lin, ...).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "model/activations.h"
#include "model/config.h"
#include "model/sequence_classifier.h"

namespace deberta {

class DistilEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit DistilEmbeddingsImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids);

 private:
  double dropout_;
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(DistilEmbeddings);

class DistilAttentionImpl : public torch::nn::Module {
 public:
  explicit DistilAttentionImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keep);

 private:
  int64_t heads_;
  double dropout_;
  torch::nn::Linear q_lin{nullptr}, k_lin{nullptr}, v_lin{nullptr}, out_lin{nullptr};
};
TORCH_MODULE(DistilAttention);

class DistilFeedForwardImpl : public torch::nn::Module {
 public:
  explicit DistilFeedForwardImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  double dropout_;
  Activation activation_;
  torch::nn::Linear lin1{nullptr}, lin2{nullptr};
};
TORCH_MODULE(DistilFeedForward);

class DistilBlockImpl : public torch::nn::Module {
 public:
  explicit DistilBlockImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keep);

 private:
  DistilAttention attention{nullptr};
  torch::nn::LayerNorm sa_layer_norm{nullptr};
  DistilFeedForward ffn{nullptr};
  torch::nn::LayerNorm output_layer_norm{nullptr};
};
TORCH_MODULE(DistilBlock);

class DistilTransformerImpl : public torch::nn::Module {
 public:
  explicit DistilTransformerImpl(const DebertaConfig& config);
  torch::Tensor forward(torch::Tensor hidden, const torch::Tensor& keep);

 private:
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(DistilTransformer);

class DistilBertModelImpl : public BackboneImpl {
 public:
  explicit DistilBertModelImpl(const DebertaConfig& config);
  torch::Tensor last_hidden_state(const ModelInputs& inputs) override;

 private:
  DistilEmbeddings embeddings{nullptr};
  DistilTransformer transformer{nullptr};
};
TORCH_MODULE(DistilBertModel);

class DistilBertForSequenceClassificationImpl : public SequenceClassifierImpl {
 public:
  explicit DistilBertForSequenceClassificationImpl(const DebertaConfig& config);
  ClassifierOutputs forward(const ModelInputs& inputs) override;

 private:
  double dropout_;
  DistilBertModel distilbert{nullptr};
  torch::nn::Linear pre_classifier{nullptr}, classifier{nullptr};
};

}  // namespace deberta
