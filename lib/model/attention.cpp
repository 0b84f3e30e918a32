#include "model/attention.h"

#include <torch/torch.h>

#include <cmath>

#include "model/dropout.h"
#include "runtime/precision.h"

namespace deberta {

torch::nn::LayerNorm hidden_layer_norm(const DebertaConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps));
}

namespace {
torch::nn::Linear linear(int64_t in, int64_t out) { return torch::nn::Linear(torch::nn::LinearOptions(in, out)); }
}  // namespace

DisentangledSelfAttentionImpl::DisentangledSelfAttentionImpl(const DebertaConfig& config)
    : heads_(config.num_attention_heads),
      head_size_(config.attention_head_size()),
      scale_factor_(1 + (config.has_c2p() ? 1 : 0) + (config.has_p2c() ? 1 : 0)),
      relative_attention_(config.relative_attention),
      share_att_key_(config.share_att_key),
      c2p_(config.relative_attention && config.has_c2p()),
      p2c_(config.relative_attention && config.has_p2c()),
      attention_dropout_(config.attention_probs_dropout_prob),
      position_dropout_(config.hidden_dropout_prob) {
  const int64_t hidden = config.hidden_size, all_heads = heads_ * head_size_;
  query_proj = register_module("query_proj", linear(hidden, all_heads));
  key_proj = register_module("key_proj", linear(hidden, all_heads));
  value_proj = register_module("value_proj", linear(hidden, all_heads));
  if (relative_attention_ && !share_att_key_) {
    if (c2p_) pos_key_proj = register_module("pos_key_proj", linear(hidden, all_heads));
    if (p2c_) pos_query_proj = register_module("pos_query_proj", linear(hidden, all_heads));
  }
}

// Heads-first layout: every product below is then one batched GEMM over
// contiguous memory, and the position terms multiply each head's queries of
// the whole batch by that head's position keys without repeating them per
// example (broadcast matmul on permuted views ran 2-3x slower).
torch::Tensor DisentangledSelfAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, head_size_}).permute({2, 0, 1, 3}).contiguous();
}

torch::Tensor DisentangledSelfAttentionImpl::forward(const torch::Tensor& hidden, const AttentionContext& context) {
  const int64_t batch = hidden.size(0), length = hidden.size(1);
  const auto query = split_heads(query_proj(hidden));  // [heads, B, L, d]
  const auto key = split_heads(key_proj(hidden));
  const auto value = split_heads(value_proj(hidden));

  // HF scales the key before the product (transformers PR 24116, fp16 safety);
  // doing the same keeps float32 round-off identical.
  const auto scale = torch::sqrt(torch::tensor(static_cast<float>(head_size_), torch::kFloat) * scale_factor_);
  const auto flat = [&](const torch::Tensor& x) { return x.view({heads_ * batch, length, head_size_}); };
  const auto bias = relative_attention_ ? relative_bias(query, key, context, scale) : torch::Tensor();
  const auto mask_value = lowest_value(query.scalar_type());
  torch::Tensor out;
  if (!torch::GradMode::is_enabled() && !(is_training() && attention_dropout_ > 0)) {
    // Inference: one fused kernel (flash attention on the CPU) with the
    // position bias and the padding mask as its additive mask, so the
    // probabilities are never stored. Measured 1.5x faster per layer at
    // 32x128 on one thread; outputs agree with the path below to ~1e-6.
    // Training keeps that path: the fused kernel has no gradient for its
    // mask, and the bias needs one.
    auto additive = bias.defined() ? bias : torch::zeros({1, 1, 1, 1}, query.options());
    if (context.masked_out.defined()) additive = additive.masked_fill(context.masked_out, mask_value);
    out = at::scaled_dot_product_attention(query, key, value, additive, /*dropout_p=*/0.0, /*is_causal=*/false,
                                           /*scale=*/1.0 / std::sqrt(static_cast<float>(head_size_) * scale_factor_));
  } else {
    auto scores = torch::bmm(flat(query), flat(key).transpose(1, 2) / scale.to(query.dtype()))
                      .view({heads_, batch, length, length});
    if (bias.defined()) scores = scores + bias;
    // A padding query row is fully masked and gets uniform attention, as in
    // transformers >= 4.47; only padding positions see the difference.
    if (context.masked_out.defined()) scores = scores.masked_fill(context.masked_out, mask_value);
    auto probs = torch::softmax(scores, -1);
    probs = deberta::dropout(probs, attention_dropout_, is_training());
    out =
        torch::bmm(probs.view({heads_ * batch, length, length}), flat(value)).view({heads_, batch, length, head_size_});
  }
  return out.permute({1, 2, 0, 3}).reshape({batch, length, heads_ * head_size_});
}

torch::Tensor DisentangledSelfAttentionImpl::relative_bias(const torch::Tensor& query, const torch::Tensor& key,
                                                           const AttentionContext& context,
                                                           const torch::Tensor& scale) {
  const auto reachable = context.rel_embeddings.narrow(0, context.index->first_row, context.index->rows);
  const auto positions = deberta::dropout(reachable, position_dropout_, is_training());
  const int64_t batch = query.size(1), length = query.size(2), rows = positions.size(0);
  // [rows, heads*d] -> [heads, d, rows]
  const auto per_head = [&](const torch::Tensor& x) { return x.view({rows, heads_, head_size_}).permute({1, 2, 0}); };
  // [heads, B, L, d] x [heads, d, rows] -> [heads, B, L, rows]
  const auto against = [&](const torch::Tensor& x, const torch::Tensor& projected) {
    return torch::bmm(x.view({heads_, batch * length, head_size_}), per_head(projected))
        .view({heads_, batch, length, rows});
  };
  const std::vector<int64_t> gather_shape = {heads_, batch, length, length};
  torch::Tensor bias;
  if (c2p_) {
    const auto c2p = against(query, share_att_key_ ? key_proj(positions) : pos_key_proj(positions));
    bias = torch::gather(c2p, -1, context.index->c2p.expand(gather_shape)) / scale.to(c2p.dtype());
  }
  if (p2c_) {
    const auto p2c = against(key, share_att_key_ ? query_proj(positions) : pos_query_proj(positions));
    const auto term =
        torch::gather(p2c, -1, context.index->p2c.expand(gather_shape)).transpose(-1, -2) / scale.to(p2c.dtype());
    bias = bias.defined() ? bias + term : term;
  }
  return bias;
}

SelfOutputImpl::SelfOutputImpl(const DebertaConfig& config) : dropout_(config.hidden_dropout_prob) {
  dense = register_module("dense", linear(config.hidden_size, config.hidden_size));
  layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
}

torch::Tensor SelfOutputImpl::forward(const torch::Tensor& context, const torch::Tensor& residual) {
  return layer_norm(deberta::dropout(dense(context), dropout_, is_training()) + residual);
}

AttentionImpl::AttentionImpl(const DebertaConfig& config) {
  self_attention = register_module("self", DisentangledSelfAttention(config));
  output = register_module("output", SelfOutput(config));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& hidden, const AttentionContext& context) {
  return output(self_attention(hidden, context), hidden);
}

}  // namespace deberta
