#include "commands/model_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "hub/hub_download.h"
#include "io/forward_inputs.h"
#include "io/json_tensor.h"
#include "model/checkpoint.h"
#include "model/factory.h"
#include "runtime/device.h"
#include "runtime/precision.h"
#include "tokenizer/tokenizer.h"
#include "util/atomic_file.h"
#include "util/json_file.h"

namespace deberta {

namespace {

int64_t count_parameters(const TensorMap& tensors, const std::string& prefix) {
  int64_t total = 0;
  for (const auto& [name, tensor] : tensors)
    if (name.rfind(prefix, 0) == 0) total += tensor.numel();
  return total;
}

// The family's usual name, for info.
std::string family_name(const std::string& model_type) {
  static const std::map<std::string, std::string> names = {
      {"deberta-v2", "DeBERTa-v2/v3"}, {"bert", "BERT"},
      {"electra", "ELECTRA"},          {"roberta", "RoBERTa"},
      {"xlm-roberta", "XLM-RoBERTa"},  {"distilbert", "DistilBERT"}};
  const auto it = names.find(model_type);
  return it == names.end() ? model_type : it->second;
}

std::string millions(int64_t count) { return fmt::format("{:.2f}M ({})", count / 1e6, count); }

nlohmann::json encoding_json(const Encoding& e) {
  return {{"input_ids", e.input_ids}, {"token_type_ids", e.token_type_ids}, {"attention_mask", e.attention_mask}};
}

}  // namespace

void print_model_info(const std::string& model, const std::string& device, std::ostream& out, std::ostream& log) {
  const c10::Device resolved = resolve_device(device);
  const ResolvedModel source = resolve_model(model, hub_settings_from_environment(), log);
  const std::string& model_dir = source.dir;
  const Checkpoint checkpoint = read_checkpoint(model_dir);
  const DebertaConfig& c = checkpoint.config;
  const bool prefixed = count_parameters(checkpoint.tensors, c.backbone_prefix()) > 0;
  const std::string backbone = prefixed ? c.backbone_prefix() : "";
  int64_t embeddings = 0, encoder = 0;
  for (const auto& part : DebertaConfig::embedding_parts())
    embeddings += count_parameters(checkpoint.tensors, backbone + part);
  for (const auto& part : DebertaConfig::encoder_parts())
    encoder += count_parameters(checkpoint.tensors, backbone + part);
  // A head is there when classifier.* is; its pooler is DeBERTa's pooler.*
  // or BERT's pooler inside the backbone (bare names: the same pooler.*).
  const int64_t classifier =
      count_parameters(checkpoint.tensors, "classifier.") + count_parameters(checkpoint.tensors, "pre_classifier.");
  const std::string pooler = c.is_deberta() ? "pooler." : c.model_type == "bert" ? backbone + "pooler." : "";
  const int64_t head =
      classifier > 0 ? classifier + (pooler.empty() ? 0 : count_parameters(checkpoint.tensors, pooler)) : 0;
  if (source.from_hub()) {
    out << fmt::format("model:               {}@{} (commit {})\n", source.hub_id, source.revision, source.commit);
    out << fmt::format("files:               {}\n", model_dir);
  } else {
    out << fmt::format("model:               {}\n", model_dir);
  }
  out << fmt::format("family:              {} (model_type {})\n", family_name(c.model_type), c.model_type);
  out << fmt::format("weights:             {}\n", checkpoint.weights_file);
  out << fmt::format("shape:               hidden {}, {} layers, {} heads, intermediate {}, embedding {}\n",
                     c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size, c.embedding_size);
  out << fmt::format("vocab_size (config): {}\n", c.vocab_size);
  if (c.is_deberta())
    out << fmt::format("positions:           relative {} (buckets {}, max_relative {}, {}), absolute {}\n",
                       c.relative_attention ? "yes" : "no", c.position_buckets, c.max_relative(),
                       fmt::join(c.pos_att_type, "+"), c.position_biased_input ? "yes" : "no");
  else
    out << fmt::format("positions:           absolute, {} (from {})\n", c.max_position_embeddings,
                       c.positions_after_padding() ? c.pad_token_id + 1 : 0);
  out << fmt::format("token types:         {}\n", c.type_vocab_size);
  // "Backbone" means the encoder alone, as in the model card and results.json.
  out << fmt::format("parameters:          backbone (encoder) {} + embeddings {} = {}\n", millions(encoder),
                     millions(embeddings), millions(embeddings + encoder));
  if (head > 0)
    out << fmt::format("head:                {} labels ({}), {} parameters\n", c.num_labels(),
                       fmt::join(c.labels, ", "), head);
  else
    out << "head:                none (a base checkpoint: fine-tuning adds a fresh one)\n";
  const Tokenizer tokenizer = load_tokenizer(model_dir);
  out << fmt::format("tokenizer:           {} ({} tokens, lower_case {}, split_by_punct {})\n", tokenizer.kind(),
                     tokenizer.vocab_size(), tokenizer.do_lower_case() ? "yes" : "no",
                     tokenizer.split_by_punct() ? "yes" : "no");
  out << fmt::format("device:              {} (--device {})\n", device_description(resolved), device);
}

void run_tokenize(const TokenizeOptions& options, std::ostream& out, std::ostream& log) {
  const Tokenizer tokenizer = load_tokenizer(resolve_model(options.model, hub_settings_from_environment(), log).dir);
  if (options.text) {
    const auto pair = options.pair ? std::optional<std::string_view>(*options.pair) : std::nullopt;
    out << encoding_json(tokenizer.encode(*options.text, pair, options.max_length)).dump() << '\n';
    return;
  }
  if (!options.input_jsonl) throw std::invalid_argument("tokenize needs --text or --input");
  const std::string& path = *options.input_jsonl;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    nlohmann::json example;
    try {
      example = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for 1e999
      throw std::runtime_error(fmt::format("{}:{}: not a JSON object", path, number));
    }
    if (!example.is_object() || !example.contains("text") || !example.at("text").is_string())
      throw std::runtime_error(fmt::format("{}:{}: field \"text\" must be a string", path, number));
    std::optional<std::string> pair;
    if (example.contains("pair") && !example.at("pair").is_null()) {
      if (!example.at("pair").is_string())
        throw std::runtime_error(fmt::format("{}:{}: field \"pair\" must be a string", path, number));
      pair = example.at("pair").get<std::string>();
    }
    const auto pair_view = pair ? std::optional<std::string_view>(*pair) : std::nullopt;
    try {
      out << encoding_json(tokenizer.encode(example.at("text").get<std::string>(), pair_view, options.max_length))
                 .dump()
          << '\n';
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(fmt::format("{}:{}: {}", path, number, e.what()));
    }
  }
}

