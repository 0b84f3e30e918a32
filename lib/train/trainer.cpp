#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "data/batching.h"
#include "data/dataset.h"
#include "data/inspect.h"
#include "eval/metrics.h"
#include "io/checkpoint.h"
#include "model/deberta.h"
#include "model/weights.h"
#include "runtime/runtime.h"
#include "tasks/registry.h"
#include "tokenizer/tokenizer.h"
#include "train/collate.h"
#include "train/optimizer.h"
#include "train/step.h"
#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

// A split ready for the model: its encodings and targets (class ids or scores).
struct EncodedSplit {
  std::string name;
  std::vector<Encoding> encodings;
  std::vector<double> targets;
  std::vector<size_t> lengths;
};

EncodedSplit encode_split(const SplitData& split, const TaskSpec& task, const Tokenizer& tokenizer, int64_t max_seq_len,
                          int64_t limit) {
  EncodedSplit out;
  out.name = split.name;
  const size_t n =
      limit > 0 ? std::min<size_t>(split.examples.size(), static_cast<size_t>(limit)) : split.examples.size();
  std::vector<std::string> texts, pairs;
  for (size_t i = 0; i < n; ++i) {
    const Example& e = split.examples[i];
    texts.push_back(e.text_a);
    if (task.is_pair) pairs.push_back(e.text_b.value_or(""));
    out.targets.push_back(task.is_regression() ? e.score : static_cast<double>(e.label));
  }
  out.encodings = task.is_pair ? tokenizer.encode_batch(texts, pairs, static_cast<int>(max_seq_len))
                               : tokenizer.encode_batch(texts, static_cast<int>(max_seq_len));
  for (const auto& e : out.encodings) out.lengths.push_back(e.input_ids.size());
  return out;
}

// Logits of every example, in the split's order.
torch::Tensor predict(DebertaV2ForSequenceClassification& model, const EncodedSplit& split, int64_t batch_size,
                      int64_t pad_id, bool regression) {
  model->eval();
  torch::InferenceMode inference;
  const int64_t outputs = model->named_parameters()["classifier.bias"].size(0);
  auto logits = torch::empty({static_cast<int64_t>(split.encodings.size()), outputs});
  for (const auto& indices : evaluation_batches(split.lengths, static_cast<size_t>(batch_size))) {
    const auto batch = collate(split.encodings, split.targets, indices, pad_id, regression);
    const auto out = model(batch.inputs).logits;
    logits.index_copy_(0, torch::tensor(std::vector<int64_t>(indices.begin(), indices.end()), torch::kLong), out);
  }
  return logits;
}

