#include "model/embeddings.h"

#include <torch/torch.h>

#include "model/dropout.h"

namespace deberta {

EmbeddingsImpl::EmbeddingsImpl(const DebertaConfig& config) : dropout_(config.hidden_dropout_prob) {
  const int64_t width = config.embedding_size;
  word_embeddings = register_module(
      "word_embeddings",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(config.vocab_size, width).padding_idx(config.pad_token_id)));
  if (config.position_biased_input)
    position_embeddings =
        register_module("position_embeddings",
                        torch::nn::Embedding(torch::nn::EmbeddingOptions(config.max_position_embeddings, width)));
  if (config.type_vocab_size > 0)
    token_type_embeddings = register_module(
        "token_type_embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(config.type_vocab_size, width)));
  if (width != config.hidden_size)
    embed_proj = register_module("embed_proj",
                                 torch::nn::Linear(torch::nn::LinearOptions(width, config.hidden_size).bias(false)));
  layer_norm = register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
}

torch::Tensor EmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                                      const torch::Tensor& mask, const torch::Tensor& shared_words) {
  auto x = word_embeddings(input_ids);
  if (shared_words.defined()) x = torch::embedding(shared_words.detach(), input_ids) + x;
  if (position_embeddings) {
    const int64_t length = input_ids.size(1);
    if (length > position_embeddings->weight.size(0))
      throw std::invalid_argument("sequence length " + std::to_string(length) + " exceeds max_position_embeddings " +
                                  std::to_string(position_embeddings->weight.size(0)));
    x = x + position_embeddings(torch::arange(length, input_ids.options()).unsqueeze(0));
  }
  if (token_type_embeddings) x = x + token_type_embeddings(token_type_ids);
  if (embed_proj) x = embed_proj(x);
  x = layer_norm(x);
  x = x * mask.unsqueeze(2).to(x.dtype());
  return deberta::dropout(x, dropout_, is_training());
}

}  // namespace deberta
