// The fine-tuning configuration: every setting has a dotted key, a default
// and a one-line help. Layers override each other in this order: built-in
// defaults, configs/tasks/<task>.yaml `defaults:`, the model preset's
// training.yaml, the task file's named recipe, --config FILE, then --set
// key=value. The resolved configuration is enough to re-run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"

namespace deberta {

// Resolved values by dotted key, as YAML scalars ("3", "5e-05", "true"). Task
// data options appear as data.<option>.
using ConfigValues = std::map<std::string, std::string>;

struct SettingSpec {
  std::string key;
  std::string default_value;
  std::string help;
};

// Every built-in setting, in the order config.yaml lists them.
const std::vector<SettingSpec>& training_settings();

// Flattens a YAML file's mapping into dotted keys. `root` selects a sub-map
// ("" for the whole file, "recipes.kcbert" for a recipe). Throws
// std::runtime_error naming the file and key on anything that is not a map
// of scalars.
ConfigValues read_config_layer(const std::string& yaml_path, const std::string& root = "");
// The same for a file's text; `source` names it in errors.
ConfigValues parse_config_layer(const std::string& yaml_text, const std::string& source, const std::string& root = "");

// Applies `layer` over `values`. A key that is neither a setting nor
// data.<option of the task> is an error listing the valid keys; `source`
// names the layer in the message.
void apply_layer(ConfigValues& values, const ConfigValues& layer, const std::vector<std::string>& data_options,
                 const std::string& source);

// key=value strings (--set) as a layer. Throws std::invalid_argument.
ConfigValues parse_set_assignments(const std::vector<std::string>& assignments);

// The resolved values as nested YAML, the run directory's config.yaml.
std::string config_to_yaml(const ConfigValues& values);

struct ConfigSources {
  std::string task_file;          // configs/tasks/<task>.yaml; empty when the task has none (a YAML tsv task)
  std::string model_preset_file;  // a model's training.yaml (after the task defaults); empty for none
  std::string recipe;             // a key under the task file's `recipes:`
  std::string config_file;
  std::vector<std::string> set_assignments;
};

// The `run:` section of a run directory's config.yaml: what ran, beside the
// settings. --config FILE reads the settings and skips this section; the
// trainer takes the task, model and data from it when no flag gives them.
struct RunSection {
  std::string task, model, model_name, data_dir;
  std::string model_revision;  // a Hub model's revision as first asked (model then pins the commit)
  std::string device;          // where the run ran, e.g. "cpu AMD EPYC 7B13 (avx2)"; a re-run takes --device
};
RunSection read_run_section(const std::string& yaml_path);

// Resolves every layer in order; `data_options` are the task's option names.
// The result holds every setting and every data option.
ConfigValues resolve_config(const ConfigSources& sources, const std::map<std::string, std::string>& data_defaults);

// Typed settings of a resolved configuration.
struct TrainSettings {
  int64_t epochs = 3;
  int64_t max_steps = -1;           // > 0 overrides epochs
  int64_t max_train_examples = -1;  // > 0 keeps the first N training examples
  int64_t batch_size = 32;
  int64_t eval_batch_size = 64;
  int64_t gradient_accumulation_steps = 1;
  int64_t max_seq_len = 0;  // 0: the task's default
  bool group_by_length = true;
  uint64_t seed = 42;
  int64_t logging_steps = 50;
  bool tensorboard = true;         // logging.tensorboard: event files beside metrics.jsonl
  std::string precision = "fp32";  // fp32, bf16 or fp16
  double fp16_init_scale = 65536;
  bool allow_tf32 = false;
  std::string distributed_backend = "auto";  // auto, gloo or nccl
  int64_t distributed_timeout_s = 60;
  double lr = 5e-5;
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double max_grad_norm = 1.0;
  bool fused_adamw = true;
  std::string schedule = "linear";
  int64_t warmup_steps = 0;
  double warmup_ratio = 0.0;
  int64_t eval_every_steps = 0;   // 0: at the end of each epoch only
  std::string selection = "dev";  // dev, or best-test (the legacy rule)
  std::string selection_metric;   // empty: the task's headline
  int64_t early_stopping_patience = 0;
  std::optional<double> hidden_dropout_prob, attention_probs_dropout_prob, cls_dropout;
  bool from_scratch = false;          // ignore the checkpoint's weights: the baseline without pre-training
  std::string train_split = "train";  // train, or dev: the offline protocol
  std::map<std::string, std::string> data_options;
};

// Throws std::invalid_argument naming the key when a value does not parse or
// is out of range.
TrainSettings typed_settings(const ConfigValues& values);

// What only `pretrain` reads (pretrain.*); the rest of its settings are
// TrainSettings (training.max_seq_len is the packed sequence length).
struct PretrainSettings {
  double mask_prob = 0.15;
  bool whole_word_mask = false;
  double rtd_weight = 50.0;
  int64_t generator_layers = 0;  // 0: half the discriminator's
  int64_t eval_sequences = 64;
  int64_t shuffle_buffer = 65536;  // sequences
};
PretrainSettings typed_pretrain_settings(const ConfigValues& values);

// The model.* settings (dropout overrides) applied to a config.json.
void apply_model_overrides(DebertaConfig& config, const TrainSettings& settings);

}  // namespace deberta
