#include "model/encoder.h"

#include <torch/torch.h>

#include "model/dropout.h"

namespace deberta {

IntermediateImpl::IntermediateImpl(const DebertaConfig& config) : activation_(activation_by_name(config.hidden_act)) {
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.intermediate_size));
}

torch::Tensor IntermediateImpl::forward(const torch::Tensor& x) { return activation_(dense(x)); }

OutputImpl::OutputImpl(const DebertaConfig& config) : dropout_(config.hidden_dropout_prob) {
  dense = register_module("dense", torch::nn::Linear(config.intermediate_size, config.hidden_size));
  layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
}

torch::Tensor OutputImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return layer_norm(deberta::dropout(dense(x), dropout_, is_training()) + residual);
}

LayerImpl::LayerImpl(const DebertaConfig& config) {
  attention = register_module("attention", Attention(config));
  intermediate = register_module("intermediate", Intermediate(config));
  output = register_module("output", Output(config));
}

torch::Tensor LayerImpl::forward(const torch::Tensor& hidden, const AttentionContext& context) {
  const auto attended = attention(hidden, context);
  return output(intermediate(attended), attended);
}

ConvLayerImpl::ConvLayerImpl(const DebertaConfig& config)
    : activation_(activation_by_name(config.conv_act)), dropout_(config.hidden_dropout_prob) {
  const int64_t k = config.conv_kernel_size;
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(config.hidden_size, config.hidden_size, k)
                                                       .padding((k - 1) / 2)
                                                       .groups(config.conv_groups)));
  layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
}

torch::Tensor ConvLayerImpl::forward(const torch::Tensor& embeddings, const torch::Tensor& layer_output,
                                     const torch::Tensor& input_mask) {
  auto out = conv(embeddings.permute({0, 2, 1}).contiguous()).permute({0, 2, 1}).contiguous();
  out = out.masked_fill(input_mask.eq(0).unsqueeze(-1), 0.0);
  out = activation_(deberta::dropout(out, dropout_, is_training()));
  const auto normed = layer_norm(layer_output + out);
  return normed * input_mask.unsqueeze(2).to(normed.dtype());
}

EncoderImpl::EncoderImpl(const DebertaConfig& config)
    : position_buckets_(config.position_buckets),
      max_relative_(config.max_relative()),
      span_(config.attention_span()),
      relative_attention_(config.relative_attention) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layer->push_back(Layer(config));
  if (relative_attention_)
    rel_embeddings = register_module("rel_embeddings", torch::nn::Embedding(2 * span_, config.hidden_size));
  if (config.norm_rel_embeddings()) layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
  if (config.conv_kernel_size > 0) conv = register_module("conv", ConvLayer(config));
}

const RelativeIndex& EncoderImpl::index_for_length(int64_t length, const c10::Device& device) {
  std::lock_guard<std::mutex> lock(index_mutex_);
  const auto key = std::make_pair(length, device.str());
  auto it = index_cache_.find(key);
  if (it == index_cache_.end()) {
    // The cache outlives the call: built during an evaluation, the index
    // must still be an ordinary tensor that a later training step can save
    // for backward. It is built on the CPU once and kept on the device.
    c10::InferenceMode normal_tensors(false);
    RelativeIndex index = relative_index(length, position_buckets_, max_relative_, span_);
    index.c2p = index.c2p.to(device);
    index.p2c = index.p2c.to(device);
    it = index_cache_.emplace(key, std::move(index)).first;
  }
  return it->second;
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                                   bool may_have_padding) {
  AttentionContext context;
  // Without padding the mask changes nothing; skipping it saves a pass over
  // the scores. Whether there is any is the caller's knowledge, not read back
  // from the device: the forward pass has no host sync.
  if (may_have_padding) {
    const auto keep = attention_mask.ne(0);
    context.masked_out = (keep.unsqueeze(1) & keep.unsqueeze(2)).logical_not().unsqueeze(0);
  }
  if (relative_attention_) {
    context.rel_embeddings = rel_embeddings->weight;
    if (layer_norm) context.rel_embeddings = layer_norm(context.rel_embeddings);
    context.index = &index_for_length(embeddings.size(1), embeddings.device());
  }
  auto hidden = embeddings;
  for (size_t i = 0; i < layer->size(); ++i) {
    hidden = layer[i]->as<Layer>()->forward(hidden, context);
    if (i == 0 && conv) hidden = conv(embeddings, hidden, attention_mask);
  }
  return hidden;
}

}  // namespace deberta
