#include "model/distilbert.h"

#include <torch/torch.h>

#include "model/bert.h"
#include "model/dropout.h"

namespace deberta {

namespace {

torch::nn::LayerNorm layer_norm_of(const DebertaConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps));
}

torch::nn::Linear square(const DebertaConfig& config) {
  return torch::nn::Linear(config.hidden_size, config.hidden_size);
}

}  // namespace

DistilEmbeddingsImpl::DistilEmbeddingsImpl(const DebertaConfig& config) : dropout_(config.hidden_dropout_prob) {
  word_embeddings = register_module(
      "word_embeddings",
      torch::nn::Embedding(
          torch::nn::EmbeddingOptions(config.vocab_size, config.hidden_size).padding_idx(config.pad_token_id)));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(config.max_position_embeddings, config.hidden_size));
  layer_norm = register_module("LayerNorm", layer_norm_of(config));
}

torch::Tensor DistilEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  const auto positions = torch::arange(input_ids.size(1), input_ids.options()).unsqueeze(0);
  return deberta::dropout(layer_norm(word_embeddings(input_ids) + position_embeddings(positions)), dropout_,
                          is_training());
}

DistilAttentionImpl::DistilAttentionImpl(const DebertaConfig& config)
    : heads_(config.num_attention_heads), dropout_(config.attention_probs_dropout_prob) {
  q_lin = register_module("q_lin", square(config));
  k_lin = register_module("k_lin", square(config));
  v_lin = register_module("v_lin", square(config));
  out_lin = register_module("out_lin", square(config));
}

torch::Tensor DistilAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keep) {
  const int64_t batch = hidden.size(0), length = hidden.size(1), width = hidden.size(2);
  const auto heads = [&](const torch::Tensor& x) { return x.view({batch, length, heads_, -1}).transpose(1, 2); };
  const auto context =
      at::scaled_dot_product_attention(heads(q_lin(hidden)), heads(k_lin(hidden)), heads(v_lin(hidden)),
                                       optional_mask(keep), is_training() ? dropout_ : 0.0);
  return out_lin(context.transpose(1, 2).reshape({batch, length, width}));
}

DistilFeedForwardImpl::DistilFeedForwardImpl(const DebertaConfig& config)
    : dropout_(config.hidden_dropout_prob), activation_(activation_by_name(config.hidden_act)) {
  lin1 = register_module("lin1", torch::nn::Linear(config.hidden_size, config.intermediate_size));
  lin2 = register_module("lin2", torch::nn::Linear(config.intermediate_size, config.hidden_size));
}

torch::Tensor DistilFeedForwardImpl::forward(const torch::Tensor& hidden) {
  return deberta::dropout(lin2(activation_(lin1(hidden))), dropout_, is_training());
}

DistilBlockImpl::DistilBlockImpl(const DebertaConfig& config) {
  attention = register_module("attention", DistilAttention(config));
  sa_layer_norm = register_module("sa_layer_norm", layer_norm_of(config));
  ffn = register_module("ffn", DistilFeedForward(config));
  output_layer_norm = register_module("output_layer_norm", layer_norm_of(config));
}

torch::Tensor DistilBlockImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keep) {
  const auto attended = sa_layer_norm(attention(hidden, keep) + hidden);
  return output_layer_norm(ffn(attended) + attended);
}

DistilTransformerImpl::DistilTransformerImpl(const DebertaConfig& config) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layer->push_back(DistilBlock(config));
}

torch::Tensor DistilTransformerImpl::forward(torch::Tensor hidden, const torch::Tensor& keep) {
  for (const auto& module : *layer) hidden = module->as<DistilBlock>()->forward(hidden, keep);
  return hidden;
}

DistilBertModelImpl::DistilBertModelImpl(const DebertaConfig& config) {
  embeddings = register_module("embeddings", DistilEmbeddings(config));
  transformer = register_module("transformer", DistilTransformer(config));
}

torch::Tensor DistilBertModelImpl::last_hidden_state(const ModelInputs& inputs) {
  checked_types(inputs);  // the shapes; DistilBERT has no token types
  return transformer(embeddings(inputs.input_ids), key_mask(inputs));
}

DistilBertForSequenceClassificationImpl::DistilBertForSequenceClassificationImpl(const DebertaConfig& config)
    : dropout_(config.classifier_dropout()) {
  distilbert = register_module("distilbert", DistilBertModel(config));
  pre_classifier = register_module("pre_classifier", square(config));
  classifier = register_module("classifier", torch::nn::Linear(config.hidden_size, config.num_labels()));
}

ClassifierOutputs DistilBertForSequenceClassificationImpl::forward(const ModelInputs& inputs) {
  ClassifierOutputs out;
  out.last_hidden_state = distilbert->last_hidden_state(inputs);
  out.pooled_output = torch::relu(pre_classifier(out.last_hidden_state.select(1, 0)));
  out.logits = classifier(deberta::dropout(out.pooled_output, dropout_, is_training()));
  return out;
}

}  // namespace deberta
