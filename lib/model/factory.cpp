#include "model/factory.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <stdexcept>

#include "io/checkpoint.h"
#include "model/bert.h"
#include "model/checkpoint.h"
#include "model/deberta.h"
#include "model/distilbert.h"

namespace deberta {

namespace {

// Every family's head has tensors under classifier. (ELECTRA's and RoBERTa's
// classifier.dense and classifier.out_proj, the others' classifier.weight).
bool has_classifier(const TensorMap& tensors) {
  const auto it = tensors.lower_bound("classifier.");
  return it != tensors.end() && it->first.rfind("classifier.", 0) == 0;
}

// Builds the modules of `config`, with a head when `with_head`; `initialise`
// draws every parameter as HF does. Fine-tuning initialises even when the
// weights are read next, so that a fresh head draws the same numbers as it
// always has for a seed.
Model build(DebertaConfig config, const ModelOptions& options, bool with_head, bool initialise) {
  if (options.labels) set_labels(config, *options.labels);
  if (options.adjust_config) options.adjust_config(config);
  Model model;
  model.config = config;
  if (with_head)
    model.classifier = make_classifier(config);
  else
    model.backbone = make_backbone(config);
  if (initialise) initialise_weights(model.module(), config.initializer_range);
  model.device = options.device;
  model.precision = options.precision;
  return model;
}

// Device and precision are applied here, once the weights are in.
void place(Model& model) {
  model.module().to(model.device);
  model.module().eval();
}

}  // namespace

SequenceClassifier make_classifier(const DebertaConfig& config) {
  if (config.model_type == "bert") return as_classifier(std::make_shared<BertForSequenceClassificationImpl>(config));
  if (config.is_bert_like()) return as_classifier(std::make_shared<FirstTokenClassifierImpl>(config));
  if (config.model_type == "distilbert")
    return as_classifier(std::make_shared<DistilBertForSequenceClassificationImpl>(config));
  return as_classifier(DebertaV2ForSequenceClassification(config).ptr());
}

Backbone make_backbone(const DebertaConfig& config) {
  if (config.is_bert_like()) return as_backbone(BertModel(config, /*with_pooler=*/false).ptr());
  if (config.model_type == "distilbert") return as_backbone(DistilBertModel(config).ptr());
  return as_backbone(DebertaV2Model(config).ptr());
}

torch::nn::Module& Model::module() { return has_head() ? static_cast<torch::nn::Module&>(*classifier) : *backbone; }

Model load_model(const std::string& dir, const ModelOptions& options) {
  const bool read_weights = options.weights == WeightsSource::kRequired;
  Checkpoint checkpoint;
  if (read_weights) {
    checkpoint = read_checkpoint(dir);
  } else {
    checkpoint.dir = dir;
    checkpoint.config = load_config(dir + "/config.json");
  }
  if (options.require_classifier && !has_classifier(checkpoint.tensors))
    throw std::runtime_error(dir + ": has no classification head; fine-tune it first (deberta-bench finetune)");
  const bool with_head = options.labels || has_classifier(checkpoint.tensors);
  Model model = build(checkpoint.config, options, with_head, !read_weights || options.labels.has_value());
  if (read_weights) {
    LoadOptions load;
    load.source = dir + "/" + checkpoint.weights_file;
    load.strict = options.strict;
    load.reinit_mismatched_head = options.labels.has_value();
    load.initializer_range = model.config.initializer_range;
    load.backbone_prefix = model.config.backbone_prefix();
    model.report = load_weights(model.module(), checkpoint.tensors, load);
    model.weights_file = load.source;
  }
  place(model);
  return model;
}

Model new_model(const DebertaConfig& config, const ModelOptions& options) {
  Model model = build(config, options, /*with_head=*/true, /*initialise=*/true);
  place(model);
  return model;
}

void restore_weights(Model& model, const std::string& dir) {
  const TensorMap tensors = read_checkpoint_weights(dir).tensors;
  torch::NoGradGuard no_grad;
  for (auto& item : model.module().named_parameters()) {
    const auto found = tensors.find(item.key());
    if (found == tensors.end() || !found->second.sizes().equals(item.value().sizes()))
      throw std::runtime_error(fmt::format("{}: no tensor {} of the model's shape", dir, item.key()));
    item.value().copy_(found->second);
  }
}

}  // namespace deberta
