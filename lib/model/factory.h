// The one model factory: every command gets its model here, from a
// checkpoint directory or from a config alone. It is the one place where a
// model's shape, head and weights are decided, and where its device and
// precision are applied.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/sequence_classifier.h"
#include "model/weights.h"
#include "runtime/precision.h"

namespace deberta {

enum class WeightsSource {
  kRequired,  // the directory must hold weights
  kNone,      // only config.json is read: a fresh model (from scratch), or weights that come later (resume)
};

struct ModelOptions {
  // A classifier with these labels ({"score"} for regression), for
  // fine-tuning: the checkpoint's head is kept when it fits, otherwise a fresh
  // one is drawn and reported. Unset: the checkpoint's own head when it has
  // one (classifier.* tensors), else the backbone alone.
  std::optional<std::vector<std::string>> labels;
  // Applied to config.json before the modules are built: dropout settings,
  // replay's dropout-free model.
  std::function<void(DebertaConfig&)> adjust_config;
  bool strict = false;              // a missing head or an unexpected tensor is an error
  bool require_classifier = false;  // a checkpoint without classifier.* tensors is an error
  WeightsSource weights = WeightsSource::kRequired;
  // Where the model lives, and the precision it computes in: autocast over
  // fp32 weights (the weights themselves stay fp32).
  c10::Device device{c10::kCPU};
  Precision precision = Precision::kFp32;
};

struct Model {
  DebertaConfig config;
  SequenceClassifier classifier{nullptr};  // with a head, of config.model_type's family
  Backbone backbone{nullptr};              // otherwise
  std::string weights_file;                // the file the weights came from; empty for a fresh model
  LoadReport report;
  c10::Device device{c10::kCPU};  // where its parameters are
  Precision precision = Precision::kFp32;

  bool has_head() const { return !classifier.is_empty(); }
  // The module that holds every parameter.
  torch::nn::Module& module();
};

// The model of a checkpoint directory, on options.device, in eval mode. A fresh model (no
// weights read) is initialised as HF does, from torch's default generator:
// seed it first for a reproducible head. Throws std::runtime_error naming the
// file and the problem.
Model load_model(const std::string& dir, const ModelOptions& options);

// A model of `config` initialised as HF does, in eval mode (benchmark shapes).
Model new_model(const DebertaConfig& config, const ModelOptions& options = {});

// The family's modules for `config` (config.model_type), not initialised.
SequenceClassifier make_classifier(const DebertaConfig& config);
Backbone make_backbone(const DebertaConfig& config);

// Replaces every parameter with the same-named tensor of a checkpoint that
// this model wrote (checkpoint-last/, checkpoint-best/): names and shapes
// must match exactly.
void restore_weights(Model& model, const std::string& dir);

}  // namespace deberta
