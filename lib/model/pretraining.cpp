#include "model/pretraining.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

#include "model/weights.h"

namespace deberta {

MaskedLMHeadImpl::MaskedLMHeadImpl(const DebertaConfig& config) : activation_(activation_by_name(config.hidden_act)) {
  if (config.embedding_size != config.hidden_size)
    throw std::invalid_argument("the MLM head ties its decoder to the word embeddings, so embedding_size (" +
                                std::to_string(config.embedding_size) + ") must equal hidden_size (" +
                                std::to_string(config.hidden_size) + ")");
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.hidden_size));
  layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
  bias = register_parameter("bias", torch::zeros({config.vocab_size}));
}

torch::Tensor MaskedLMHeadImpl::forward(const torch::Tensor& hidden, const torch::Tensor& word_weight) {
  return torch::matmul(layer_norm(activation_(dense(hidden))), word_weight.t()) + bias;
}

DebertaV2ForMaskedLMImpl::DebertaV2ForMaskedLMImpl(const DebertaConfig& config) {
  deberta = register_module("deberta", DebertaV2Model(config));
  // HF's nesting, lm_predictions.lm_head.*, with no module of its own between.
  auto predictions = std::make_shared<torch::nn::Module>();
  lm_head = predictions->register_module("lm_head", MaskedLMHead(config));
  register_module("lm_predictions", predictions);
}

torch::Tensor DebertaV2ForMaskedLMImpl::forward(const ModelInputs& inputs) {
  return lm_head(deberta(inputs), deberta->word_weight());
}

ReplacedTokenHeadImpl::ReplacedTokenHeadImpl(const DebertaConfig& config)
    : activation_(activation_by_name(config.hidden_act)) {
  dense = register_module("dense", torch::nn::Linear(config.hidden_size, config.hidden_size));
  layer_norm = register_module("LayerNorm", hidden_layer_norm(config));
  classifier = register_module("classifier", torch::nn::Linear(config.hidden_size, 1));
}

torch::Tensor ReplacedTokenHeadImpl::forward(const torch::Tensor& hidden) {
  // Every token sees the sequence's [CLS] state as context.
  const auto states = layer_norm(hidden + hidden.narrow(1, 0, 1));
  return classifier(activation_(dense(states))).squeeze(-1);
}

DebertaV2ForReplacedTokenDetectionImpl::DebertaV2ForReplacedTokenDetectionImpl(const DebertaConfig& config) {
  deberta = register_module("deberta", DebertaV2Model(config));
  mask_predictions = register_module("mask_predictions", ReplacedTokenHead(config));
}

torch::Tensor DebertaV2ForReplacedTokenDetectionImpl::forward(const ModelInputs& inputs,
                                                              const torch::Tensor& shared_words) {
  return mask_predictions(deberta(inputs, shared_words));
}

DebertaConfig generator_config(const DebertaConfig& discriminator, int64_t layers) {
  DebertaConfig config = discriminator;
  config.num_hidden_layers = layers > 0 ? layers : std::max<int64_t>(1, discriminator.num_hidden_layers / 2);
  return config;
}

RtdModelImpl::RtdModelImpl(const DebertaConfig& generator_config, const DebertaConfig& discriminator_config) {
  if (generator_config.vocab_size != discriminator_config.vocab_size ||
      generator_config.embedding_size != discriminator_config.embedding_size)
    throw std::invalid_argument(
        "the generator and the discriminator share word embeddings, so they need the same "
        "vocab_size and embedding_size");
  generator = register_module("generator", DebertaV2ForMaskedLM(generator_config));
  discriminator = register_module("discriminator", DebertaV2ForReplacedTokenDetection(discriminator_config));
}

RtdLosses rtd_losses(RtdModel& model, const RtdBatch& batch, double rtd_weight, const torch::Tensor& samples) {
  RtdLosses out;
  out.mlm_logits = model->generator(batch.masked);
  const auto vocab = out.mlm_logits.size(-1);
  const auto labels = batch.mlm_labels.reshape({-1});
  const auto chosen = batch.mlm_labels.ge(0);
  // Summed over the chosen positions and divided by their count, with no
  // host sync; 0 when a batch has none.
  out.mlm = torch::cross_entropy_loss(out.mlm_logits.reshape({-1, vocab}).to(torch::kFloat), labels, {},
                                      at::Reduction::Sum, -100) /
            chosen.sum().clamp_min(1).to(torch::kFloat);

  torch::Tensor drawn = samples;
  if (!drawn.defined()) {
    torch::NoGradGuard no_grad;
    const auto probs = torch::softmax(out.mlm_logits.detach().to(torch::kFloat), -1).reshape({-1, vocab});
    drawn = torch::multinomial(probs, 1).reshape(batch.original.sizes());
  }
  out.discriminator_inputs = torch::where(chosen, drawn, batch.original);
  ModelInputs inputs = batch.masked;
  inputs.input_ids = out.discriminator_inputs;
  out.rtd_logits = model->discriminator(inputs, model->generator->word_weight());

  out.replaced = out.discriminator_inputs.ne(batch.original);
  const auto keep = batch.masked.attention_mask.defined() ? batch.masked.attention_mask.ne(0)
                                                          : torch::ones_like(batch.original, torch::kBool);
  const auto weights = keep.to(torch::kFloat);
  const auto per_token = torch::binary_cross_entropy_with_logits(
      out.rtd_logits.to(torch::kFloat), out.replaced.to(torch::kFloat), {}, {}, at::Reduction::None);
  out.rtd = (per_token * weights).sum() / weights.sum().clamp_min(1);
  out.total = out.mlm + rtd_weight * out.rtd;
  return out;
}

std::map<std::string, torch::Tensor> merged_discriminator_weights(RtdModel& model) {
  auto out = model_tensors(*model->discriminator);
  auto& words = out.at("deberta.embeddings.word_embeddings.weight");
  words = (model->generator->word_weight().detach() + words).contiguous();
  return out;
}

std::map<std::string, torch::Tensor> generator_weights(RtdModel& model) { return model_tensors(*model->generator); }

}  // namespace deberta