std::map<std::string, double> score(const TaskSpec& task, const torch::Tensor& logits, const EncodedSplit& split) {
  if (task.is_regression()) {
    const auto flat = logits.reshape({-1}).to(torch::kDouble).contiguous();
    std::vector<double> predicted(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
    return compute_metrics(task.metrics, predicted, split.targets);
  }
  const auto argmax = logits.argmax(1).contiguous();
  std::vector<int64_t> predicted(argmax.data_ptr<int64_t>(), argmax.data_ptr<int64_t>() + argmax.numel());
  std::vector<int64_t> gold(split.targets.begin(), split.targets.end());
  return compute_metrics(task.metrics, predicted, gold, task.num_outputs());
}

// Every prediction the same class: training collapsed to one label.
std::optional<std::string> collapsed_class(const TaskSpec& task, const torch::Tensor& logits) {
  if (task.is_regression() || logits.size(0) < 2) return std::nullopt;
  const auto classes = std::get<0>(at::_unique(logits.argmax(1)));
  if (classes.numel() != 1) return std::nullopt;
  return task.labels[classes.item<int64_t>()];
}

std::string default_data_dir() {
  const char* env = std::getenv("DEBERTA_BENCH_DATA");
  if (env != nullptr && *env != '\0') return env;
  return (fs::path(config_dir()) / ".." / "data" / "samples").lexically_normal().string();
}

bool has_weights(const std::string& dir) {
  for (const char* file :
       {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"})
    if (fs::exists(fs::path(dir) / file)) return true;
  return false;
}

std::string predictions_tsv(const TaskSpec& task, const torch::Tensor& logits) {
  std::string out;
  if (task.is_regression()) {
    out = "index\tscore\n";
    for (int64_t i = 0; i < logits.size(0); ++i) out += fmt::format("{}\t{:.6f}\n", i, logits[i][0].item<double>());
    return out;
  }
  const auto probabilities = torch::softmax(logits, 1);
  out = "index\tprediction";
  for (size_t k = 0; k < task.labels.size(); ++k) out += "\tp(" + task.label_display(k) + ")";
  out += "\n";
  const auto argmax = logits.argmax(1);
  for (int64_t i = 0; i < logits.size(0); ++i) {
    out += fmt::format("{}\t{}", i, task.label_display(argmax[i].item<int64_t>()));
    for (int64_t k = 0; k < logits.size(1); ++k) out += fmt::format("\t{:.6f}", probabilities[i][k].item<double>());
    out += "\n";
  }
  return out;
}

void append_line(const std::string& path, const nlohmann::json& record) {
  std::ofstream out(path, std::ios::app);
  out << record.dump() << '\n';
}

}  // namespace

std::string run_finetune(const FinetuneOptions& options, std::ostream& log) {
  const TaskSpec task = resolve_task(options.task);
  const bool builtin_model = options.model_dir.empty();
  const std::string model_dir = builtin_model ? config_dir() + "/models/tiny-default" : options.model_dir;
  const std::string task_file = (fs::path(config_dir()) / "tasks" / (task.name + ".yaml")).string();
  const std::string preset_file = (fs::path(model_dir) / "training.yaml").string();
  ConfigSources sources{task.source == "builtin" && fs::exists(task_file) ? task_file : "",
                        fs::exists(preset_file) ? preset_file : "", options.recipe, options.config_file,
                        options.set_assignments};
  if (options.seed) sources.set_assignments.push_back("training.seed=" + std::to_string(*options.seed));
  const ConfigValues values = resolve_config(sources, resolve_options(task));
  const TrainSettings settings = typed_settings(values);
  const int64_t max_seq_len = settings.max_seq_len > 0 ? settings.max_seq_len : task.max_seq_len;

  const std::string model_name =
      builtin_model ? "tiny-default" : fs::path(model_dir).lexically_normal().filename().string();
  if (builtin_model)
    log << "model: the built-in tiny-default (hidden 128, 4 layers), initialised from scratch. It is NOT a pretrained "
           "model: its scores show the pipeline works, nothing more. Pass --model DIR for a real one.\n";
  const std::string run_dir = !options.output_dir.empty()
                                  ? options.output_dir
                                  : fmt::format("runs/{}-{}-seed{}", task.name, model_name, settings.seed);
  fs::create_directories(run_dir);
  const std::string metrics_path = (fs::path(run_dir) / "metrics.jsonl").string();
  write_file_atomically(metrics_path, "");
  const std::string data_dir = !options.data_dir.empty() ? options.data_dir : default_data_dir();
  write_file_atomically(
      (fs::path(run_dir) / "config.yaml").string(),
      fmt::format(
          "# deberta-bench finetune, resolved: enough to re-run\nrun:\n  task: {}\n  model: {}\n  data_dir: {}\n",
          task.source == "builtin" ? task.name : task.source, builtin_model ? "builtin:tiny-default" : model_dir,
          data_dir) +
          config_to_yaml(values));

  // Data.
  log << "data: " << data_dir << "\n";
  const auto splits = load_task_data(task, data_dir, settings.data_options);
  const Tokenizer tokenizer = load_tokenizer(model_dir);
  const int64_t pad_id = tokenizer.special_tokens().pad.id;
  std::map<std::string, EncodedSplit> encoded;
  nlohmann::ordered_json data_record;
  for (const auto& split : splits) {
    const int64_t limit = split.name == "train" ? settings.max_train_examples : -1;
    encoded[split.name] = encode_split(split, task, tokenizer, max_seq_len, limit);
    data_record[split.name] = split_summary(task, split);
    data_record[split.name]["used"] = encoded[split.name].encodings.size();
  }
  for (const char* name : {"train", "dev", "test"})
    if (encoded.count(name) == 0) throw std::runtime_error(fmt::format("task {} has no {} split", task.name, name));

  // Model: seeded so that a fresh head and the built-in model are reproducible.
  torch::manual_seed(settings.seed);
  DebertaConfig config = load_config(model_dir + "/config.json");
  set_labels(config, task.is_regression() ? std::vector<std::string>{"score"} : task.labels);
  if (settings.hidden_dropout_prob) config.hidden_dropout_prob = *settings.hidden_dropout_prob;
  if (settings.attention_probs_dropout_prob)
    config.attention_probs_dropout_prob = *settings.attention_probs_dropout_prob;
  if (settings.cls_dropout) config.cls_dropout = *settings.cls_dropout;
  if (tokenizer.vocab_size() > config.vocab_size)
    throw std::runtime_error(fmt::format("{}: the tokenizer has {} ids but config.json's vocab_size is {}", model_dir,
                                         tokenizer.vocab_size(), config.vocab_size));
  DebertaV2ForSequenceClassification model(config);
  initialise_weights(*model, config.initializer_range);
  if (!builtin_model || has_weights(model_dir)) {
    const Checkpoint checkpoint = read_checkpoint(model_dir);
    LoadOptions load;
    load.source = model_dir + "/" + checkpoint.weights_file;
    load.reinit_mismatched_head = true;
    load.initializer_range = config.initializer_range;
    for (const auto& line : load_weights(*model, checkpoint.tensors, load).describe()) log << line << "\n";
  }

  // Optimisation.
  const EncodedSplit& train = encoded.at("train");
  const int64_t batches_per_epoch =
      (static_cast<int64_t>(train.encodings.size()) + settings.batch_size - 1) / settings.batch_size;
  const int64_t steps_per_epoch = std::max<int64_t>(1, batches_per_epoch / settings.gradient_accumulation_steps);
  const int64_t total_steps = settings.max_steps > 0 ? settings.max_steps : steps_per_epoch * settings.epochs;
  LrSchedule schedule;
  schedule.type = settings.schedule == "cosine"     ? ScheduleType::cosine
                  : settings.schedule == "constant" ? ScheduleType::constant_with_warmup
                                                    : ScheduleType::linear;
  schedule.lr = settings.lr;
  schedule.warmup_steps = settings.warmup_steps;
  schedule.warmup_ratio = settings.warmup_ratio;
  schedule.total_steps = total_steps;
  Optimization optimization{make_adamw(*model, {settings.beta1, settings.beta2, settings.eps, settings.weight_decay}),
                            schedule, settings.max_grad_norm};

  const std::string metric = settings.selection_metric.empty() ? task.headline_metric : settings.selection_metric;
  const bool select_on_test = settings.selection == "best-test";
  const std::string selection_label =
      select_on_test ? "best-test (legacy: the checkpoint with the best TEST " + metric + "; optimistic)"
                     : "dev (the checkpoint with the best dev " + metric + ")";
  log << fmt::format("task {}: {} train / {} dev / {} test examples, {} steps ({} per epoch), selection {}\n",
                     task.name, train.encodings.size(), encoded.at("dev").encodings.size(),
                     encoded.at("test").encodings.size(), total_steps, steps_per_epoch, selection_label);

  // The loop.
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, torch::Tensor> best_state;
  std::optional<double> best_value;
  nlohmann::json best_record;
  int64_t evaluations_without_gain = 0, step = 0, examples_seen = 0;
  std::vector<std::string> warnings;
  bool stop = false;
  const auto evaluate = [&](int64_t epoch) {
    const auto dev_logits = predict(model, encoded.at("dev"), settings.eval_batch_size, pad_id, task.is_regression());
    nlohmann::json record = {{"step", step}, {"epoch", epoch}, {"dev", score(task, dev_logits, encoded.at("dev"))}};
    if (const auto label = collapsed_class(task, dev_logits)) {
      const std::string warning =
          fmt::format("step {}: every dev prediction is '{}' (collapse to one class)", step, *label);
      log << "warning: " << warning << "\n";
      record["collapsed_to"] = *label;
      if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end()) warnings.push_back(warning);
    }
    if (select_on_test) {
      const auto test_logits =
          predict(model, encoded.at("test"), settings.eval_batch_size, pad_id, task.is_regression());
      record["test"] = score(task, test_logits, encoded.at("test"));
    }
    const double value = record[select_on_test ? "test" : "dev"].at(metric).get<double>();
    record["selected"] = !best_value || value > *best_value;
    append_line(metrics_path, record);
    log << fmt::format("eval step {}: {} {} = {:.4f}{}\n", step, select_on_test ? "test" : "dev", metric, value,
                       record["selected"].get<bool>() ? " (best so far)" : "");
    if (record["selected"].get<bool>()) {
      best_value = value;
      best_record = record;
      best_state.clear();
      for (const auto& [name, tensor] : model_tensors(*model)) best_state[name] = tensor.clone();
      write_checkpoint((fs::path(run_dir) / "checkpoint-best").string(), config, best_state, model_dir);
      evaluations_without_gain = 0;
    } else if (settings.early_stopping_patience > 0 && ++evaluations_without_gain >= settings.early_stopping_patience) {
      log << fmt::format("early stopping: {} evaluations without a better {}\n", evaluations_without_gain, metric);
      stop = true;
    }
  };

  for (int64_t epoch = 0; !stop && step < total_steps; ++epoch) {
    const auto batches = epoch_batches(train.lengths, static_cast<size_t>(settings.batch_size), true,
                                       settings.group_by_length, settings.seed + static_cast<uint64_t>(epoch));
    for (size_t b = 0; !stop && step < total_steps && b + settings.gradient_accumulation_steps <= batches.size();
         b += settings.gradient_accumulation_steps) {
      std::vector<Batch> micro;
      for (int64_t k = 0; k < settings.gradient_accumulation_steps; ++k) {
        micro.push_back(collate(train.encodings, train.targets, batches[b + k], pad_id, task.is_regression()));
        examples_seen += static_cast<int64_t>(batches[b + k].size());
      }
      const StepResult result = train_step(model, optimization, step, micro);
      ++step;
      if (!result.finite)
        throw std::runtime_error(fmt::format(
            "step {}: the loss became {} (lr {:.3g}); stopped. {}/checkpoint-best holds the last good checkpoint", step,
            result.loss, result.lr, run_dir));
      if (step % settings.logging_steps == 0 || step == total_steps) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        append_line(metrics_path, {{"step", step},
                                   {"epoch", epoch},
                                   {"loss", result.loss},
                                   {"lr", result.lr},
                                   {"grad_norm", result.grad_norm_before_clip}});
        log << fmt::format("step {}/{} epoch {} loss {:.4f} lr {:.3g} {:.1f} examples/s\n", step, total_steps, epoch,
                           result.loss, result.lr, examples_seen / seconds);
      }
      if (settings.eval_every_steps > 0 && step % settings.eval_every_steps == 0) evaluate(epoch);
    }
    if (!stop) evaluate(epoch);
  }
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The selected checkpoint on test.
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) item.value().copy_(best_state.at(item.key()));
  const auto test_logits = predict(model, encoded.at("test"), settings.eval_batch_size, pad_id, task.is_regression());
  const auto dev_logits = predict(model, encoded.at("dev"), settings.eval_batch_size, pad_id, task.is_regression());
  const auto test_metrics = score(task, test_logits, encoded.at("test"));
  write_file_atomically((fs::path(run_dir) / "predictions-test.tsv").string(), predictions_tsv(task, test_logits));

  nlohmann::ordered_json results;
  results["task"] = task.name;
  results["model"] = builtin_model ? "builtin:tiny-default (not pretrained)" : model_dir;
  results["pretrained"] = !builtin_model;
  results["seed"] = settings.seed;
  results["selection"] = selection_label;
  results["selection_rule"] = settings.selection;
  results["headline_metric"] = task.headline_metric;
  results["headline"] = test_metrics.at(task.headline_metric);
  results["dev"] = score(task, dev_logits, encoded.at("dev"));
  results["test"] = test_metrics;
  results["best_step"] = best_record.at("step");
  results["steps"] = step;
  results["train_seconds"] = train_seconds;
  results["train_examples_per_second"] = examples_seen / train_seconds;
  results["warnings"] = warnings;
  results["data"] = data_record;
  results["versions"] = {{"deberta-bench", DEBERTA_BENCH_VERSION},
                         {"libtorch", torch_version()},
                         {"sentencepiece", DEBERTA_BENCH_SPM_VERSION},
                         {"threads", options.threads}};
  write_file_atomically((fs::path(run_dir) / "results.json").string(), results.dump(2) + "\n");
  log << fmt::format("test {} = {:.4f} (checkpoint of step {}, selected on {}); run directory {}\n",
                     task.headline_metric, test_metrics.at(task.headline_metric), best_record.at("step").get<int64_t>(),
                     settings.selection, run_dir);
  return run_dir;
}

}  // namespace deberta
