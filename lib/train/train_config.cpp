#include "train/train_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "util/text.h"
#include "util/yaml_file.h"

namespace deberta {

const std::vector<SettingSpec>& training_settings() {
  static const std::vector<SettingSpec> settings = {
      {"training.epochs", "3", "passes over the training data"},
      {"training.max_steps", "-1", "optimizer steps; > 0 overrides training.epochs"},
      {"training.max_train_examples", "-1", "> 0 trains on the first N examples only (quick runs)"},
      {"training.batch_size", "32", "examples per optimizer step (before accumulation)"},
      {"training.eval_batch_size", "64", "examples per evaluation batch"},
      {"training.gradient_accumulation_steps", "1", "micro-batches per optimizer step"},
      {"training.max_seq_len", "0", "tokens per example; 0 uses the task's default"},
      {"training.group_by_length", "true", "batch examples of similar length (less padding)"},
      {"training.seed", "42", "seeds the new head, dropout and the data order"},
      {"training.logging_steps", "50", "steps between log lines"},
      {"logging.tensorboard", "true",
       "write TensorBoard event files (events.out.tfevents.*) into the run directory beside metrics.jsonl"},
      {"training.precision", "fp32",
       "fp32, bf16 or fp16: autocast over fp32 weights; fp16 adds dynamic loss scaling (skipped steps on overflow)"},
      {"training.fp16_init_scale", "65536", "the first loss scale of fp16 (GradScaler's init_scale)"},
      {"training.allow_tf32", "false", "let CUDA matrix products use TF32 (faster, fewer mantissa bits)"},
      {"training.train_split", "train",
       "train; or dev, the offline protocol for a missing train file: train on the dev file less a seeded tenth, "
       "which becomes dev (not comparable to the model card)"},
      {"optimizer.lr", "5e-05", "peak learning rate (AdamW)"},
      {"optimizer.weight_decay", "0", "decoupled weight decay; biases and LayerNorm weights get none"},
      {"optimizer.beta1", "0.9", "AdamW beta1"},
      {"optimizer.beta2", "0.999", "AdamW beta2"},
      {"optimizer.eps", "1e-08", "AdamW epsilon"},
      {"optimizer.max_grad_norm", "1", "clip the global gradient norm; 0 disables"},
      {"optimizer.fused", "true",
       "AdamW as one fused kernel per group (torch.optim.AdamW(fused=True)); false: the per-parameter loop"},
      {"schedule.type", "linear", "linear, constant or cosine, each after warmup"},
      {"schedule.warmup_steps", "0", "warmup steps; wins over warmup_ratio when > 0"},
      {"schedule.warmup_ratio", "0", "warmup as a fraction of all steps"},
      {"evaluation.every_steps", "0", "evaluate on dev every N steps as well as after each epoch; 0: epochs only"},
      {"evaluation.selection", "dev", "dev, or best-test: the legacy rule of the published KoELECTRA/KcBERT numbers"},
      {"evaluation.metric", "", "the metric that selects the checkpoint; empty: the task's headline"},
      {"evaluation.early_stopping_patience", "0", "stop after N evaluations without improvement; 0: never"},
      {"distributed.backend", "auto", "auto (gloo on the CPU, nccl on CUDA), gloo or nccl; used under torchrun"},
      {"distributed.timeout_s", "60", "seconds a process waits for a lost peer before it stops with an error"},
      {"model.hidden_dropout_prob", "", "override config.json; empty keeps it"},
      {"model.attention_probs_dropout_prob", "", "override config.json; empty keeps it"},
      {"model.cls_dropout", "", "override the classifier dropout; empty keeps config.json's"},
      {"model.from_scratch", "false",
       "true: initialise the model as HF does (seeded) instead of reading its weights; the baseline without "
       "pre-training"},
      {"pretrain.mask_prob", "0.15",
       "pretrain: the share of tokens the generator must predict (80% [MASK], 10% random, 10% kept)"},
      {"pretrain.whole_word_mask", "false", "pretrain: mask whole words (every piece of a chosen word)"},
      {"pretrain.rtd_weight", "50", "pretrain: lambda of the total loss MLM + lambda * RTD"},
      {"pretrain.generator_layers", "0", "pretrain: the generator's layers; 0: half the discriminator's"},
      {"pretrain.eval_sequences", "64", "pretrain: packed sequences held out for evaluation"},
      {"pretrain.shuffle_buffer", "65536",
       "pretrain: packed sequences the epoch's shuffle holds; memory needs this many, not the corpus"},
  };
  return settings;
}

namespace {

void flatten(const YAML::Node& node, const std::string& prefix, const std::string& source, ConfigValues& out) {
  if (node.IsNull()) return;
  if (!node.IsMap())
    throw std::runtime_error(
        fmt::format("{}: {}: expected a mapping of settings", source, prefix.empty() ? "top level" : prefix));
  for (const auto& item : node) {
    // A key is the file's text: a newline in one would break the one-line
    // errors that quote it (no setting's name has one).
    const std::string key = (prefix.empty() ? "" : prefix + ".") + one_line(item.first.as<std::string>());
    if (item.second.IsMap()) {
      flatten(item.second, key, source, out);
    } else if (item.second.IsScalar()) {
      out[key] = item.second.as<std::string>();
    } else if (item.second.IsNull()) {
      out[key] = "";
    } else {
      throw std::runtime_error(
          fmt::format("{}:{}: {}: expected a single value", source, item.second.Mark().line + 1, key));
    }
  }
}

bool known_key(const std::string& key, const std::vector<std::string>& data_options) {
  const auto& settings = training_settings();
  if (std::any_of(settings.begin(), settings.end(), [&](const SettingSpec& s) { return s.key == key; })) return true;
  return key.rfind("data.", 0) == 0 &&
         std::find(data_options.begin(), data_options.end(), key.substr(5)) != data_options.end();
}

std::string valid_keys(const std::vector<std::string>& data_options) {
  std::vector<std::string> keys;
  for (const auto& s : training_settings()) keys.push_back(s.key);
  for (const auto& option : data_options) keys.push_back("data." + option);
  return fmt::format("{}", fmt::join(keys, ", "));
}

int64_t parse_integer(const ConfigValues& values, const std::string& key, int64_t min) {
  const std::string& text = values.at(key);
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument(fmt::format("{}: '{}' is not an integer", key, one_line(text)));
  if (value < min) throw std::invalid_argument(fmt::format("{}: must be at least {}, got {}", key, min, value));
  return value;
}

double parse_number(const ConfigValues& values, const std::string& key, double min) {
  const std::string& text = values.at(key);
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument(fmt::format("{}: '{}' is not a number", key, one_line(text)));
  if (value < min) throw std::invalid_argument(fmt::format("{}: must be at least {}, got {}", key, min, value));
  return value;
}

bool parse_bool(const ConfigValues& values, const std::string& key) {
  const std::string& text = values.at(key);
  if (text == "true") return true;
  if (text == "false") return false;
  throw std::invalid_argument(fmt::format("{}: '{}' is not true or false", key, one_line(text)));
}

std::optional<double> parse_optional_probability(const ConfigValues& values, const std::string& key) {
  if (values.at(key).empty()) return std::nullopt;
  const double p = parse_number(values, key, 0.0);
  if (p >= 1.0) throw std::invalid_argument(fmt::format("{}: a dropout probability must be below 1, got {}", key, p));
  return p;
}

std::string one_of(const ConfigValues& values, const std::string& key, const std::vector<std::string>& allowed) {
  const std::string& text = values.at(key);
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
    throw std::invalid_argument(
        fmt::format("{}: '{}' is not one of {}", key, one_line(text), fmt::join(allowed, ", ")));
  return text;
}

ConfigValues config_layer_from_yaml(YAML::Node node, const std::string& yaml_path, const std::string& root) {
  std::stringstream path(root);
  std::string part;
  while (!root.empty() && std::getline(path, part, '.')) {
    if (!node.IsMap() || !node[part]) throw std::runtime_error(fmt::format("{}: has no '{}' section", yaml_path, root));
    node = node[part];
  }
  ConfigValues out;
  try {
    flatten(node, "", yaml_path, out);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(fmt::format("{}:{}: {}", yaml_path, e.mark.line + 1, one_line(e.msg)));
  }
  return out;
}

}  // namespace

ConfigValues read_config_layer(const std::string& yaml_path, const std::string& root) {
  return config_layer_from_yaml(load_yaml_file(yaml_path, "cannot open the file"), yaml_path, root);
}

ConfigValues parse_config_layer(const std::string& yaml_text, const std::string& source, const std::string& root) {
  return config_layer_from_yaml(parse_yaml(yaml_text, source), source, root);
}

void apply_layer(ConfigValues& values, const ConfigValues& layer, const std::vector<std::string>& data_options,
                 const std::string& source) {
  for (const auto& [key, value] : layer) {
    if (!known_key(key, data_options))
      throw std::invalid_argument(
          fmt::format("{}: unknown setting '{}'; valid keys: {}", source, key, valid_keys(data_options)));
    // A value must survive config.yaml, which re-runs and resumes the run.
    if (!is_plain_utf8_text(value))
      throw std::invalid_argument(
          fmt::format("{}: setting '{}': '{}' is not plain UTF-8 text (a control character or "
                      "a malformed byte sequence)",
                      source, key, one_line(value)));
    values[key] = value;
  }
}

ConfigValues parse_set_assignments(const std::vector<std::string>& assignments) {
  ConfigValues out;
  for (const auto& assignment : assignments) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("--set " + assignment + ": expected key=value, e.g. optimizer.lr=3e-5");
    out[assignment.substr(0, eq)] = assignment.substr(eq + 1);
  }
  return out;
}

