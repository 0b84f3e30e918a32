// The interface every model family offers the commands: a sequence
// classifier (inputs -> logits) and a bare backbone (inputs -> last hidden
// state). The factory picks the family from config.json's model_type; the
// trainer, inference and the commands only see these two.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>

namespace deberta {

// A padded batch. token_type_ids may be undefined (all zeros).
struct ModelInputs {
  torch::Tensor input_ids;       // [B, L] long
  torch::Tensor attention_mask;  // [B, L] 0/1
  torch::Tensor token_type_ids;  // [B, L] long
  // False when the caller knows that every attention_mask entry is 1: the
  // encoder then skips the mask without reading the tensor back from the
  // device. True is always right (a mask of ones changes nothing).
  bool may_have_padding = true;
};

// token_type_ids (zeros when undefined), after checking that input_ids is
// [B, L] and that the mask and types have its shape; every family's first step.
torch::Tensor checked_types(const ModelInputs& inputs);

struct ClassifierOutputs {
  torch::Tensor last_hidden_state;  // [B, L, hidden]
  torch::Tensor pooled_output;      // [B, hidden]: what the last linear layer reads, before its dropout
  torch::Tensor logits;             // [B, num_labels]
};

// A family's model with its sequence-classification head; parameter names
// are transformers' names for that family's *ForSequenceClassification.
class SequenceClassifierImpl : public torch::nn::Module {
 public:
  virtual ClassifierOutputs forward(const ModelInputs& inputs) = 0;
};
TORCH_MODULE(SequenceClassifier);

// A family's base model; parameter names are those of its base checkpoint.
class BackboneImpl : public torch::nn::Module {
 public:
  // Non-virtual, so that a family may offer a forward with more arguments
  // (DeBERTa's shared word embeddings) beside this one.
  torch::Tensor forward(const ModelInputs& inputs) { return last_hidden_state(inputs); }
  virtual torch::Tensor last_hidden_state(const ModelInputs& inputs) = 0;
};
TORCH_MODULE(Backbone);

// A family's module behind the interface. (The holders' forwarding
// constructor would take a derived pointer as constructor arguments.)
template <typename Impl>
SequenceClassifier as_classifier(std::shared_ptr<Impl> impl) {
  return SequenceClassifier(std::shared_ptr<SequenceClassifierImpl>(std::move(impl)));
}
template <typename Impl>
Backbone as_backbone(std::shared_ptr<Impl> impl) {
  return Backbone(std::shared_ptr<BackboneImpl>(std::move(impl)));
}

}  // namespace deberta
