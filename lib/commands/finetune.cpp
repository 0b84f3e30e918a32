#include "commands/finetune.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/plot.h"
#include "eval/run_events.h"
#include "eval/run_layout.h"
#include "hub/hub_download.h"
#include "io/checkpoint.h"
#include "model/factory.h"
#include "runtime/device.h"
#include "runtime/distributed.h"
#include "runtime/precision.h"
#include "runtime/runtime.h"
#include "tasks/dataset.h"
#include "tasks/inspect.h"
#include "tasks/registry.h"
#include "tokenizer/tokenizer.h"
#include "train/batch_source.h"
#include "train/checkpoints.h"
#include "train/data_parallel.h"
#include "train/features.h"
#include "train/inference.h"
#include "train/optimizer.h"
#include "train/progress.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/json_file.h"
#include "util/resources.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

constexpr const char* kBuiltinModel = "builtin:tiny-default";

// The name runs of a model are filed under: the directory's name, or the
// NAME of a model id OWNER/NAME[@REVISION].
std::string model_name_of(const std::string& model) {
  if (model.empty()) return "tiny-default";
  std::error_code error;
  if (!fs::is_directory(model, error))
    if (const auto id = parse_hub_model_id(model)) return id->name;
  return fs::path(model).lexically_normal().filename().string();
}

// Everything a run needs that is decided before training starts.
struct Job {
  TaskSpec task;
  std::string model_dir;  // empty: the built-in model
  ResolvedModel model;    // where --model led: a directory, or a Hub model's snapshot and commit
  std::string model_name;
  std::string data_dir;
  std::string run_dir;
  ConfigValues values;
  TrainSettings settings;
  bool resuming = false;
  c10::Device device{c10::kCPU};
  std::string device_name;  // device_description(device), read once (it reads /proc/cpuinfo)

  bool builtin_model() const { return model_dir.empty(); }
  // Where the config, the tokenizer and any weights are read from.
  std::string source_dir() const { return builtin_model() ? builtin_model_dir() : model_dir; }
  // Whether training starts from the checkpoint's weights: not with
  // model.from_scratch, nor for a built-in directory without weights.
  bool pretrained() const {
    return !settings.from_scratch && (!builtin_model() || has_checkpoint_weights(builtin_model_dir()));
  }
  // The model's absolute positions bound it, as a tokenizer's
  // model_max_length does for transformers' users (0: no bound).
  int64_t position_limit = 0;
  int64_t wanted_seq_len() const { return settings.max_seq_len > 0 ? settings.max_seq_len : task.max_seq_len; }
  int64_t max_seq_len() const {
    return position_limit > 0 ? std::min(wanted_seq_len(), position_limit) : wanted_seq_len();
  }
};

