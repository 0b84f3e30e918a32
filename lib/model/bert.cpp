#include "model/bert.h"

#include <torch/torch.h>

#include <cmath>

#include "model/dropout.h"

namespace deberta {

namespace {

torch::nn::LayerNorm layer_norm_of(int64_t width, const DebertaConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(config.layer_norm_eps));
}

}  // namespace

std::optional<torch::Tensor> optional_mask(const torch::Tensor& mask) {
  return mask.defined() ? std::optional<torch::Tensor>(mask) : std::nullopt;
}

torch::Tensor key_mask(const ModelInputs& inputs) {
  if (!inputs.attention_mask.defined() || !inputs.may_have_padding) return {};
  const auto& mask = inputs.attention_mask;
  return mask.ne(0).view({mask.size(0), 1, 1, mask.size(1)});
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const DebertaConfig& config)
    : padding_offset_positions_(config.positions_after_padding()),
      single_type_(config.type_vocab_size == 1),
      pad_token_id_(config.pad_token_id),
      dropout_(config.hidden_dropout_prob) {
  const int64_t width = config.embedding_size;
  word_embeddings = register_module(
      "word_embeddings",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(config.vocab_size, width).padding_idx(config.pad_token_id)));
  auto positions = torch::nn::EmbeddingOptions(config.max_position_embeddings, width);
  if (padding_offset_positions_) positions.padding_idx(config.pad_token_id);
  position_embeddings = register_module("position_embeddings", torch::nn::Embedding(positions));
  if (config.type_vocab_size > 0)
    token_type_embeddings = register_module(
        "token_type_embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(config.type_vocab_size, width)));
  layer_norm = register_module("LayerNorm", layer_norm_of(width, config));
}

torch::Tensor BertEmbeddingsImpl::position_ids(const torch::Tensor& input_ids) const {
  if (!padding_offset_positions_)
    return torch::arange(input_ids.size(1), input_ids.options()).unsqueeze(0).expand_as(input_ids);
  const auto real = input_ids.ne(pad_token_id_).to(torch::kLong);
  return real.cumsum(1) * real + pad_token_id_;
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  auto x = word_embeddings(input_ids) + position_embeddings(position_ids(input_ids));
  // A type vocabulary of one (RoBERTa, XLM-R) knows only type 0. A BERT-style
  // tokenizer shipped with such a model (KLUE's RoBERTa) marks the second text
  // of a pair 1; the KoELECTRA and KcBERT scripts pass no types to these
  // models, so every token gets type 0 here too, rather than an index error.
  if (single_type_)
    x = x + token_type_embeddings->weight[0];
  else if (token_type_embeddings)
    x = x + token_type_embeddings(token_type_ids);
  return deberta::dropout(layer_norm(x), dropout_, is_training());
}

BertResidualImpl::BertResidualImpl(int64_t in, const DebertaConfig& config) : dropout_(config.hidden_dropout_prob) {
  dense = register_module("dense", torch::nn::Linear(in, config.hidden_size));
  layer_norm = register_module("LayerNorm", layer_norm_of(config.hidden_size, config));
}

torch::Tensor BertResidualImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return layer_norm(deberta::dropout(dense(x), dropout_, is_training()) + residual);
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const DebertaConfig& config)
    : heads_(config.num_attention_heads), dropout_(config.attention_probs_dropout_prob) {
  query = register_module("query", torch::nn::Linear(config.hidden_size, config.hidden_size));
  key = register_module("key", torch::nn::Linear(config.hidden_size, config.hidden_size));
  value = register_module("value", torch::nn::Linear(config.hidden_size, config.hidden_size));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keep) {
  const int64_t batch = hidden.size(0), length = hidden.size(1), width = hidden.size(2);
  const auto heads = [&](const torch::Tensor& x) { return x.view({batch, length, heads_, -1}).transpose(1, 2); };
  // One fused kernel, as transformers' default (sdpa) attention runs; its
  // dropout draws from torch's generator.
  const auto context = at::scaled_dot_product_attention(heads(query(hidden)), heads(key(hidden)), heads(value(hidden)),
                                                        optional_mask(keep), is_training() ? dropout_ : 0.0);
  return context.transpose(1, 2).reshape({batch, length, width});
}