std::string config_to_yaml(const ConfigValues& values) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string open_section;
  for (const auto& [key, value] : values) {
    const auto dot = key.find('.');
    const std::string section = key.substr(0, dot), name = key.substr(dot + 1);
    if (section != open_section) {
      if (!open_section.empty()) out << YAML::EndMap;
      out << YAML::Key << section << YAML::Value << YAML::BeginMap;
      open_section = section;
    }
    out << YAML::Key << name << YAML::Value << value;
  }
  if (!open_section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

ConfigValues resolve_config(const ConfigSources& sources, const std::map<std::string, std::string>& data_defaults) {
  std::vector<std::string> data_options;
  ConfigValues values;
  for (const auto& s : training_settings()) values[s.key] = s.default_value;
  for (const auto& [name, value] : data_defaults) {
    data_options.push_back(name);
    values["data." + name] = value;
  }
  if (!sources.task_file.empty())
    apply_layer(values, read_config_layer(sources.task_file, "defaults"), data_options, sources.task_file);
  if (!sources.model_preset_file.empty())
    apply_layer(values, read_config_layer(sources.model_preset_file), data_options, sources.model_preset_file);
  if (!sources.task_file.empty()) {
    if (!sources.recipe.empty())
      apply_layer(values, read_config_layer(sources.task_file, "recipes." + sources.recipe), data_options,
                  sources.task_file + " (recipe " + sources.recipe + ")");
  } else if (!sources.recipe.empty()) {
    throw std::invalid_argument("--recipe " + sources.recipe + ": this task has no recipes");
  }
  if (!sources.config_file.empty()) {
    ConfigValues layer = read_config_layer(sources.config_file);
    for (auto it = layer.begin(); it != layer.end();) it = it->first.rfind("run.", 0) == 0 ? layer.erase(it) : ++it;
    apply_layer(values, layer, data_options, sources.config_file);
  }
  apply_layer(values, parse_set_assignments(sources.set_assignments), data_options, "--set");
  return values;
}

RunSection read_run_section(const std::string& yaml_path) {
  const ConfigValues layer = read_config_layer(yaml_path);
  RunSection run;
  for (const auto& [key, value] : layer) {
    if (key.rfind("run.", 0) != 0) continue;
    if (key == "run.task") {
      run.task = value;
    } else if (key == "run.model") {
      run.model = value;
    } else if (key == "run.model_revision") {
      run.model_revision = value;
    } else if (key == "run.model_name") {
      run.model_name = value;
    } else if (key == "run.data_dir") {
      run.data_dir = value;
    } else if (key == "run.device") {
      run.device = value;
    } else {
      throw std::invalid_argument(fmt::format(
          "{}: unknown setting '{}'; the run: section holds task, model, model_revision, model_name, data_dir and "
          "device",
          yaml_path, key));
    }
  }
  return run;
}

TrainSettings typed_settings(const ConfigValues& values) {
  TrainSettings s;
  s.epochs = parse_integer(values, "training.epochs", 1);
  s.max_steps = parse_integer(values, "training.max_steps", -1);
  s.max_train_examples = parse_integer(values, "training.max_train_examples", -1);
  s.batch_size = parse_integer(values, "training.batch_size", 1);
  s.eval_batch_size = parse_integer(values, "training.eval_batch_size", 1);
  s.gradient_accumulation_steps = parse_integer(values, "training.gradient_accumulation_steps", 1);
  s.max_seq_len = parse_integer(values, "training.max_seq_len", 0);
  s.group_by_length = parse_bool(values, "training.group_by_length");
  s.seed = static_cast<uint64_t>(parse_integer(values, "training.seed", 0));
  s.logging_steps = parse_integer(values, "training.logging_steps", 1);
  s.tensorboard = parse_bool(values, "logging.tensorboard");
  s.precision = one_of(values, "training.precision", {"fp32", "bf16", "fp16"});
  s.fp16_init_scale = parse_number(values, "training.fp16_init_scale", 1.0);
  s.allow_tf32 = parse_bool(values, "training.allow_tf32");
  s.distributed_backend = one_of(values, "distributed.backend", {"auto", "gloo", "nccl"});
  s.distributed_timeout_s = parse_integer(values, "distributed.timeout_s", 1);
  s.train_split = one_of(values, "training.train_split", {"train", "dev"});
  s.lr = parse_number(values, "optimizer.lr", 0.0);
  s.weight_decay = parse_number(values, "optimizer.weight_decay", 0.0);
  s.beta1 = parse_number(values, "optimizer.beta1", 0.0);
  s.beta2 = parse_number(values, "optimizer.beta2", 0.0);
  s.eps = parse_number(values, "optimizer.eps", 0.0);
  s.max_grad_norm = parse_number(values, "optimizer.max_grad_norm", 0.0);
  s.fused_adamw = parse_bool(values, "optimizer.fused");
  s.schedule = one_of(values, "schedule.type", {"linear", "constant", "cosine"});
  s.warmup_steps = parse_integer(values, "schedule.warmup_steps", 0);
  s.warmup_ratio = parse_number(values, "schedule.warmup_ratio", 0.0);
  s.eval_every_steps = parse_integer(values, "evaluation.every_steps", 0);
  s.selection = one_of(values, "evaluation.selection", {"dev", "best-test"});
  s.selection_metric = values.at("evaluation.metric");
  s.early_stopping_patience = parse_integer(values, "evaluation.early_stopping_patience", 0);
  s.hidden_dropout_prob = parse_optional_probability(values, "model.hidden_dropout_prob");
  s.attention_probs_dropout_prob = parse_optional_probability(values, "model.attention_probs_dropout_prob");
  s.cls_dropout = parse_optional_probability(values, "model.cls_dropout");
  s.from_scratch = parse_bool(values, "model.from_scratch");
  if (s.beta1 >= 1.0 || s.beta2 >= 1.0) throw std::invalid_argument("optimizer.beta1 and beta2 must be below 1");
  if (s.warmup_ratio > 1.0) throw std::invalid_argument("schedule.warmup_ratio: must be at most 1");
  for (const auto& [key, value] : values)
    if (key.rfind("data.", 0) == 0) s.data_options[key.substr(5)] = value;
  return s;
}

PretrainSettings typed_pretrain_settings(const ConfigValues& values) {
  PretrainSettings s;
  s.mask_prob = parse_number(values, "pretrain.mask_prob", 0.0);
  if (s.mask_prob <= 0.0 || s.mask_prob >= 1.0) throw std::invalid_argument("pretrain.mask_prob: must be in (0, 1)");
  s.whole_word_mask = parse_bool(values, "pretrain.whole_word_mask");
  s.rtd_weight = parse_number(values, "pretrain.rtd_weight", 0.0);
  s.generator_layers = parse_integer(values, "pretrain.generator_layers", 0);
  s.eval_sequences = parse_integer(values, "pretrain.eval_sequences", 0);
  s.shuffle_buffer = parse_integer(values, "pretrain.shuffle_buffer", 1);
  return s;
}

void apply_model_overrides(DebertaConfig& config, const TrainSettings& settings) {
  if (settings.hidden_dropout_prob) config.hidden_dropout_prob = *settings.hidden_dropout_prob;
  if (settings.attention_probs_dropout_prob)
    config.attention_probs_dropout_prob = *settings.attention_probs_dropout_prob;
  if (settings.cls_dropout) config.cls_dropout = *settings.cls_dropout;
}

}  // namespace deberta