// `may_download`: false for a plan (a suite's dry run), which reads a Hub
// model from the cache only.
Job resolve_job(const FinetuneOptions& options, bool may_download) {
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
  const bool model_from_config = o.model_dir.empty() && !run.model.empty() && run.model != kBuiltinModel;
  if (model_from_config) o.model_dir = run.model;
  if (o.data_dir.empty()) o.data_dir = run.data_dir;
  if (o.model_name.empty()) o.model_name = run.model_name;

  job.task = resolve_task(o.task);
  if (!o.model_dir.empty()) {
    HubSettings hub = hub_settings_from_environment();
    if (!may_download && !hub.offline) {
      hub.offline = true;
      hub.offline_reason = "a dry run does not download";
    }
    job.model = resolve_model(o.model_dir, hub, std::cerr);
    job.model_dir = job.model.dir;
    // config.yaml pins the commit; the revision first asked for stays the record's.
    if (model_from_config && job.model.from_hub() && !run.model_revision.empty())
      job.model.revision = run.model_revision;
  }
  job.model_name = o.model_name.empty() ? model_name_of(o.model_dir) : o.model_name;
  const std::string task_file = (fs::path(config_dir()) / "tasks" / (job.task.name + ".yaml")).string();
  const std::string preset_file = (fs::path(job.source_dir()) / "training.yaml").string();
  ConfigSources sources{job.task.source == "builtin" && fs::exists(task_file) ? task_file : "",
                        fs::exists(preset_file) ? preset_file : "", o.recipe, o.config_file, o.set_assignments};
  if (o.seed) sources.set_assignments.push_back("training.seed=" + std::to_string(*o.seed));
  job.values = resolve_config(sources, resolve_options(job.task));
  job.settings = typed_settings(job.values);
  // A from-scratch run must not share a table row or a run directory with
  // the pre-trained runs of the same model.
  if (o.model_name.empty() && job.settings.from_scratch) job.model_name += "-scratch";
  job.data_dir = !o.data_dir.empty() ? o.data_dir : default_data_dir();
  job.run_dir = !o.output_dir.empty()
                    ? o.output_dir
                    : fmt::format("runs/{}-{}-seed{}", job.task.name, job.model_name, job.settings.seed);
  const std::string config_path = (fs::path(job.source_dir()) / "config.json").string();
  if (fs::exists(config_path)) job.position_limit = load_config(config_path).max_input_length();
  job.device = resolve_device(o.device);
  job.device_name = device_description(job.device);
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

// The global batch is batch_size x world (per-process batches, as HF's
// per_device_train_batch_size).
int64_t steps_per_epoch_of(const TrainSettings& settings, int64_t train_examples, int world = 1) {
  const int64_t global_batch = settings.batch_size * world;
  const int64_t batches_per_epoch = (train_examples + global_batch - 1) / global_batch;
  return std::max<int64_t>(1, batches_per_epoch / settings.gradient_accumulation_steps);
}

int64_t total_steps_of(const TrainSettings& settings, int64_t steps_per_epoch) {
  return settings.max_steps > 0 ? settings.max_steps : steps_per_epoch * settings.epochs;
}

std::string protocol_of(const TrainSettings& settings) {
  return settings.train_split == "dev" ? "offline" : "standard";
}

// The run directory's first files: config.yaml (enough to re-run, and to
// resume from the start) and an empty metrics.jsonl.
void start_run_directory(const Job& job, const std::string& metrics_path) {
  fs::create_directories(job.run_dir);
  write_file_atomically(
      run_layout::path(job.run_dir, run_layout::kConfig),
      fmt::format("# deberta-bench finetune, resolved: enough to re-run (deberta-bench finetune "
                  "--config this-file)\nrun:\n  task: {}\n  model: {}\n{}  model_name: {}\n  data_dir: {}\n"
                  "  device: {}  # where it ran; a re-run takes --device\n",
                  job.task.source == "builtin" ? job.task.name : job.task.source,
                  job.builtin_model() ? kBuiltinModel : job.model.pinned(),
                  job.model.from_hub() ? "  model_revision: " + job.model.revision + "\n" : "", job.model_name,
                  job.data_dir, job.device_name) +
          config_to_yaml(job.values));
  write_file_atomically(metrics_path, "");
}

// Every split tokenized (through the feature cache), with the data record
// that results.json keeps.
struct EncodedData {
  std::map<std::string, EncodedSplit> splits;
  nlohmann::ordered_json record;
};

EncodedData encode_job_data(const Job& job, const std::vector<SplitData>& splits, const Tokenizer& tokenizer,
                            std::ostream& log) {
  const std::string cache_dir = feature_cache_dir();
  if (job.max_seq_len() < job.wanted_seq_len())
    log << fmt::format("max_seq_len {} cut to {}: the model's absolute positions allow no more\n", job.wanted_seq_len(),
                       job.max_seq_len());
  EncodedData data;
  for (const auto& split : splits) {
    EncodeOptions encode;
    encode.max_seq_len = job.max_seq_len();
    encode.limit = split.name == "train" && job.settings.max_train_examples > 0
                       ? static_cast<size_t>(job.settings.max_train_examples)
                       : 0;
    encode.cache_dir = cache_dir;
    if (!cache_dir.empty())
      encode.cache_key = feature_cache_key(split, job.task, job.settings.data_options, job.source_dir(), tokenizer,
                                           job.max_seq_len(), encode.limit);
    data.splits[split.name] = encode_split(split, job.task, tokenizer, encode, log);
    data.record[split.name] = split_summary(job.task, split);
    data.record[split.name]["used"] = data.splits[split.name].encodings.size();
  }
  for (const char* name : {"train", "dev", "test"})
    if (data.splits.count(name) == 0)
      throw std::runtime_error(fmt::format("task {} has no {} split", job.task.name, name));
  return data;
}

// The model to fine-tune: the checkpoint's backbone with a head for the
// task's labels, seeded so that a fresh head and the built-in model are
// reproducible. Resuming from a saved state reads only the config: the
// weights come from checkpoint-last/.
Model build_job_model(const Job& job, const Tokenizer& tokenizer, bool from_state) {
  torch::manual_seed(job.settings.seed);
  ModelOptions options;
  options.labels = job.task.is_regression() ? std::vector<std::string>{"score"} : job.task.labels;
  const TrainSettings& s = job.settings;
  options.adjust_config = [&s](DebertaConfig& config) { apply_model_overrides(config, s); };
  options.weights = from_state || !job.pretrained() ? WeightsSource::kNone : WeightsSource::kRequired;
  options.device = job.device;
  options.precision = parse_precision(job.settings.precision);
  Model model = load_model(job.source_dir(), options);
  if (tokenizer.vocab_size() > model.config.vocab_size)
    throw std::runtime_error(fmt::format("{}: the tokenizer has {} ids but config.json's vocab_size is {}",
                                         job.source_dir(), tokenizer.vocab_size(), model.config.vocab_size));
  return model;
}

// Model selection: scores dev (and test under the legacy rule) and keeps the
// best checkpoint.
class Selection {
 public:
  // With a process group the logits are computed across the processes;
  // only the writer (rank 0) logs them.
  Selection(const Job& job, const EncodedData& data, Model& model, int64_t pad_id, RunCheckpoints& checkpoints,
            ProgressDisplay& display, std::string metrics_path, RunEvents& events, ProcessGroup* group)
      : job_(job),
        data_(data),
        model_(model),
        pad_id_(pad_id),
        checkpoints_(checkpoints),
        display_(display),
        metrics_path_(std::move(metrics_path)),
        events_(events),
        group_(group),
        metric_(job.settings.selection_metric.empty() ? job.task.headline_metric : job.settings.selection_metric),
        on_test_(job.settings.selection == "best-test") {}

  std::string label() const {
    return on_test_ ? "best-test (legacy: the checkpoint with the best TEST " + metric_ + "; optimistic)"
                    : "dev (the checkpoint with the best dev " + metric_ + ")";
  }

  torch::Tensor logits(const std::string& split) {
    return predict_logits(model_, data_.splits.at(split), job_.settings.eval_batch_size, pad_id_,
                          job_.task.is_regression(), group_);
  }

  std::map<std::string, double> score(const std::string& split, const torch::Tensor& logits) const {
    return score_logits(job_.task, logits, data_.splits.at(split));
  }

  void evaluate(TrainerState& state, int64_t epoch) {
    const auto dev_logits = logits("dev");
    nlohmann::json record = {{"step", state.step}, {"epoch", epoch}, {"dev", score("dev", dev_logits)}};
    if (const auto label = collapsed_class(job_.task, dev_logits)) {
      const std::string warning =
          fmt::format("step {}: every dev prediction is '{}' (collapse to one class)", state.step, *label);
      display_.message("warning: " + warning);
      record["collapsed_to"] = *label;
      if (std::find(state.warnings.begin(), state.warnings.end(), warning) == state.warnings.end())
        state.warnings.push_back(warning);
    }
    if (on_test_) record["test"] = score("test", logits("test"));
    const double value = record[on_test_ ? "test" : "dev"].at(metric_).get<double>();
    const bool selected = !state.best_value || value > *state.best_value;
    record["selected"] = selected;
    if (!group_ || group_->rank() == 0) append_line(metrics_path_, record.dump());
    events_.log(record);
    display_.message(fmt::format("eval step {}: {} {} = {:.4f}{}", state.step, on_test_ ? "test" : "dev", metric_,
                                 value, selected ? " (best so far)" : ""));
    if (selected) {
      state.best_value = value;
      state.best_record = record;
      checkpoints_.save_best();
      state.evaluations_without_gain = 0;
    } else if (job_.settings.early_stopping_patience > 0 &&
               ++state.evaluations_without_gain >= job_.settings.early_stopping_patience) {
      display_.message(
          fmt::format("early stopping: {} evaluations without a better {}", state.evaluations_without_gain, metric_));
      state.stop = true;
    }
  }

 private:
  const Job& job_;
  const EncodedData& data_;
  Model& model_;
  int64_t pad_id_;
  RunCheckpoints& checkpoints_;
  ProgressDisplay& display_;
  std::string metrics_path_;
  RunEvents& events_;  // enabled on the writer only
  ProcessGroup* group_;
  std::string metric_;
  bool on_test_;
};

// results.json of a finished run.
nlohmann::ordered_json results_record(const Job& job, Model& model, const TrainerState& state,
                                      const std::string& selection, const std::map<std::string, double>& dev,
                                      const std::map<std::string, double>& test, const nlohmann::ordered_json& data,
                                      int threads, int world_size) {
  int64_t embedding_parameters = 0, encoder_parameters = 0;
  const std::string prefix = model.config.backbone_prefix();
  const auto under = [&prefix](const std::string& name, const std::vector<std::string>& parts) {
    for (const auto& part : parts)
      if (name.rfind(prefix + part, 0) == 0) return true;
    return false;
  };
  for (const auto& [name, tensor] : model_tensors(model.module())) {
    if (under(name, DebertaConfig::embedding_parts())) embedding_parameters += tensor.numel();
    if (under(name, DebertaConfig::encoder_parts())) encoder_parameters += tensor.numel();
  }
  const TrainSettings& settings = job.settings;
  nlohmann::ordered_json results;
  results["task"] = job.task.name;
  results["model"] = (job.builtin_model()    ? std::string(kBuiltinModel)
                      : job.model.from_hub() ? job.model.hub_id
                                             : job.model_dir) +
                     (job.pretrained() ? "" : " (from scratch)");
  // Which weights made the row: the revision asked for and the commit it was.
  if (job.model.from_hub()) {
    results["model_id"] = job.model.hub_id;
    results["model_revision"] = job.model.revision;
    results["model_commit"] = job.model.commit;
  }
  results["model_name"] = job.model_name;
  results["pretrained"] = job.pretrained();
  // The model card's "backbone parameters" leave the embeddings out (DeBERTa-v3-xsmall: 22M).
  results["backbone_parameters"] = encoder_parameters;
  results["embedding_parameters"] = embedding_parameters;
  results["protocol"] = protocol_of(settings);
  if (settings.train_split == "dev")
    results["protocol_note"] =
        "offline: trained on the dev file less a seeded tenth (the dev split), tested on test; not comparable to the "
        "model card";
  results["seed"] = settings.seed;
  results["selection"] = selection;
  results["selection_rule"] = settings.selection;
  results["headline_metric"] = job.task.headline_metric;
  results["headline"] = test.at(job.task.headline_metric);
  results["dev"] = dev;
  results["test"] = test;
  results["best_step"] = state.best_record.at("step");
  results["steps"] = state.step;
  // batch_size is per process, as HF's per_device_train_batch_size.
  results["world_size"] = world_size;
  results["batch_size_per_process"] = settings.batch_size;
  results["global_batch_size"] = settings.batch_size * world_size * settings.gradient_accumulation_steps;
  results["train_seconds"] = state.train_seconds;
  results["train_examples_per_second"] = state.examples_seen / std::max(state.train_seconds, 1e-9);
  results["warnings"] = state.warnings;
  results["data"] = data;
  results["device"] = job.device_name;
  results["precision"] = settings.precision;
  const CudaInfo cuda = cuda_info();
  results["versions"] = {
      {"deberta-bench", DEBERTA_BENCH_VERSION},
      {"libtorch", torch_version()},
      {"cuda", cuda.built_in ? nlohmann::ordered_json(cuda.version) : nlohmann::ordered_json(nullptr)},
      {"sentencepiece", DEBERTA_BENCH_SPM_VERSION},
      {"cpu_capability", cpu_capability()},
      {"threads", threads}};
  return results;
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
  configure_threads(options.threads);
  // Everything is checked before the run directory is touched: the settings,
  // the model directory, the data files and the tokenizer.
  const Job job = resolve_job(options, true);
  const TaskSpec& task = job.task;
  const TrainSettings& settings = job.settings;
  const std::string metrics_path = run_layout::path(job.run_dir, run_layout::kMetrics);
  if (job.resuming) run_layout::refuse_finished(job.run_dir);
  const std::vector<SplitData> splits = load_job_data(job);
  const Tokenizer tokenizer = load_tokenizer(job.source_dir());
  const int64_t pad_id = tokenizer.special_tokens().pad.id;

  // Under torchrun: one process of a data-parallel job. Rank 0 alone writes
  // the run directory and logs; the others stay quiet except for errors.
  const DistributedEnv env = distributed_env();
  std::unique_ptr<ProcessGroup> group;
  if (env.active())
    group = std::make_unique<ProcessGroup>(env, settings.distributed_backend,
                                           std::chrono::seconds(settings.distributed_timeout_s), job.device);
  const int world = group ? group->size() : 1;
  const bool writer = !group || group->rank() == 0;
  std::ostream quiet(nullptr);
  std::ostream& out = writer ? log : quiet;

  ProgressDisplay display(out, options.live_progress, settings.logging_steps);
  if (job.builtin_model() && job.pretrained())
    display.message(
        "model: the built-in tiny-default (hidden 128, 4 layers), pre-trained here with RTD on the tasks' training "
        "text (configs/models/tiny-default/README.md). A toy model: pass --model DIR for a real one.");
  else if (!job.pretrained())
    display.message(fmt::format(
        "model: {}, initialised from scratch{}: no pre-trained weights, so its scores show the pipeline works, "
        "nothing more.",
        job.builtin_model() ? "the built-in tiny-default (hidden 128, 4 layers)" : job.model.pinned(),
        job.settings.from_scratch ? " (model.from_scratch)" : ""));
  if (settings.train_split == "dev")
    display.message(
        "protocol: offline. It trains on the dev file less a seeded tenth (which becomes dev) and tests on test, "
        "because the train file is not at hand. Its scores are NOT comparable to the model card.");
  set_tf32(settings.allow_tf32);
  display.message(fmt::format("device: {}, precision {}", job.device_name, settings.precision));
  if (settings.precision == "bf16" && job.device.is_cpu())
    if (const auto warning = bf16_emulation_warning(cpu_features())) display.message(*warning);
  if (group)
    display.message(fmt::format("data parallel: {} processes ({}), batch {} per process, global batch {}", world,
                                group->backend(), settings.batch_size,
                                settings.batch_size * world * settings.gradient_accumulation_steps));
  // A run killed before its first saved state starts again from step 0: the
  // same steps give the same result.
  bool from_state = false;
  if (job.resuming) {
    if (writer) {
      recover_interrupted_write(run_layout::path(job.run_dir, run_layout::kLastCheckpoint));
      recover_interrupted_write(run_layout::path(job.run_dir, run_layout::kBestCheckpoint));
    }
    if (group) group->barrier();
    from_state = run_layout::has_resume_state(job.run_dir);
    if (!from_state)
      display.message(job.run_dir +
                      ": no saved state yet (killed before the first evaluation); "
                      "starting the run again from step 0");
  }
  if (!from_state && writer) start_run_directory(job, metrics_path);
  // TensorBoard's view of the run, written by rank 0 alone.
  RunEvents events;
  if (!from_state && writer && settings.tensorboard) events.start(job.run_dir);
  display.message("data: " + job.data_dir);
  const EncodedData data = encode_job_data(job, splits, tokenizer, out);
  const EncodedSplit& train = data.splits.at("train");

  Model model = build_job_model(job, tokenizer, from_state);
  for (const auto& line : model.report.describe()) display.message(line);
  std::unique_ptr<DataParallel> data_parallel;
  if (group) {
    data_parallel = std::make_unique<DataParallel>(*group, model.module());
    data_parallel->broadcast_parameters();
  }
  const int64_t steps_per_epoch = steps_per_epoch_of(settings, static_cast<int64_t>(train.encodings.size()), world);
  const int64_t total_steps = total_steps_of(settings, steps_per_epoch);
  Optimization optimization = make_optimization(model.module(), settings, total_steps);
  RunCheckpoints checkpoints(job.run_dir, model, optimization, job.source_dir(), metrics_path, writer, &events);

  TrainerState state;
  state.world_size = world;
  if (from_state) {
    state = checkpoints.restore_resume_state();
    require_same_world_size(state, world, job.run_dir);
    if (writer && settings.tensorboard)
      if (const auto warning = events.resume(job.run_dir, state.events_bytes)) display.message("warning: " + *warning);
    display.message(fmt::format("resuming {} at step {} (epoch {}, batch {})", job.run_dir, state.step, state.epoch,
                                state.next_batch));
  }

  Selection selection(job, data, model, pad_id, checkpoints, display, metrics_path, events, group.get());
  display.message(fmt::format("task {}: {} train / {} dev / {} test examples, {} steps ({} per epoch), selection {}",
                              task.name, train.encodings.size(), data.splits.at("dev").encodings.size(),
                              data.splits.at("test").encodings.size(), total_steps, steps_per_epoch,
                              selection.label()));

  EpochBatches batches(
      train, {static_cast<size_t>(settings.batch_size), static_cast<size_t>(settings.gradient_accumulation_steps),
              settings.group_by_length, settings.seed, pad_id, task.is_regression(), job.device,
              group ? group->rank() : 0, world});
  TrainerHooks hooks;
  if (data_parallel) data_parallel->install(hooks, settings.seed);
  hooks.on_step = [&](const TrainerState& s, const StepInput&, const StepResult& result, int64_t epoch) {
    if (!result.finite) return;
    const double examples_per_second = s.examples_seen / std::max(s.train_seconds, 1e-9);
    if (result.skipped)
      display.message(fmt::format("step {}: fp16 gradients overflowed at loss scale {}; step skipped, scale lowered",
                                  s.step, result.loss_scale));
    if (s.step % settings.logging_steps == 0 || s.step == total_steps || result.skipped) {
      nlohmann::json line = {{"step", s.step}, {"epoch", epoch}, {"loss", result.loss}, {"lr", result.lr}};
      // An overflowed step's gradient norm is inf, which JSON cannot hold.
      if (!result.skipped) line["grad_norm"] = result.grad_norm_before_clip;
      if (optimization.scaler.enabled()) line["loss_scale"] = result.loss_scale;
      if (result.skipped) line["skipped"] = true;
      if (writer) append_line(metrics_path, line.dump());
      // Throughput varies from run to run, so it is in the events only:
      // metrics.jsonl stays the same for the same seed.
      events.log(line, {{"train/examples_per_second", static_cast<float>(examples_per_second)}});
    }
    display.step({s.step, total_steps, epoch, result.loss, result.lr, examples_per_second,
                  s.train_seconds / static_cast<double>(s.step)});
  };
  hooks.evaluate = [&](TrainerState& s, int64_t epoch) { selection.evaluate(s, epoch); };
  hooks.checkpoints = &checkpoints;
  FitOutcome outcome = FitOutcome::kFinished;
  try {
    outcome =
        fit(model.module(), classification_objective(model.classifier, model.device, model.precision), optimization,
            batches, {total_steps, settings.eval_every_steps, options.stop_after_steps}, hooks, state);
  } catch (const NonFiniteStep& e) {
    throw std::runtime_error(
        fmt::format("{}. {}/checkpoint-best holds the last good checkpoint", e.what(), job.run_dir));
  }
  if (outcome == FitOutcome::kInterrupted) {
    display.message(fmt::format("stopped after step {} as asked; continue with: deberta-bench finetune --resume {}",
                                state.step, job.run_dir));
    return job.run_dir;
  }
  if (state.best_record.is_null()) throw std::runtime_error("no evaluation ran: the training set is empty");

  // The selected checkpoint on test; every process reads what rank 0 wrote.
  if (group) group->barrier();
  checkpoints.restore_best();
  const auto test_logits = selection.logits("test");
  const auto dev_logits = selection.logits("dev");
  const auto test_metrics = selection.score("test", test_logits);
  if (writer) {
    write_file_atomically(run_layout::path(job.run_dir, run_layout::kPredictions), predictions_tsv(task, test_logits));
    const auto results = results_record(job, model, state, selection.label(), selection.score("dev", dev_logits),
                                        test_metrics, data.record, options.threads, world);
    write_file_atomically(run_layout::path(job.run_dir, run_layout::kResults), results.dump(2) + "\n");
    plot_run(job.run_dir, "");
  }
  // The run is complete; its resume state is no longer needed.
  checkpoints.remove_resume_state();
  display.message(fmt::format("test {} = {:.4f} (checkpoint of step {}, selected on {}); run directory {}",
                              task.headline_metric, test_metrics.at(task.headline_metric),
                              state.best_record.at("step").get<int64_t>(), settings.selection, job.run_dir));
  return job.run_dir;
}

FinetunePlan plan_finetune(const FinetuneOptions& options) {
  const Job job = resolve_job(options, false);
  FinetunePlan plan;
  plan.task = job.task.name;
  plan.model_name = job.model_name;
  plan.run_dir = job.run_dir;
  plan.protocol = protocol_of(job.settings);
  for (const auto& split : load_job_data(job))
    if (split.name == "train") plan.train_examples = static_cast<int64_t>(split.examples.size());
  if (job.settings.max_train_examples > 0)
    plan.train_examples = std::min(plan.train_examples, job.settings.max_train_examples);
  plan.steps_per_epoch = steps_per_epoch_of(job.settings, plan.train_examples, distributed_env().world_size);
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
    const auto results = read_json_file(run_layout::path(run_dir, run_layout::kResults));
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
