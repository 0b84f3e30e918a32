// Disentangled self-attention: content-to-content scores plus
// content-to-position (c2p) and position-to-content (p2c) terms over
// relative positions.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "model/config.h"
#include "model/relative_position.h"

namespace deberta {

// LayerNorm over hidden_size with the config's epsilon: every block's norm.
torch::nn::LayerNorm hidden_layer_norm(const DebertaConfig& config);

// What every layer shares for one forward pass.
struct AttentionContext {
  // [1, B, L, L] bool: true where the query or the key is padding (masked
  // out); undefined without padding. Built once per forward, for every layer.
  torch::Tensor masked_out;
  torch::Tensor rel_embeddings;  // [2*span, hidden], or undefined without relative attention
  const RelativeIndex* index = nullptr;
};

class DisentangledSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit DisentangledSelfAttentionImpl(const DebertaConfig& config);
  // hidden: [B, L, hidden]. Returns the attention context, [B, L, heads*head_size].
  torch::Tensor forward(const torch::Tensor& hidden, const AttentionContext& context);

 private:
  // [B, L, heads*d] -> [heads, B, L, d]
  torch::Tensor split_heads(const torch::Tensor& x) const;
  torch::Tensor relative_bias(const torch::Tensor& query, const torch::Tensor& key, const AttentionContext& context,
                              const torch::Tensor& scale);

  int64_t heads_, head_size_, scale_factor_;
  bool relative_attention_, share_att_key_, c2p_, p2c_;
  double attention_dropout_, position_dropout_;
  torch::nn::Linear query_proj{nullptr}, key_proj{nullptr}, value_proj{nullptr};
  torch::nn::Linear pos_key_proj{nullptr}, pos_query_proj{nullptr};  // without share_att_key only
};
TORCH_MODULE(DisentangledSelfAttention);

// The projection back to hidden_size, with its residual LayerNorm.
class SelfOutputImpl : public torch::nn::Module {
 public:
  explicit SelfOutputImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& context, const torch::Tensor& residual);

 private:
  double dropout_;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(SelfOutput);

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const AttentionContext& context);

 private:
  DisentangledSelfAttention self_attention{nullptr};
  SelfOutput output{nullptr};
};
TORCH_MODULE(Attention);

}  // namespace deberta