BertAttentionImpl::BertAttentionImpl(const DebertaConfig& config) {
  self = register_module("self", BertSelfAttention(config));
  output = register_module("output", BertResidual(config.hidden_size, config));
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keep) {
  return output(self(hidden, keep), hidden);
}

BertIntermediateImpl::BertIntermediateImpl(const DebertaConfig& config)
    : activation_(activation_by_name(config.hidden_act)) {
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.intermediate_size));
}

BertLayerImpl::BertLayerImpl(const DebertaConfig& config) {
  attention = register_module("attention", BertAttention(config));
  intermediate = register_module("intermediate", BertIntermediate(config));
  output = register_module("output", BertResidual(config.intermediate_size, config));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keep) {
  const auto attended = attention(hidden, keep);
  return output(intermediate(attended), attended);
}

BertEncoderImpl::BertEncoderImpl(const DebertaConfig& config) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layer->push_back(BertLayer(config));
}

torch::Tensor BertEncoderImpl::forward(torch::Tensor hidden, const torch::Tensor& keep) {
  for (const auto& module : *layer) hidden = module->as<BertLayer>()->forward(hidden, keep);
  return hidden;
}

BertPoolerImpl::BertPoolerImpl(const DebertaConfig& config) {
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.hidden_size));
}

torch::Tensor BertPoolerImpl::forward(const torch::Tensor& hidden) { return torch::tanh(dense(hidden.select(1, 0))); }

BertModelImpl::BertModelImpl(const DebertaConfig& config, bool with_pooler) {
  embeddings = register_module("embeddings", BertEmbeddings(config));
  if (config.embedding_size != config.hidden_size)
    embeddings_project =
        register_module("embeddings_project", torch::nn::Linear(config.embedding_size, config.hidden_size));
  encoder = register_module("encoder", BertEncoder(config));
  if (with_pooler) pooler = register_module("pooler", BertPooler(config));
}

torch::Tensor BertModelImpl::last_hidden_state(const ModelInputs& inputs) {
  auto hidden = embeddings(inputs.input_ids, checked_types(inputs));
  if (embeddings_project) hidden = embeddings_project(hidden);
  return encoder(hidden, key_mask(inputs));
}

BertForSequenceClassificationImpl::BertForSequenceClassificationImpl(const DebertaConfig& config)
    : dropout_(config.classifier_dropout()) {
  bert = register_module("bert", BertModel(config, /*with_pooler=*/true));
  classifier = register_module("classifier", torch::nn::Linear(config.hidden_size, config.num_labels()));
}

ClassifierOutputs BertForSequenceClassificationImpl::forward(const ModelInputs& inputs) {
  ClassifierOutputs out;
  out.last_hidden_state = bert->last_hidden_state(inputs);
  out.pooled_output = bert->pool(out.last_hidden_state);
  out.logits = classifier(deberta::dropout(out.pooled_output, dropout_, is_training()));
  return out;
}

FirstTokenHeadImpl::FirstTokenHeadImpl(const DebertaConfig& config, const std::string& activation)
    : dropout_(config.classifier_dropout()), activation_(activation_by_name(activation)) {
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.hidden_size));
  out_proj = register_module("out_proj", torch::nn::Linear(config.hidden_size, config.num_labels()));
}

void FirstTokenHeadImpl::forward(const torch::Tensor& hidden, ClassifierOutputs& out) {
  const auto first = deberta::dropout(hidden.select(1, 0), dropout_, is_training());
  out.pooled_output = activation_(dense(first));
  out.logits = out_proj(deberta::dropout(out.pooled_output, dropout_, is_training()));
}

FirstTokenClassifierImpl::FirstTokenClassifierImpl(const DebertaConfig& config) {
  // The backbone's name is the family's: electra.*, roberta.* (XLM-R too).
  const std::string name = config.backbone_prefix().substr(0, config.backbone_prefix().size() - 1);
  backbone = register_module(name, BertModel(config, /*with_pooler=*/false));
  // ELECTRA's authors used gelu where BERT has tanh.
  classifier = register_module("classifier", FirstTokenHead(config, config.model_type == "electra" ? "gelu" : "tanh"));
}

ClassifierOutputs FirstTokenClassifierImpl::forward(const ModelInputs& inputs) {
  ClassifierOutputs out;
  out.last_hidden_state = backbone->last_hidden_state(inputs);
  classifier->forward(out.last_hidden_state, out);
  return out;
}

}  // namespace deberta
