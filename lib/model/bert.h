// BERT, ELECTRA, RoBERTa and XLM-R: one post-LayerNorm encoder with absolute
// positions, and each family's sequence-classification head. Parameter names
// equal transformers' state-dict names for the family (bert.*, electra.*,
// roberta.*; XLM-R's backbone is also roberta.*).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <optional>
#include <string>

#include "model/activations.h"
#include "model/config.h"
#include "model/sequence_classifier.h"

namespace deberta {

// Shared with DistilBERT. The key mask attention reads, [B, 1, 1, L] bool,
// or undefined when the batch has no padding.
torch::Tensor key_mask(const ModelInputs& inputs);
std::optional<torch::Tensor> optional_mask(const torch::Tensor& mask);

// Words + positions + token types, LayerNorm, dropout; embedding_size wide.
class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);

 private:
  // RoBERTa and XLM-R number the positions of non-padding tokens from
  // pad_token_id + 1 (fairseq's convention); BERT and ELECTRA from 0.
  torch::Tensor position_ids(const torch::Tensor& input_ids) const;

  bool padding_offset_positions_;
  bool single_type_;  // type_vocab_size 1: every token is type 0
  int64_t pad_token_id_;
  double dropout_;
  torch::nn::Embedding word_embeddings{nullptr};
  torch::nn::Embedding position_embeddings{nullptr};
  torch::nn::Embedding token_type_embeddings{nullptr};  // type_vocab_size > 0 only
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(BertEmbeddings);

// LayerNorm(dropout(dense(x)) + residual): attention.output and output.
class BertResidualImpl : public torch::nn::Module {
 public:
  BertResidualImpl(int64_t in, const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

 private:
  double dropout_;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(BertResidual);

class BertSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit BertSelfAttentionImpl(const DebertaConfig& config);
  // keep: [B, 1, 1, L] bool, true where a key may be attended; undefined: all.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keep);

 private:
  int64_t heads_;
  double dropout_;
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(BertSelfAttention);

class BertAttentionImpl : public torch::nn::Module {
 public:
  explicit BertAttentionImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keep);

 private:
  BertSelfAttention self{nullptr};
  BertResidual output{nullptr};
};
TORCH_MODULE(BertAttention);

class BertIntermediateImpl : public torch::nn::Module {
 public:
  explicit BertIntermediateImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden) { return activation_(dense(hidden)); }

 private:
  Activation activation_;
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(BertIntermediate);

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keep);

 private:
  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertResidual output{nullptr};
};
TORCH_MODULE(BertLayer);

class BertEncoderImpl : public torch::nn::Module {
 public:
  explicit BertEncoderImpl(const DebertaConfig& config);
  torch::Tensor forward(torch::Tensor hidden, const torch::Tensor& keep);

 private:
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

// BERT's pooler: tanh(dense(hidden[:, 0])).
class BertPoolerImpl : public torch::nn::Module {
 public:
  explicit BertPoolerImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(BertPooler);

// The base model: embeddings, ELECTRA's embeddings_project when
// embedding_size differs from hidden_size, the encoder, and with
// `with_pooler` BERT's pooler (dense + tanh on the first token).
class BertModelImpl : public BackboneImpl {
 public:
  BertModelImpl(const DebertaConfig& config, bool with_pooler);
  torch::Tensor last_hidden_state(const ModelInputs& inputs) override;
  // with_pooler only.
  torch::Tensor pool(const torch::Tensor& hidden) { return pooler(hidden); }

 private:
  BertEmbeddings embeddings{nullptr};
  torch::nn::Linear embeddings_project{nullptr};
  BertEncoder encoder{nullptr};
  BertPooler pooler{nullptr};
};
TORCH_MODULE(BertModel);

// BertForSequenceClassification: the pooler's output, dropout, classifier.
class BertForSequenceClassificationImpl : public SequenceClassifierImpl {
 public:
  explicit BertForSequenceClassificationImpl(const DebertaConfig& config);
  ClassifierOutputs forward(const ModelInputs& inputs) override;

 private:
  double dropout_;
  BertModel bert{nullptr};
  torch::nn::Linear classifier{nullptr};
};

// ELECTRA's and RoBERTa's head on the first token: dropout, classifier.dense,
// activation (ELECTRA: gelu; RoBERTa, XLM-R: tanh), dropout, classifier.out_proj.
class FirstTokenHeadImpl : public torch::nn::Module {
 public:
  FirstTokenHeadImpl(const DebertaConfig& config, const std::string& activation);
  // Fills pooled_output (before the last dropout) and logits.
  void forward(const torch::Tensor& hidden, ClassifierOutputs& out);

 private:
  double dropout_;
  Activation activation_;
  torch::nn::Linear dense{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(FirstTokenHead);

// ElectraForSequenceClassification, RobertaForSequenceClassification and
// XLMRobertaForSequenceClassification: the backbone (no pooler), then the head.
class FirstTokenClassifierImpl : public SequenceClassifierImpl {
 public:
  explicit FirstTokenClassifierImpl(const DebertaConfig& config);
  ClassifierOutputs forward(const ModelInputs& inputs) override;

 private:
  BertModel backbone{nullptr};
  FirstTokenHead classifier{nullptr};
};

}  // namespace deberta
