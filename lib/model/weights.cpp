#include "model/weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <stdexcept>

namespace deberta {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The head's parameters, which a base checkpoint lacks: DeBERTa's pooler and
// BERT's (bert.pooler.), DistilBERT's pre_classifier, every classifier.
bool is_head(const std::string& name) {
  return starts_with(name, "pooler.") || starts_with(name, "classifier.") || starts_with(name, "pre_classifier.") ||
         name.find(".pooler.") != std::string::npos;
}

// Pre-training heads and buffers that a fine-tuning model never reads.
std::string ignorable_prefix(const std::string& name, bool model_has_head) {
  for (const char* prefix :
       {"lm_predictions.", "cls.", "mask_predictions.", "discriminator_predictions.", "generator_predictions.",
        "generator_lm_head.", "lm_head.", "vocab_transform.", "vocab_layer_norm.", "vocab_projector."})
    if (starts_with(name, prefix)) return prefix;
  if (!model_has_head && is_head(name)) return name.substr(0, name.find('.') + 1);
  // BERT-style base checkpoints carry a pooler that RoBERTa's and ELECTRA's
  // classifiers and every bare backbone here leave out.
  if (name.find("pooler.") != std::string::npos) return "pooler.";
  if (ends_with(name, "position_ids")) return "position_ids buffers";
  if (ends_with(name, "embeddings.token_type_ids")) return "token_type_ids buffers";
  if (ends_with(name, "embeddings.position_embeddings.weight")) return "unused position_embeddings";
  return "";
}

std::string shape_text(const torch::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

// Renames checkpoint keys to the model's convention: task models prefix the
// backbone ("deberta.", "bert.", ...), base checkpoints do not. A bare name
// gets the prefix only where the model has that parameter: DeBERTa's
// pooler sits beside the backbone, BERT's inside it.
std::string model_name(const std::string& name, const std::string& prefix, bool model_prefixed,
                       bool checkpoint_prefixed, const torch::OrderedDict<std::string, torch::Tensor>& parameters) {
  if (model_prefixed && !checkpoint_prefixed && parameters.contains(prefix + name)) return prefix + name;
  if (!model_prefixed && checkpoint_prefixed && starts_with(name, prefix)) return name.substr(prefix.size());
  return name;
}

}  // namespace

std::vector<std::string> LoadReport::describe() const {
  std::vector<std::string> lines;
  if (!initialised.empty())
    lines.push_back(fmt::format("initialised fresh (not in the checkpoint): {}", fmt::join(initialised, ", ")));
  if (!unexpected.empty()) lines.push_back(fmt::format("unused checkpoint tensors: {}", fmt::join(unexpected, ", ")));
  for (const auto& [prefix, count] : ignored) lines.push_back(fmt::format("ignored {} tensor(s): {}", count, prefix));
  return lines;
}

LoadReport load_weights(torch::nn::Module& model, const std::map<std::string, torch::Tensor>& tensors,
                        const LoadOptions& options) {
  auto parameters = model.named_parameters(/*recurse=*/true);
  const std::string& prefix = options.backbone_prefix;
  bool model_prefixed = false, model_has_head = false;
  for (const auto& item : parameters) {
    model_prefixed = model_prefixed || starts_with(item.key(), prefix);
    model_has_head = model_has_head || is_head(item.key());
  }
  bool checkpoint_prefixed = false;
  for (const auto& [name, tensor] : tensors) checkpoint_prefixed = checkpoint_prefixed || starts_with(name, prefix);

  LoadReport report;
  std::map<std::string, torch::Tensor> renamed;
  for (const auto& [name, tensor] : tensors) {
    const std::string target = model_name(name, prefix, model_prefixed, checkpoint_prefixed, parameters);
    if (parameters.contains(target)) {
      renamed[target] = tensor;
    } else if (const auto group = ignorable_prefix(target, model_has_head); !group.empty()) {
      ++report.ignored[group];
    } else {
      report.unexpected.push_back(name);
    }
  }

  torch::NoGradGuard no_grad;
  std::vector<std::string> missing;
  for (auto& item : parameters) {
    const std::string& name = item.key();
    torch::Tensor& parameter = item.value();
    const auto found = renamed.find(name);
    const bool mismatched_head = found != renamed.end() && is_head(name) && options.reinit_mismatched_head &&
                                 found->second.sizes() != parameter.sizes();
    if (found != renamed.end() && !mismatched_head) {
      if (found->second.sizes() != parameter.sizes())
        throw std::runtime_error(fmt::format("{}: {} has shape {}, but config.json gives {}", options.source, name,
                                             shape_text(found->second), shape_text(parameter)));
      parameter.copy_(found->second);
    } else if (is_head(name) && !options.strict) {
      if (ends_with(name, ".bias"))
        parameter.zero_();
      else
        parameter.normal_(0.0, options.initializer_range);
      report.initialised.push_back(name);
    } else {
      missing.push_back(name);
    }
  }
  if (!missing.empty())
    throw std::runtime_error(fmt::format("{}: missing tensor(s) {}", options.source, fmt::join(missing, ", ")));
  if (options.strict && !report.unexpected.empty())
    throw std::runtime_error(
        fmt::format("{}: unexpected tensor(s) {} (--strict)", options.source, fmt::join(report.unexpected, ", ")));
  return report;
}

void initialise_weights(torch::nn::Module& model, double initializer_range) {
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules()) {
    if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      linear->weight.normal_(0.0, initializer_range);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* embedding = module->as<torch::nn::EmbeddingImpl>()) {
      embedding->weight.normal_(0.0, initializer_range);
      if (const auto& pad = embedding->options.padding_idx()) embedding->weight[*pad].zero_();
    } else if (auto* norm = module->as<torch::nn::LayerNormImpl>()) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
}

std::map<std::string, torch::Tensor> model_tensors(const torch::nn::Module& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    out[item.key()] = item.value().detach().contiguous();
  return out;
}

}  // namespace deberta
