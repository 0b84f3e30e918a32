#include "model/deberta.h"

#include <torch/torch.h>

#include "model/dropout.h"

namespace deberta {

DebertaV2ModelImpl::DebertaV2ModelImpl(const DebertaConfig& config) {
  embeddings = register_module("embeddings", Embeddings(config));
  encoder = register_module("encoder", Encoder(config));
}

torch::Tensor DebertaV2ModelImpl::forward(const ModelInputs& inputs, const torch::Tensor& shared_words) {
  const auto types = checked_types(inputs);
  const auto& ids = inputs.input_ids;
  const bool padding = inputs.attention_mask.defined() && inputs.may_have_padding;
  const auto mask = inputs.attention_mask.defined() ? inputs.attention_mask : torch::ones_like(ids);
  return encoder(embeddings(ids, types, mask, shared_words), mask, padding);
}

DebertaV2ForSequenceClassificationImpl::DebertaV2ForSequenceClassificationImpl(const DebertaConfig& config)
    : classifier_dropout_(config.classifier_dropout()) {
  deberta = register_module("deberta", DebertaV2Model(config));
  pooler = register_module("pooler", ContextPooler(config));
  classifier = register_module("classifier", torch::nn::Linear(config.pooler_hidden_size, config.num_labels()));
}

ClassifierOutputs DebertaV2ForSequenceClassificationImpl::forward(const ModelInputs& inputs) {
  ClassifierOutputs out;
  out.last_hidden_state = deberta(inputs);
  out.pooled_output = pooler(out.last_hidden_state);
  out.logits = classifier(deberta::dropout(out.pooled_output, classifier_dropout_, is_training()));
  return out;
}

}  // namespace deberta
