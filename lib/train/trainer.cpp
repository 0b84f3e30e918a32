#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/batching.h"
#include "data/dataset.h"
#include "data/inspect.h"
#include "io/checkpoint.h"
#include "model/deberta.h"
#include "model/weights.h"
#include "runtime/runtime.h"
#include "tasks/registry.h"
#include "tokenizer/tokenizer.h"
#include "train/collate.h"
#include "train/features.h"
#include "train/inference.h"
#include "train/optimizer.h"
#include "train/progress.h"
#include "train/step.h"
#include "util/atomic_file.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

constexpr const char* kBuiltinModel = "builtin:tiny-default";
constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.pt";

std::string builtin_model_dir() { return config_dir() + "/models/tiny-default"; }

std::string model_name_of(const std::string& model_dir) {
  return model_dir.empty() ? "tiny-default" : fs::path(model_dir).lexically_normal().filename().string();
}

void append_line(const std::string& path, const nlohmann::json& record) {
  std::ofstream out(path, std::ios::app);
  out << record.dump() << '\n';
}

// Everything a run needs that is decided before training starts.
struct Job {
  TaskSpec task;
  std::string model_dir;  // empty: the built-in model
  std::string model_name;
  std::string data_dir;
  std::string run_dir;
  ConfigValues values;
  TrainSettings settings;
  bool resuming = false;
};

Job resolve_job(const FinetuneOptions& options) {
  Job job;
  FinetuneOptions o = options;
  if (!o.resume_dir.empty()) {
    if (!o.task.empty() || !o.model_dir.empty() || !o.model_name.empty() || !o.recipe.empty() ||
        !o.config_file.empty() || !o.set_assignments.empty() || !o.data_dir.empty() || !o.output_dir.empty() || o.seed)
      throw std::invalid_argument("--resume " + o.resume_dir +
                                  ": the settings come from its config.yaml; give no other run flags");
    o.config_file = (fs::path(o.resume_dir) / "config.yaml").string();
    if (!fs::exists(o.config_file)) throw std::runtime_error(o.config_file + ": no such file; is it a run directory?");
    o.output_dir = o.resume_dir;
    job.resuming = true;
  }
  const RunSection run = o.config_file.empty() ? RunSection{} : read_run_section(o.config_file);
  if (o.task.empty()) o.task = run.task;
  if (o.task.empty()) throw std::invalid_argument("--task is required (or a --config whose run: section names one)");
  if (o.model_dir.empty() && !run.model.empty() && run.model != kBuiltinModel) o.model_dir = run.model;
  if (o.data_dir.empty()) o.data_dir = run.data_dir;
  if (o.model_name.empty()) o.model_name = run.model_name;

  job.task = resolve_task(o.task);
  job.model_dir = o.model_dir;
  if (!job.model_dir.empty() && !fs::is_directory(job.model_dir))
    throw std::runtime_error("--model " + job.model_dir + ": no such model directory");
  job.model_name = o.model_name.empty() ? model_name_of(job.model_dir) : o.model_name;
  const std::string model_dir = job.model_dir.empty() ? builtin_model_dir() : job.model_dir;
  const std::string task_file = (fs::path(config_dir()) / "tasks" / (job.task.name + ".yaml")).string();
  const std::string preset_file = (fs::path(model_dir) / "training.yaml").string();
  ConfigSources sources{job.task.source == "builtin" && fs::exists(task_file) ? task_file : "",
                        fs::exists(preset_file) ? preset_file : "", o.recipe, o.config_file, o.set_assignments};
  if (o.seed) sources.set_assignments.push_back("training.seed=" + std::to_string(*o.seed));
  job.values = resolve_config(sources, resolve_options(job.task));
  job.settings = typed_settings(job.values);
  job.data_dir = !o.data_dir.empty() ? o.data_dir : default_data_dir();
  job.run_dir = !o.output_dir.empty()
                    ? o.output_dir
                    : fmt::format("runs/{}-{}-seed{}", job.task.name, job.model_name, job.settings.seed);
  return job;
}

