// Token embeddings: words, optional absolute positions and segments, an
// optional projection to hidden_size, then LayerNorm.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "model/config.h"

namespace deberta {

class EmbeddingsImpl : public torch::nn::Module {
 public:
  explicit EmbeddingsImpl(const DebertaConfig& config);

  // input_ids, token_type_ids: [B, L] long; mask: [B, L] 0/1. Returns [B, L, hidden].
  // With `shared_words` (gradient-disentangled embedding sharing in
  // pre-training), a token's word vector is stop_gradient(shared_words[id])
  // plus this module's own word_embeddings[id], which then holds E_delta.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids, const torch::Tensor& mask,
                        const torch::Tensor& shared_words = {});

  // [vocab, embedding_size]: the MLM head's decoder is tied to it.
  const torch::Tensor& word_weight() const { return word_embeddings->weight; }

 private:
  double dropout_;
  torch::nn::Embedding word_embeddings{nullptr};
  torch::nn::Embedding position_embeddings{nullptr};    // position_biased_input only
  torch::nn::Embedding token_type_embeddings{nullptr};  // type_vocab_size > 0 only
  torch::nn::Linear embed_proj{nullptr};                // embedding_size != hidden_size only
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(Embeddings);

}  // namespace deberta
