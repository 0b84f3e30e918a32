// The encoder: a stack of transformer layers over disentangled attention,
// the shared relative-position embeddings, and the optional v2 conv layer.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "model/activations.h"
#include "model/attention.h"
#include "model/config.h"

namespace deberta {

class IntermediateImpl : public torch::nn::Module {
 public:
  explicit IntermediateImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  Activation activation_;
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(Intermediate);

class OutputImpl : public torch::nn::Module {
 public:
  explicit OutputImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

 private:
  double dropout_;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(Output);

class LayerImpl : public torch::nn::Module {
 public:
  explicit LayerImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const AttentionContext& context);

 private:
  Attention attention{nullptr};
  Intermediate intermediate{nullptr};
  Output output{nullptr};
};
TORCH_MODULE(Layer);

// DeBERTa-v2's convolution beside the first layer (conv_kernel_size > 0).
class ConvLayerImpl : public torch::nn::Module {
 public:
  explicit ConvLayerImpl(const DebertaConfig& config);
  // embeddings: the encoder's input; layer_output: the first layer's output.
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& layer_output,
                        const torch::Tensor& input_mask);

 private:
  Activation activation_;
  double dropout_;
  torch::nn::Conv1d conv{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(ConvLayer);

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const DebertaConfig& config);
  // embeddings: [B, L, hidden]; attention_mask: [B, L] 0/1.
  // `may_have_padding` false: attention_mask is all ones and is not applied.
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                        bool may_have_padding = true);

 private:
  // The relative-position gather indices for a sequence length, built once
  // per device.
  const RelativeIndex& index_for_length(int64_t length, const c10::Device& device);

  int64_t position_buckets_, max_relative_, span_;
  bool relative_attention_;
  std::mutex index_mutex_;
  std::map<std::pair<int64_t, std::string>, RelativeIndex> index_cache_;
  torch::nn::ModuleList layer{nullptr};
  torch::nn::Embedding rel_embeddings{nullptr};  // relative_attention only
  torch::nn::LayerNorm layer_norm{nullptr};      // norm_rel_ebd == layer_norm only
  ConvLayer conv{nullptr};                       // conv_kernel_size > 0 only
};
TORCH_MODULE(Encoder);

}  // namespace deberta