// The splits the run trains, selects and tests on, under its protocol.
std::vector<SplitData> load_job_data(const Job& job) {
  if (job.settings.train_split == "train") return load_task_data(job.task, job.data_dir, job.settings.data_options);
  TrainDevSplit parts = split_dev_file_offline(load_split(job.task, "dev", job.data_dir, job.settings.data_options),
                                               static_cast<int64_t>(job.settings.seed));
  return {std::move(parts.train), std::move(parts.dev),
          load_split(job.task, "test", job.data_dir, job.settings.data_options)};
}

int64_t steps_per_epoch_of(const TrainSettings& settings, int64_t train_examples) {
  const int64_t batches_per_epoch = (train_examples + settings.batch_size - 1) / settings.batch_size;
  return std::max<int64_t>(1, batches_per_epoch / settings.gradient_accumulation_steps);
}

int64_t total_steps_of(const TrainSettings& settings, int64_t steps_per_epoch) {
  return settings.max_steps > 0 ? settings.max_steps : steps_per_epoch * settings.epochs;
}

std::string protocol_of(const TrainSettings& settings) {
  return settings.train_split == "dev" ? "offline" : "standard";
}

// Where the trainer is, as checkpoint-last/trainer_state.json records it.
struct TrainerProgress {
  int64_t step = 0;
  int64_t epoch = 0;
  size_t next_batch = 0;  // the first batch of `epoch` not yet trained on
  int64_t examples_seen = 0;
  double train_seconds = 0;  // optimisation time only, evaluations left out
  std::optional<double> best_value;
  nlohmann::json best_record;
  int64_t evaluations_without_gain = 0;
  bool stop = false;
  std::vector<std::string> warnings;
  uintmax_t metrics_bytes = 0;  // metrics.jsonl's size when the state was saved
};

nlohmann::json progress_json(const TrainerProgress& p) {
  return {{"step", p.step},
          {"epoch", p.epoch},
          {"next_batch", p.next_batch},
          {"examples_seen", p.examples_seen},
          {"train_seconds", p.train_seconds},
          {"best_value", p.best_value ? nlohmann::json(*p.best_value) : nlohmann::json(nullptr)},
          {"best_record", p.best_record},
          {"evaluations_without_gain", p.evaluations_without_gain},
          {"stop", p.stop},
          {"warnings", p.warnings},
          {"metrics_bytes", p.metrics_bytes}};
}

TrainerProgress progress_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    TrainerProgress p;
    p.step = j.at("step").get<int64_t>();
    p.epoch = j.at("epoch").get<int64_t>();
    p.next_batch = j.at("next_batch").get<size_t>();
    p.examples_seen = j.at("examples_seen").get<int64_t>();
    p.train_seconds = j.at("train_seconds").get<double>();
    if (!j.at("best_value").is_null()) p.best_value = j.at("best_value").get<double>();
    p.best_record = j.at("best_record");
    p.evaluations_without_gain = j.at("evaluations_without_gain").get<int64_t>();
    p.stop = j.at("stop").get<bool>();
    p.warnings = j.at("warnings").get<std::vector<std::string>>();
    p.metrics_bytes = j.at("metrics_bytes").get<uintmax_t>();
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a trainer state ({})", source, e.what()));
  }
}

// The optimizer's moments and the RNG that drives dropout, as one torch archive.
std::string optimizer_state_bytes(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.write("rng_state", at::detail::getDefaultCPUGenerator().get_state());
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void restore_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    optimizer.load(archive);
    torch::Tensor rng;
    archive.read("rng_state", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the shared generator
    generator.set_state(rng);
  } catch (const c10::Error& e) {
    const std::string message = e.what();
    throw std::runtime_error(path + ": cannot restore the optimizer state (" + message.substr(0, message.find('\n')) +
                             ")");
  }
}

void copy_weights(DebertaV2ForSequenceClassification& model, const TensorMap& tensors, const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    const auto found = tensors.find(item.key());
    if (found == tensors.end() || !found->second.sizes().equals(item.value().sizes()))
      throw std::runtime_error(fmt::format("{}: no tensor {} of the model's shape", source, item.key()));
    item.value().copy_(found->second);
  }
}

}  // namespace

