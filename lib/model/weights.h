// Maps a checkpoint's tensors onto a model's parameters by HF name.
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <string>
#include <vector>

namespace deberta {

struct LoadOptions {
  std::string source;  // the weights file, for messages
  // Missing or unexpected tensors are errors, not reports.
  bool strict = false;
  // A classifier whose label count differs from the model's is replaced by a
  // fresh one (fine-tuning a head for another task) instead of failing.
  bool reinit_mismatched_head = false;
  double initializer_range = 0.02;
  // The backbone's name in the family's task model ("deberta.", "bert.", ...):
  // base checkpoints name the backbone's tensors without it.
  std::string backbone_prefix = "deberta.";
};

struct LoadReport {
  std::vector<std::string> initialised;  // head parameters drawn fresh (HF's init)
  std::vector<std::string> unexpected;   // checkpoint tensors nothing reads
  std::map<std::string, int> ignored;    // unused heads and buffers, counted by prefix

  // One line per fact, for the log; empty when the checkpoint fit exactly.
  std::vector<std::string> describe() const;
};

// Copies `tensors` into `model`'s parameters. Accepts task checkpoints
// (deberta.*, bert.*, ... names) and base checkpoints (bare names) alike. A missing
// backbone tensor or a shape that disagrees with the config is an error
// (std::runtime_error, one line naming `options.source` and the tensor); a
// missing pooler, pre_classifier or classifier is initialised as HF does (normal with std
// initializer_range, zero bias) unless `options.strict`.
LoadReport load_weights(torch::nn::Module& model, const std::map<std::string, torch::Tensor>& tensors,
                        const LoadOptions& options);

// HF's initialisation of a fresh model: linear and embedding weights normal
// with std `initializer_range`, the padding row and every bias zero,
// LayerNorm the identity.
void initialise_weights(torch::nn::Module& model, double initializer_range);

// The model's parameters by HF name, detached and contiguous: what a
// checkpoint stores.
std::map<std::string, torch::Tensor> model_tensors(const torch::nn::Module& model);

}  // namespace deberta