void run_forward(const ForwardOptions& options, std::ostream& log) {
  ModelOptions model_options;
  model_options.strict = options.strict;
  model_options.device = resolve_device(options.device);
  model_options.precision = parse_precision(options.precision);
  const ForwardInputs parsed = parse_forward_inputs(read_file(options.inputs_path), options.inputs_path);
  const bool golden_layout = parsed.golden_layout;
  ModelInputs inputs;
  inputs.input_ids = integer_matrix_tensor(parsed.input_ids);
  if (parsed.attention_mask) inputs.attention_mask = integer_matrix_tensor(*parsed.attention_mask);
  if (parsed.token_type_ids) inputs.token_type_ids = integer_matrix_tensor(*parsed.token_type_ids);

  Model model = load_model(resolve_model(options.model, hub_settings_from_environment(), log).dir, model_options);
  for (const auto& line : model.report.describe()) log << line << '\n';
  const int64_t vocab = model.config.vocab_size;
  if (inputs.input_ids.min().item<int64_t>() < 0 || inputs.input_ids.max().item<int64_t>() >= vocab)
    throw std::runtime_error(
        fmt::format("{}: input_ids must lie in [0, {}) (vocab_size of config.json)", options.inputs_path, vocab));
  if (const int64_t limit = model.config.max_input_length(); limit > 0 && inputs.input_ids.size(1) > limit)
    throw std::runtime_error(
        fmt::format("{}: input_ids have {} tokens, more than the {} the model's absolute positions "
                    "allow (max_position_embeddings of config.json)",
                    options.inputs_path, inputs.input_ids.size(1), limit));
  if (model.config.type_vocab_size > 1 && inputs.token_type_ids.defined() &&
      (inputs.token_type_ids.min().item<int64_t>() < 0 ||
       inputs.token_type_ids.max().item<int64_t>() >= model.config.type_vocab_size))
    throw std::runtime_error(fmt::format("{}: token_type_ids must lie in [0, {}) (type_vocab_size of config.json)",
                                         options.inputs_path, model.config.type_vocab_size));

  torch::InferenceMode inference;
  for (auto* tensor : {&inputs.input_ids, &inputs.attention_mask, &inputs.token_type_ids})
    if (tensor->defined()) *tensor = tensor->to(model.device);
  AutocastGuard autocast(model.device, model.precision);
  nlohmann::json outputs;
  if (model.has_head()) {
    const auto out = model.classifier(inputs);
    outputs["last_hidden_state"] = tensor_to_json(out.last_hidden_state);
    outputs["pooled_output"] = tensor_to_json(out.pooled_output);
    outputs["logits"] = tensor_to_json(out.logits);
  } else {
    outputs["last_hidden_state"] = tensor_to_json(model.backbone(inputs));
  }
  const nlohmann::json result = golden_layout ? nlohmann::json{{"model", {{"outputs", outputs}}}} : outputs;
  write_file_atomically(options.output_path, result.dump() + "\n");
}

}  // namespace deberta