std::vector<uint64_t> parse_seed_list(const std::string& text) {
  std::vector<uint64_t> seeds;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || value < 0)
      throw std::invalid_argument(fmt::format("--seeds {}: '{}' is not a seed (a whole number >= 0)", text, item));
    if (std::find(seeds.begin(), seeds.end(), static_cast<uint64_t>(value)) != seeds.end())
      throw std::invalid_argument(fmt::format("--seeds {}: seed {} appears twice", text, value));
    seeds.push_back(static_cast<uint64_t>(value));
  }
  if (seeds.empty()) throw std::invalid_argument("--seeds: give at least one seed, e.g. 1,2,3");
  return seeds;
}

std::string run_finetune(const FinetuneOptions& options, std::ostream& log) {
  const Job job = resolve_job(options);
  const TaskSpec& task = job.task;
  const TrainSettings& settings = job.settings;
  const bool builtin_model = job.model_dir.empty();
  const std::string model_dir = builtin_model ? builtin_model_dir() : job.model_dir;
  const int64_t max_seq_len = settings.max_seq_len > 0 ? settings.max_seq_len : task.max_seq_len;
  const std::string& run_dir = job.run_dir;
  const fs::path last_dir = fs::path(run_dir) / "checkpoint-last";
  const std::string metrics_path = (fs::path(run_dir) / "metrics.jsonl").string();
  ProgressDisplay display(log, options.live_progress, settings.logging_steps);

  if (builtin_model)
    display.message(
        "model: the built-in tiny-default (hidden 128, 4 layers), initialised from scratch. It is NOT a pretrained "
        "model: its scores show the pipeline works, nothing more. Pass --model DIR for a real one.");
  if (settings.train_split == "dev")
    display.message(
        "protocol: offline. It trains on the dev file less a seeded tenth (which becomes dev) and tests on test, "
        "because the train file is not at hand. Its scores are NOT comparable to the model card.");
  if (job.resuming) {
    if (fs::exists(fs::path(run_dir) / "results.json"))
      throw std::runtime_error(run_dir + ": the run has finished (results.json exists); nothing to resume");
    if (!fs::exists(last_dir / kStateFile))
      throw std::runtime_error(
          fmt::format("{}: no checkpoint-last/{} to resume from (a run saves one at every "
                      "evaluation and when --stop-after-steps stops it)",
                      run_dir, kStateFile));
  } else {
    fs::create_directories(run_dir);
    write_file_atomically(metrics_path, "");
    write_file_atomically(
        (fs::path(run_dir) / "config.yaml").string(),
        fmt::format("# deberta-bench finetune, resolved: enough to re-run (deberta-bench finetune "
                    "--config this-file)\nrun:\n  task: {}\n  model: {}\n  model_name: {}\n  data_dir: {}\n",
                    task.source == "builtin" ? task.name : task.source, builtin_model ? kBuiltinModel : job.model_dir,
                    job.model_name, job.data_dir) +
            config_to_yaml(job.values));
  }

  // Data.
  display.message("data: " + job.data_dir);
  const auto splits = load_job_data(job);
  const Tokenizer tokenizer = load_tokenizer(model_dir);
  const int64_t pad_id = tokenizer.special_tokens().pad.id;
  const std::string cache_dir = feature_cache_dir();
  std::map<std::string, EncodedSplit> encoded;
  nlohmann::ordered_json data_record;
  for (const auto& split : splits) {
    EncodeOptions encode;
    encode.max_seq_len = max_seq_len;
    encode.limit =
        split.name == "train" && settings.max_train_examples > 0 ? static_cast<size_t>(settings.max_train_examples) : 0;
    encode.cache_dir = cache_dir;
    if (!cache_dir.empty())
      encode.cache_key =
          feature_cache_key(split, task, settings.data_options, model_dir, tokenizer, max_seq_len, encode.limit);
    encoded[split.name] = encode_split(split, task, tokenizer, encode, log);
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
  if (!job.resuming && (!builtin_model || has_checkpoint_weights(model_dir))) {
    const Checkpoint checkpoint = read_checkpoint(model_dir);
    LoadOptions load;
    load.source = model_dir + "/" + checkpoint.weights_file;
    load.reinit_mismatched_head = true;
    load.initializer_range = config.initializer_range;
    for (const auto& line : load_weights(*model, checkpoint.tensors, load).describe()) display.message(line);
  }

  // Optimisation.
  const EncodedSplit& train = encoded.at("train");
  const int64_t steps_per_epoch = steps_per_epoch_of(settings, static_cast<int64_t>(train.encodings.size()));
  const int64_t total_steps = total_steps_of(settings, steps_per_epoch);
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

  TrainerProgress progress;
  if (job.resuming) {
    const std::string state_path = (last_dir / kStateFile).string();
    progress = progress_from_json(read_json_file(state_path), state_path);
    copy_weights(model, read_checkpoint(last_dir.string()).tensors, last_dir.string());
    restore_optimizer_state(optimization.optimizer, (last_dir / kOptimizerFile).string());
    // Lines logged after the state was saved are logged again as the run repeats those steps.
    fs::resize_file(metrics_path, progress.metrics_bytes);
    display.message(fmt::format("resuming {} at step {} (epoch {}, batch {})", run_dir, progress.step, progress.epoch,
                                progress.next_batch));
  }

  const std::string metric = settings.selection_metric.empty() ? task.headline_metric : settings.selection_metric;
  const bool select_on_test = settings.selection == "best-test";
  const std::string selection_label =
      select_on_test ? "best-test (legacy: the checkpoint with the best TEST " + metric + "; optimistic)"
                     : "dev (the checkpoint with the best dev " + metric + ")";
  display.message(fmt::format("task {}: {} train / {} dev / {} test examples, {} steps ({} per epoch), selection {}",
                              task.name, train.encodings.size(), encoded.at("dev").encodings.size(),
                              encoded.at("test").encodings.size(), total_steps, steps_per_epoch, selection_label));

  const fs::path best_dir = fs::path(run_dir) / "checkpoint-best";
  const auto save_state = [&] {
    progress.metrics_bytes = fs::file_size(metrics_path);
    write_checkpoint(last_dir.string(), config, model_tensors(*model), model_dir,
                     {{kStateFile, progress_json(progress).dump(2) + "\n"},
                      {kOptimizerFile, optimizer_state_bytes(optimization.optimizer)}});
  };
  const auto evaluate = [&](int64_t epoch) {
    const auto dev_logits =
        predict_logits(model, encoded.at("dev"), settings.eval_batch_size, pad_id, task.is_regression());
    nlohmann::json record = {
        {"step", progress.step}, {"epoch", epoch}, {"dev", score_logits(task, dev_logits, encoded.at("dev"))}};
    if (const auto label = collapsed_class(task, dev_logits)) {
      const std::string warning =
          fmt::format("step {}: every dev prediction is '{}' (collapse to one class)", progress.step, *label);
      display.message("warning: " + warning);
      record["collapsed_to"] = *label;
      if (std::find(progress.warnings.begin(), progress.warnings.end(), warning) == progress.warnings.end())
        progress.warnings.push_back(warning);
    }
    if (select_on_test) {
      const auto test_logits =
          predict_logits(model, encoded.at("test"), settings.eval_batch_size, pad_id, task.is_regression());
      record["test"] = score_logits(task, test_logits, encoded.at("test"));
    }
    const double value = record[select_on_test ? "test" : "dev"].at(metric).get<double>();
    record["selected"] = !progress.best_value || value > *progress.best_value;
    append_line(metrics_path, record);
    display.message(fmt::format("eval step {}: {} {} = {:.4f}{}", progress.step, select_on_test ? "test" : "dev",
                                metric, value, record["selected"].get<bool>() ? " (best so far)" : ""));
    if (record["selected"].get<bool>()) {
      progress.best_value = value;
      progress.best_record = record;
      write_checkpoint(best_dir.string(), config, model_tensors(*model), model_dir);
      progress.evaluations_without_gain = 0;
    } else if (settings.early_stopping_patience > 0 &&
               ++progress.evaluations_without_gain >= settings.early_stopping_patience) {
      display.message(
          fmt::format("early stopping: {} evaluations without a better {}", progress.evaluations_without_gain, metric));
      progress.stop = true;
    }
  };

  // The loop. The batches of an epoch are a function of the seed and the
  // epoch, so a resumed run finds its place again by (epoch, next_batch),
  // which always points at the next step's first batch.
  const size_t accumulation = static_cast<size_t>(settings.gradient_accumulation_steps);
  while (!progress.stop && progress.step < total_steps) {
    const auto batches = epoch_batches(train.lengths, static_cast<size_t>(settings.batch_size), true,
                                       settings.group_by_length, settings.seed + static_cast<uint64_t>(progress.epoch));
    if (batches.size() < accumulation)
      throw std::runtime_error(fmt::format("task {}: {} training examples are fewer than one step takes", task.name,
                                           train.encodings.size()));
    bool epoch_done = false;
    while (!epoch_done && !progress.stop && progress.step < total_steps) {
      const auto step_start = std::chrono::steady_clock::now();
      std::vector<Batch> micro;
      for (size_t k = 0; k < accumulation; ++k) {
        const auto& indices = batches[progress.next_batch + k];
        micro.push_back(collate(train.encodings, train.targets, indices, pad_id, task.is_regression()));
        progress.examples_seen += static_cast<int64_t>(indices.size());
      }
      const StepResult result = train_step(model, optimization, progress.step, micro);
      const int64_t epoch = progress.epoch;
      ++progress.step;
      progress.next_batch += accumulation;
      epoch_done = progress.next_batch + accumulation > batches.size();
      if (epoch_done) {
        ++progress.epoch;
        progress.next_batch = 0;
      }
      progress.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
      if (!result.finite)
        throw std::runtime_error(fmt::format(
            "step {}: the loss became {} (lr {:.3g}); stopped. {}/checkpoint-best holds the last good checkpoint",
            progress.step, result.loss, result.lr, run_dir));
      if (progress.step % settings.logging_steps == 0 || progress.step == total_steps)
        append_line(metrics_path, {{"step", progress.step},
                                   {"epoch", epoch},
                                   {"loss", result.loss},
                                   {"lr", result.lr},
                                   {"grad_norm", result.grad_norm_before_clip}});
      display.step({progress.step, total_steps, epoch, result.loss, result.lr,
                    progress.examples_seen / std::max(progress.train_seconds, 1e-9),
                    progress.train_seconds / static_cast<double>(progress.step)});
      const bool evaluates = epoch_done || progress.step == total_steps ||
                             (settings.eval_every_steps > 0 && progress.step % settings.eval_every_steps == 0);
      if (evaluates) evaluate(epoch);
      const bool finished = progress.stop || progress.step == total_steps;
      const bool stop_here = options.stop_after_steps > 0 && progress.step == options.stop_after_steps;
      if (!finished && (evaluates || stop_here)) save_state();
      if (stop_here && !finished) {
        display.message(fmt::format("stopped after step {} as asked; continue with: deberta-bench finetune --resume {}",
                                    progress.step, run_dir));
        return run_dir;
      }
    }
  }
  if (progress.best_record.is_null()) throw std::runtime_error("no evaluation ran: the training set is empty");

  // The selected checkpoint on test.
  copy_weights(model, read_checkpoint(best_dir.string()).tensors, best_dir.string());
  const auto test_logits =
      predict_logits(model, encoded.at("test"), settings.eval_batch_size, pad_id, task.is_regression());
  const auto dev_logits =
      predict_logits(model, encoded.at("dev"), settings.eval_batch_size, pad_id, task.is_regression());
  const auto test_metrics = score_logits(task, test_logits, encoded.at("test"));
  write_file_atomically((fs::path(run_dir) / "predictions-test.tsv").string(), predictions_tsv(task, test_logits));

  int64_t embedding_parameters = 0, encoder_parameters = 0;
  for (const auto& [name, tensor] : model_tensors(*model)) {
    if (name.rfind("deberta.embeddings.", 0) == 0) embedding_parameters += tensor.numel();
    if (name.rfind("deberta.encoder.", 0) == 0) encoder_parameters += tensor.numel();
  }
  nlohmann::ordered_json results;
  results["task"] = task.name;
  results["model"] = builtin_model ? "builtin:tiny-default (not pretrained)" : job.model_dir;
  results["model_name"] = job.model_name;
  results["pretrained"] = !builtin_model;
  // The model card's "backbone parameters" leave the embeddings out (DeBERTa-v3-xsmall: 22M).
  results["backbone_parameters"] = encoder_parameters;
  results["embedding_parameters"] = embedding_parameters;
  results["protocol"] = protocol_of(settings);
  if (settings.train_split == "dev")
    results["protocol_note"] =
        "offline: trained on the dev file less a seeded tenth (the dev split), tested on test; not comparable to the "
        "model card";
  results["seed"] = settings.seed;
  results["selection"] = selection_label;
  results["selection_rule"] = settings.selection;
  results["headline_metric"] = task.headline_metric;
  results["headline"] = test_metrics.at(task.headline_metric);
  results["dev"] = score_logits(task, dev_logits, encoded.at("dev"));
  results["test"] = test_metrics;
  results["best_step"] = progress.best_record.at("step");
  results["steps"] = progress.step;
  results["train_seconds"] = progress.train_seconds;
  results["train_examples_per_second"] = progress.examples_seen / std::max(progress.train_seconds, 1e-9);
  results["warnings"] = progress.warnings;
  results["data"] = data_record;
  results["versions"] = {{"deberta-bench", DEBERTA_BENCH_VERSION},
                         {"libtorch", torch_version()},
                         {"sentencepiece", DEBERTA_BENCH_SPM_VERSION},
                         {"threads", options.threads}};
  write_file_atomically((fs::path(run_dir) / "results.json").string(), results.dump(2) + "\n");
  // The run is complete; its resume state is no longer needed.
  std::error_code ignored;
  fs::remove_all(last_dir, ignored);
  display.message(fmt::format("test {} = {:.4f} (checkpoint of step {}, selected on {}); run directory {}",
                              task.headline_metric, test_metrics.at(task.headline_metric),
                              progress.best_record.at("step").get<int64_t>(), settings.selection, run_dir));
  return run_dir;
}

FinetunePlan plan_finetune(const FinetuneOptions& options) {
  const Job job = resolve_job(options);
  FinetunePlan plan;
  plan.task = job.task.name;
  plan.model_name = job.model_name;
  plan.run_dir = job.run_dir;
  plan.protocol = protocol_of(job.settings);
  for (const auto& split : load_job_data(job))
    if (split.name == "train") plan.train_examples = static_cast<int64_t>(split.examples.size());
  if (job.settings.max_train_examples > 0)
    plan.train_examples = std::min(plan.train_examples, job.settings.max_train_examples);
  plan.steps_per_epoch = steps_per_epoch_of(job.settings, plan.train_examples);
  plan.total_steps = total_steps_of(job.settings, plan.steps_per_epoch);
  return plan;
}

SeedSummary run_finetune_seeds(const FinetuneOptions& options, const std::vector<uint64_t>& seeds, std::ostream& log) {
  if (!options.resume_dir.empty()) throw std::invalid_argument("--seeds and --resume do not go together");
  if (options.seed) throw std::invalid_argument("give --seed or --seeds, not both");
  std::string base = options.output_dir;
  if (base.empty()) {
    const TaskSpec task = resolve_task(options.task);
    base = fmt::format("runs/{}-{}", task.name, model_name_of(options.model_dir));
  }
  SeedSummary summary;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const uint64_t seed : seeds) {
    FinetuneOptions one = options;
    one.seed = seed;
    one.output_dir = (fs::path(base) / fmt::format("seed{}", seed)).string();
    log << fmt::format("== seed {} ({} of {}) -> {}\n", seed, summary.values.size() + 1, seeds.size(), one.output_dir);
    const std::string run_dir = run_finetune(one, log);
    const auto results = read_json_file((fs::path(run_dir) / "results.json").string());
    summary.metric = results.at("headline_metric").get<std::string>();
    summary.values.push_back(results.at("headline").get<double>());
    runs.push_back({{"seed", seed}, {"run_dir", run_dir}, {"headline", summary.values.back()}});
  }
  const double n = static_cast<double>(summary.values.size());
  for (double v : summary.values) summary.mean += v / n;
  double squares = 0;
  for (double v : summary.values) squares += (v - summary.mean) * (v - summary.mean);
  summary.std = summary.values.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
  nlohmann::ordered_json out;
  out["metric"] = "test " + summary.metric;
  out["n"] = summary.values.size();
  out["mean"] = summary.mean;
  out["std"] = summary.std;
  out["std_kind"] = "sample (n - 1)";
  out["runs"] = runs;
  write_file_atomically((fs::path(base) / "summary.json").string(), out.dump(2) + "\n");
  log << fmt::format("test {} over {} seeds: {:.4f} ± {:.4f} (mean ± sample std); {}/summary.json\n", summary.metric,
                     seeds.size(), summary.mean, summary.std, base);
  return summary;
}

}  // namespace deberta
