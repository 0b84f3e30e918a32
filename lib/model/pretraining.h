// DeBERTa-v3's pre-training models (He et al. 2021, "DeBERTaV3"): an MLM
// generator and a replaced-token-detection (RTD) discriminator that share
// the word embeddings through gradient-disentangled embedding sharing
// (GDES). Parameter names are those of microsoft/DeBERTa and HF: the
// generator is a DebertaV2ForMaskedLM (legacy=False head,
// lm_predictions.lm_head.*), the discriminator a DebertaV2Model with
// mask_predictions.*.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <map>
#include <string>

#include "model/activations.h"
#include "model/config.h"
#include "model/deberta.h"

namespace deberta {

// dense, activation, LayerNorm, then the tied word embeddings as decoder plus
// a bias: [B, L, hidden] -> [B, L, vocab].
class MaskedLMHeadImpl : public torch::nn::Module {
 public:
  explicit MaskedLMHeadImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& word_weight);

 private:
  Activation activation_;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::Tensor bias;
};
TORCH_MODULE(MaskedLMHead);

class DebertaV2ForMaskedLMImpl : public torch::nn::Module {
 public:
  explicit DebertaV2ForMaskedLMImpl(const DebertaConfig& config);
  // Logits over the vocabulary, [B, L, vocab].
  torch::Tensor forward(const ModelInputs& inputs);
  // E: the generator's word embeddings, which GDES shares.
  const torch::Tensor& word_weight() const { return deberta->word_weight(); }

 private:
  DebertaV2Model deberta{nullptr};
  MaskedLMHead lm_head{nullptr};  // registered as lm_predictions.lm_head
};
TORCH_MODULE(DebertaV2ForMaskedLM);

// LayerNorm(h + h_[CLS]), dense, activation, then one logit per token, as
// microsoft/DeBERTa's RTD head.
class ReplacedTokenHeadImpl : public torch::nn::Module {
 public:
  explicit ReplacedTokenHeadImpl(const DebertaConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);  // [B, L, hidden] -> [B, L]

 private:
  Activation activation_;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(ReplacedTokenHead);

class DebertaV2ForReplacedTokenDetectionImpl : public torch::nn::Module {
 public:
  explicit DebertaV2ForReplacedTokenDetectionImpl(const DebertaConfig& config);
  // Per-token logits that the token was replaced, [B, L]. With GDES the word
  // embeddings are stop_gradient(shared_words) + this model's own (E_delta).
  torch::Tensor forward(const ModelInputs& inputs, const torch::Tensor& shared_words = {});

 private:
  DebertaV2Model deberta{nullptr};
  ReplacedTokenHead mask_predictions{nullptr};
};
TORCH_MODULE(DebertaV2ForReplacedTokenDetection);

// The generator's shape by default: the discriminator's, with half its
// layers (at least one), as DeBERTa-v3 trains it.
DebertaConfig generator_config(const DebertaConfig& discriminator, int64_t layers = 0);

// Both models as one module, so that one optimizer, clipping and checkpoint
// cover them: parameters generator.* and discriminator.*.
class RtdModelImpl : public torch::nn::Module {
 public:
  RtdModelImpl(const DebertaConfig& generator_config, const DebertaConfig& discriminator_config);
  DebertaV2ForMaskedLM generator{nullptr};
  DebertaV2ForReplacedTokenDetection discriminator{nullptr};
};
TORCH_MODULE(RtdModel);

// One pre-training batch: the masked inputs and what the masking replaced.
struct RtdBatch {
  ModelInputs masked;        // input_ids with the chosen tokens masked (80% [MASK], 10% random, 10% kept)
  torch::Tensor original;    // [B, L] long: the ids before masking
  torch::Tensor mlm_labels;  // [B, L] long: the original id where chosen, -100 elsewhere
};

struct RtdLosses {
  torch::Tensor mlm;                   // mean cross-entropy over the chosen positions
  torch::Tensor rtd;                   // mean BCE over the non-padding tokens
  torch::Tensor total;                 // mlm + rtd_weight * rtd
  torch::Tensor mlm_logits;            // [B, L, vocab]
  torch::Tensor discriminator_inputs;  // [B, L]: the originals with the chosen ones replaced by samples
  torch::Tensor rtd_logits;            // [B, L]
  torch::Tensor replaced;              // [B, L] bool: the discriminator's input differs from the original
};

// The generator predicts the chosen tokens; replacements are sampled from
// its softmax (no gradient flows through the sampling) unless `samples`
// ([B, L], read at the chosen positions) fixes them; the discriminator sees
// the result through GDES and labels every non-padding token.
RtdLosses rtd_losses(RtdModel& model, const RtdBatch& batch, double rtd_weight, const torch::Tensor& samples = {});

// The discriminator's weights as a fine-tune loads them (HF names: deberta.*,
// mask_predictions.*), its word embeddings merged: E + E_delta. The model
// itself is left as it is, so training can go on.
std::map<std::string, torch::Tensor> merged_discriminator_weights(RtdModel& model);
// The generator's weights under HF DebertaV2ForMaskedLM names.
std::map<std::string, torch::Tensor> generator_weights(RtdModel& model);

}  // namespace deberta
