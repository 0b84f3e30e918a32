#include "commands/checkpoint_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "data/tsv.h"
#include "model/factory.h"
#include "runtime/device.h"
#include "runtime/precision.h"
#include "tasks/dataset.h"
#include "tasks/inspect.h"
#include "tasks/registry.h"
#include "tokenizer/tokenizer.h"
#include "train/features.h"
#include "train/inference.h"
#include "train/train_config.h"
#include "util/atomic_file.h"
#include "util/resources.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

// A checkpoint ready to run on a task, with the settings it runs under.
struct Scorer {
  TaskSpec task;
  Model model;
  Tokenizer tokenizer;
  std::string run_config;  // the run's config.yaml whose settings apply; empty: none does
  RunSection run;
  TrainSettings settings;
  int64_t max_seq_len;
  std::string max_seq_len_from;
};

// The config.yaml of the run directory holding `model_dir`, when that run
// fine-tuned this task; empty otherwise.
std::string run_config_of(const std::string& model_dir, const TaskSpec& task, RunSection& run) {
  fs::path dir = fs::absolute(model_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // a trailing '/'
  const fs::path config = dir.parent_path() / "config.yaml";
  if (!fs::is_regular_file(config)) return "";
  run = read_run_section(config.string());
  return run.task == task.name || run.task == task.source ? config.string() : "";
}

// The checkpoint's classifier, which must have been fine-tuned on `task`.
Model load_classifier(const std::string& model_dir, const TaskSpec& task, const std::string& device,
                      const std::string& precision) {
  ModelOptions options;
  options.strict = true;
  options.require_classifier = true;
  options.device = resolve_device(device);
  options.precision = parse_precision(precision);
  Model model = load_model(model_dir, options);
  const std::vector<std::string>& labels = model.config.labels;
  // The head's outputs are indexed by label, so another task's labels (or
  // the same names in another order) would make every metric meaningless.
  if (task.is_regression() ? labels.size() != 1 : labels != task.labels)
    throw std::runtime_error(fmt::format(
        "{}/config.json: the checkpoint's labels (id2label) are [{}], but task {} {}; use a checkpoint fine-tuned "
        "on this task",
        model_dir, fmt::join(labels, ", "), task.name,
        task.is_regression() ? "is a regression task (one score output)"
                             : fmt::format("has [{}]", fmt::join(task.labels, ", "))));
  return model;
}

Scorer load_scorer(TaskSpec task, const std::string& model_dir, int64_t max_seq_len_flag, const std::string& device,
                   const std::string& precision) {
  RunSection run;
  const std::string run_config = run_config_of(model_dir, task, run);
  // Resolving the run's config.yaml alone gives back what it ran with: it
  // holds every setting, resolved.
  const TrainSettings settings =
      run_config.empty() ? TrainSettings{}
                         : typed_settings(resolve_config({"", "", "", run_config, {}}, resolve_options(task)));
  Model model = load_classifier(model_dir, task, device, precision);
  Tokenizer tokenizer = load_tokenizer(model_dir);
  int64_t max_seq_len = task.max_seq_len;
  std::string from = "the task's default";
  if (max_seq_len_flag > 0) {
    max_seq_len = max_seq_len_flag;
    from = "--max-seq-len";
  } else if (settings.max_seq_len > 0) {
    max_seq_len = settings.max_seq_len;
    from = run_config + " (training.max_seq_len)";
  }
  if (const int64_t limit = model.config.max_input_length(); limit > 0 && max_seq_len > limit) {
    max_seq_len = limit;
    from = "config.json's max_position_embeddings";
  }
  return Scorer{std::move(task), std::move(model), std::move(tokenizer), run_config, run, settings, max_seq_len, from};
}

EncodedSplit encode(const Scorer& scorer, const SplitData& split, std::ostream& log) {
  EncodeOptions encode;
  encode.max_seq_len = scorer.max_seq_len;
  return encode_split(split, scorer.task, scorer.tokenizer, encode, log);
}

// Batched as finetune's evaluations are (its eval_batch_size): the padding of
// a batch changes the last bits of its logits.
torch::Tensor logits_of(Scorer& scorer, const EncodedSplit& encoded) {
  return predict_logits(scorer.model, encoded, scorer.settings.eval_batch_size,
                        scorer.tokenizer.special_tokens().pad.id, scorer.task.is_regression());
}

// The split as the run saw it: under the offline protocol (training.train_split:
// dev) dev is the seeded tenth of the dev file that the trainer held out.
SplitData load_run_split(const Scorer& scorer, const std::string& split, const std::string& data_dir) {
  const TrainSettings& s = scorer.settings;
  SplitData data = load_split(scorer.task, split, data_dir, s.data_options);
  if (split != "dev" || s.train_split != "dev") return data;
  return split_dev_file_offline(std::move(data), static_cast<int64_t>(s.seed)).dev;
}

// The columns of the input that hold the texts, by the task's shape.
std::vector<size_t> text_columns(const TsvTable& table, bool is_pair) {
  const std::vector<std::string> names =
      is_pair ? std::vector<std::string>{"text_a", "text_b"} : std::vector<std::string>{"text"};
  const auto& header = table.header;
  if (header.size() == names.size()) {
    std::vector<size_t> all(names.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }
  std::vector<size_t> columns;
  for (const auto& name : names) {
    const auto found = std::find(header.begin(), header.end(), name);
    if (found == header.end())
      throw std::runtime_error(fmt::format("{}:1: no column '{}' in the header ({}); a {} task reads {}", table.file,
                                           name, fmt::join(header, ", "), is_pair ? "pair" : "single-text",
                                           is_pair ? "columns text_a and text_b (or a file of exactly two columns)"
                                                   : "a column text (or a file of exactly one column)"));
    columns.push_back(static_cast<size_t>(found - header.begin()));
  }
  return columns;
}

}  // namespace

void run_evaluate(const EvaluateOptions& options, std::ostream& out) {
  Scorer scorer = load_scorer(resolve_task(options.task), options.model_dir, options.max_seq_len, options.device,
                              options.precision);
  std::string data_dir = options.data_dir;
  if (data_dir.empty() && !scorer.run_config.empty()) data_dir = scorer.run.data_dir;
  if (data_dir.empty()) data_dir = default_data_dir();
  const SplitData split = load_run_split(scorer, options.split, data_dir);
  std::ostringstream cache_log;  // encode_split reports only on the feature cache, which is not used here
  const EncodedSplit encoded = encode(scorer, split, cache_log);
  const auto metrics = score_logits(scorer.task, logits_of(scorer, encoded), encoded);

  nlohmann::ordered_json result;
  result["task"] = scorer.task.name;
  result["split"] = options.split;
  result["model"] = options.model_dir;
  result["settings_from"] =
      scorer.run_config.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(scorer.run_config);
  result["data_dir"] = data_dir;
  result["data"] = split_summary(scorer.task, split);
  result["examples"] = split.examples.size();
  result["max_seq_len"] = scorer.max_seq_len;
  result["max_seq_len_from"] = scorer.max_seq_len_from;
  result["device"] = device_description(scorer.model.device);
  result["precision"] = precision_name(scorer.model.precision);
  result["metrics"] = metrics;
  result["headline_metric"] = scorer.task.headline_metric;
  result["headline"] = metrics.at(scorer.task.headline_metric);
  const std::string text = result.dump(2) + "\n";
  if (!options.output_path.empty()) write_file_atomically(options.output_path, text);
  out << text;
}

void run_predict(const PredictOptions& options, std::ostream& out, std::ostream& log) {
  // The input is checked before the model loads, so that a bad row fails fast.
  const TaskSpec task = resolve_task(options.task);
  const TsvTable table = parse_tsv(read_file_bytes(options.input_path), options.input_path, TsvFormat{});
  const std::vector<size_t> columns = text_columns(table, task.is_pair);

  for (const auto& name : prediction_columns(task))
    if (std::find(table.header.begin(), table.header.end(), name) != table.header.end())
      throw std::runtime_error(
          fmt::format("{}:1: the input has a column '{}', which the output adds; rename it", options.input_path, name));

  SplitData split;
  split.name = "input";
  for (const auto& row : table.rows) {
    for (const size_t column : columns)
      if (row.fields[column].empty())
        throw std::runtime_error(fmt::format("{}:{}: {} is empty; every row needs its text", options.input_path,
                                             row.line, table.field_name(column)));
    Example example;
    example.text_a = row.fields[columns[0]];
    if (task.is_pair) example.text_b = row.fields[columns[1]];
    example.line = row.line;
    split.examples.push_back(std::move(example));
  }
  Scorer scorer = load_scorer(task, options.model_dir, options.max_seq_len, options.device, options.precision);
  const torch::Tensor logits = logits_of(scorer, encode(scorer, split, log));

  LeadingColumns inputs{table.header, {}};
  for (const auto& row : table.rows) inputs.rows.push_back(row.fields);
  const std::string text = predictions_tsv(task, logits, inputs);
  if (options.output_path.empty()) {
    out << text;
  } else {
    write_file_atomically(options.output_path, text);
    log << fmt::format("wrote {} predictions (max_seq_len {}, from {}) to {}\n", table.rows.size(), scorer.max_seq_len,
                       scorer.max_seq_len_from, options.output_path);
  }
}

}  // namespace deberta
