#include "commands/bench.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "model/factory.h"
#include "runtime/device.h"
#include "runtime/distributed.h"
#include "runtime/precision.h"
#include "runtime/runtime.h"
#include "tasks/dataset.h"
#include "tasks/registry.h"
#include "tokenizer/tokenizer.h"
#include "train/batch_source.h"
#include "train/data_parallel.h"
#include "train/features.h"
#include "train/optimizer.h"
#include "train/step_profile.h"
#include "train/trainer.h"
#include "util/environment.h"
#include "util/resources.h"

namespace deberta {

namespace {

using Clock = std::chrono::steady_clock;

// Forward matmul FLOPs of backbone, pooler and classifier, as bench_ref.py counts them.
double forward_flops(const DebertaConfig& c, int64_t batch, int64_t seq_len) {
  const double h = c.hidden_size, i = c.intermediate_size, layers = c.num_hidden_layers;
  if (!c.relative_attention) {
    // Absolute positions: the projections, the FFN, QK^T and PV; ELECTRA's
    // embeddings_project where the embedding is narrower.
    const double per_token = 8 * h * h + 4 * h * i + 4 * seq_len * h;
    const double project = c.embedding_size != c.hidden_size ? 2.0 * c.embedding_size * h : 0.0;
    return batch * seq_len * (layers * per_token + project) + batch * 2 * h * h + batch * 2 * h * c.num_labels();
  }
  const double span = c.position_buckets > 0 ? c.position_buckets : seq_len;
  const double att_span = c.position_buckets > 0 ? std::min(2 * span, 2.0 * seq_len) : 2.0 * seq_len;
  const double per_token = 8 * h * h + 4 * h * i + 4 * seq_len * h + 2 * 2 * att_span * h;
  const double per_sequence = 2 * 2 * (2 * span) * h * h;
  return layers * (batch * seq_len * per_token + per_sequence) + batch * 2 * h * h + batch * 2 * h * c.num_labels();
}

// bench_ref.py counts a training step as forward plus a backward of twice its cost.
double train_flops(const DebertaConfig& c, int64_t batch, int64_t seq_len) {
  return 3 * forward_flops(c, batch, seq_len);
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// One epoch's time and work; tokens and FLOPs over all processes.
struct EpochFigures {
  int64_t batches = 0;
  double seconds = 0;
  int64_t real_tokens = 0;
  int64_t padded_tokens = 0;
  double flops = 0;
};

// bench_ref.py's optimiser (AdamW, lr 1e-5, eps 1e-6, weight decay 0.01, clip
// 1.0) at a constant rate, so that no step is skipped at rate 0; with fp16,
// finetune's loss scaling.
Optimization bench_optimization(Model& model) {
  LrSchedule schedule;
  schedule.type = ScheduleType::constant_with_warmup;
  schedule.lr = 1e-5;
  Optimization optimization{make_adamw(model.module(), {0.9, 0.999, 1e-6, 0.01}), schedule, 1.0};
  optimization.scaler = loss_scaler_for(model.precision);
  return optimization;
}

// Trains `steps` steps from `source` through the trainer's loop, calling
// `after_step` after each with its wall time, read after the device has
// finished the step's work.
void train_steps(Model& model, BatchSource& source, int64_t steps,
                 const std::function<void(const StepInput&, double seconds)>& after_step,
                 DataParallel* data_parallel = nullptr, StepProfile* profile = nullptr) {
  Optimization optimization = bench_optimization(model);
  TrainerHooks hooks;
  hooks.profile = profile;
  if (data_parallel) data_parallel->install(hooks, 0);
  auto last = Clock::now();
  hooks.on_step = [&](const TrainerState&, const StepInput& input, const StepResult&, int64_t) {
    synchronize(model.device);
    const auto now = Clock::now();
    after_step(input, std::chrono::duration<double>(now - last).count());
    last = Clock::now();  // what after_step does is not the next step's time
  };
  TrainerState state;
  try {
    synchronize(model.device);
    last = Clock::now();
    fit(model.module(), classification_objective(model.classifier, model.device, model.precision), optimization, source,
        {steps, 0, 0}, hooks, state);
  } catch (const NonFiniteStep&) {
    throw std::runtime_error("bench: the loss or the gradient norm is not finite");
  }
}

// What every mode reports of where it ran. The thread pools are what
// --threads set; OMP_NUM_THREADS and MKL_NUM_THREADS are shown because a
// launcher may set them (torchrun sets OMP_NUM_THREADS=1), but --threads
// decides: it sizes the pools after start-up.
nlohmann::ordered_json environment(const BenchOptions& options, const Model& model) {
  return {{"device", device_description(model.device)},
          {"precision", precision_name(model.precision)},
          {"threads", options.threads},
          {"intra_op_threads", at::get_num_threads()},
          {"inter_op_threads", at::get_num_interop_threads()},
          {"OMP_NUM_THREADS", environment_variable("OMP_NUM_THREADS", "(unset)")},
          {"MKL_NUM_THREADS", environment_variable("MKL_NUM_THREADS", "(unset)")},
          // The process's peak resident memory (what bench-hf.py reports for
          // transformers), and on a GPU its peak allocated device memory.
          {"peak_rss_mb", static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0)},
          {"peak_device_memory_mb",
           model.device.is_cpu()
               ? nlohmann::ordered_json()
               : nlohmann::ordered_json(static_cast<double>(peak_memory_bytes(model.device)) / (1024.0 * 1024.0))},
          {"torch", torch_version()}};
}

// The median of each phase over the timed steps, in milliseconds, with its
// share of the median step; "outside" is the rest of the step: the batch
// source and the loop's bookkeeping. Then the operators that took the most
// time, per step on average: where the phases' time goes.
nlohmann::ordered_json breakdown_of(const StepProfile& profile, const std::vector<double>& step_seconds) {
  const auto& steps = profile.steps();
  nlohmann::ordered_json out;
  const double step = median_of(step_seconds);
  for (size_t p = 0; p < static_cast<size_t>(StepPhase::kCount); ++p) {
    std::vector<double> seconds;
    std::vector<double> ops;
    for (const auto& s : steps) {
      seconds.push_back(s.seconds[p]);
      ops.push_back(static_cast<double>(s.ops[p]));
    }
    const double median = median_of(seconds);
    out[step_phase_name(static_cast<StepPhase>(p))] = {
        {"ms", median * 1e3}, {"share", median / step}, {"aten_ops", median_of(ops)}};
  }
  // Per step, then the median: medians of parts need not add up to the whole's.
  std::vector<double> outside;
  for (size_t i = 0; i < steps.size() && i < step_seconds.size(); ++i) {
    double inside = 0;
    for (double seconds : steps[i].seconds) inside += seconds;
    outside.push_back(step_seconds[i] - inside);
  }
  const double rest = outside.empty() ? 0.0 : median_of(outside);
  out["outside"] = {{"ms", rest * 1e3}, {"share", rest / step}};
  out["step_ms"] = step * 1e3;
  auto top = nlohmann::ordered_json::array();
  const auto count = static_cast<double>(steps.size());
  for (const auto& op : profile.operator_times()) {
    if (top.size() == 12) break;
    top.push_back({{"operator", op.name},
                   {"ms", op.seconds * 1e3 / count},
                   {"share", op.seconds / count / step},
                   {"calls", static_cast<double>(op.calls) / count}});
  }
  out["top_operators"] = top;
  return out;
}

ModelOptions placement(const BenchOptions& options) {
  ModelOptions placed;
  placed.device = resolve_device(options.device);
  placed.precision = parse_precision(options.precision);
  return placed;
}

void print(const nlohmann::ordered_json& result, bool json, std::ostream& out) {
  if (json) {
    out << result.dump() << '\n';
    return;
  }
  for (const auto& [key, value] : result.items()) {
    if (key == "breakdown") continue;
    out << fmt::format("{:>20}: {}\n", key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  if (!result.contains("breakdown")) return;
  const auto& breakdown = result.at("breakdown");
  out << fmt::format("\n{:>20}  {:>10}  {:>6}  {:>9}\n", "phase of a step", "ms", "share", "ATen ops");
  for (const auto& [phase, figures] : breakdown.items()) {
    if (!figures.is_object() || !figures.contains("share")) continue;
    out << fmt::format("{:>20}  {:>10.1f}  {:>5.1f}%  {:>9}\n", phase, figures.at("ms").get<double>(),
                       100 * figures.at("share").get<double>(),
                       figures.contains("aten_ops") ? fmt::format("{:.0f}", figures.at("aten_ops").get<double>()) : "");
  }
  out << fmt::format("{:>20}  {:>10.1f}\n", "step (median)", breakdown.at("step_ms").get<double>());
  out << fmt::format("\n{:>32}  {:>10}  {:>6}  {:>9}\n", "operator (self time, per step)", "ms", "share", "calls");
  for (const auto& op : breakdown.at("top_operators"))
    out << fmt::format("{:>32}  {:>10.1f}  {:>5.1f}%  {:>9.0f}\n", op.at("operator").get<std::string>(),
                       op.at("ms").get<double>(), 100 * op.at("share").get<double>(), op.at("calls").get<double>());
}

// Full-length random sequences, as bench_ref.py builds them.
ModelInputs random_inputs(const BenchOptions& options, const DebertaConfig& config) {
  // Ids above the special tokens of every family's vocabulary.
  auto ids =
      torch::randint(5, std::min<int64_t>(64000, config.vocab_size), {options.batch, options.seq_len}, torch::kLong);
  ids.select(1, 0).fill_(1);
  // No padding, and the model is told so: a collated batch says the same.
  return {ids, torch::ones_like(ids), torch::zeros_like(ids), /*may_have_padding=*/false};
}

void bench_fixed_shape(const BenchOptions& options, std::ostream& out) {
  if (options.batch < 1 || options.seq_len < 2 || options.seq_len > 512)
    throw std::invalid_argument("bench needs --batch >= 1 and 2 <= --seq-len <= 512");
  if (!options.task.empty())
    throw std::invalid_argument("bench --task goes with --mode epoch; --mode " + options.mode +
                                " runs random full-length sequences");
  if (options.warmup < 0 || options.iterations < 1)
    throw std::invalid_argument("bench needs --warmup >= 0 and --iters >= 1");
  torch::manual_seed(0);
  const auto config = bench_preset_config(options.preset);
  if (config.max_input_length() > 0 && options.seq_len > config.max_input_length())
    throw std::invalid_argument(fmt::format("bench --preset {} takes --seq-len up to {}, its absolute positions",
                                            options.preset, config.max_input_length()));
  Model model = new_model(config, placement(options));
  const Batch batch = to_device(
      Batch{random_inputs(options, config), torch::randint(0, 2, {options.batch}, torch::kLong)}, model.device);

  std::vector<double> seconds;
  double flops = 0;
  nlohmann::ordered_json breakdown;
  if (options.breakdown && options.mode != "train")
    throw std::invalid_argument("bench --breakdown goes with --mode train");
  if (options.mode == "train") {
    // The trainer's own loop over one fixed batch.
    RepeatedBatches source({batch});
    std::unique_ptr<StepProfile> profile;
    if (options.breakdown) profile = std::make_unique<StepProfile>(model.device);
    train_steps(
        model, source, options.warmup + options.iterations,
        [&](const StepInput&, double step_seconds) {
          seconds.push_back(step_seconds);
          if (profile && static_cast<int64_t>(seconds.size()) == options.warmup) profile->clear();
        },
        nullptr, profile.get());
    seconds.erase(seconds.begin(), seconds.begin() + options.warmup);
    if (profile) breakdown = breakdown_of(*profile, seconds);
    flops = train_flops(config, options.batch, options.seq_len);
  } else {
    torch::InferenceMode inference;
    for (int i = 0; i < options.warmup + options.iterations; ++i) {
      synchronize(model.device);
      const auto start = Clock::now();
      {
        AutocastGuard autocast(model.device, model.precision);
        model.classifier(batch.inputs);
      }
      synchronize(model.device);
      if (i >= options.warmup) seconds.push_back(seconds_since(start));
    }
    flops = forward_flops(config, options.batch, options.seq_len);
  }
  const double median = median_of(seconds);
  nlohmann::ordered_json result = {
      {"implementation", "deberta-bench"},
      {"mode", options.mode},
      {"preset", options.preset},
      {"batch", options.batch},
      {"seq_len", options.seq_len},
      {"median_s", median},
      {"examples_per_s", options.batch / median},
      {"tokens_per_s", static_cast<double>(options.batch) * options.seq_len / median},
      {"gflops", flops / median / 1e9},
  };
  result.update(environment(options, model));
  if (!breakdown.is_null()) result["breakdown"] = breakdown;
  print(result, options.json, out);
}

// An epoch as finetune runs it: the task's training split tokenized at the
// task's max_seq_len, length-grouped shuffled batches padded to their longest
// example, and one trainer step each. The tokenizer is the built-in model's,
// the only one shipped; its ids all fall inside the preset's vocabulary.
void bench_epoch(const BenchOptions& options, std::ostream& out) {
  if (options.task.empty())
    throw std::invalid_argument(
        "bench --mode epoch needs --task (e.g. --task nsmc): it runs that task's training data");
  if (options.batch < 1) throw std::invalid_argument("bench needs --batch >= 1");
  if (options.max_examples < 0) throw std::invalid_argument("bench needs --max-examples >= 0 (0: all)");
  const TaskSpec task = resolve_task(options.task);
  const std::string data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  const std::string tokenizer_dir = builtin_model_dir();

  const auto encode_start = Clock::now();
  const SplitData split = load_split(task, "train", data_dir);
  const Tokenizer tokenizer = load_tokenizer(tokenizer_dir);
  EncodeOptions encode;
  encode.max_seq_len = task.max_seq_len;
  encode.limit = static_cast<size_t>(options.max_examples);
  std::ostringstream cache_log;  // no cache is used, so nothing is written here
  const EncodedSplit train = encode_split(split, task, tokenizer, encode, cache_log);
  const double encode_s = seconds_since(encode_start);
  if (train.encodings.empty()) throw std::runtime_error("bench: the " + task.name + " training split is empty");

  torch::manual_seed(0);
  auto config = bench_preset_config(options.preset);
  if (tokenizer.vocab_size() > config.vocab_size)
    throw std::runtime_error(fmt::format("bench: the tokenizer of {} has {} ids, more than the preset's {}",
                                         tokenizer_dir, tokenizer.vocab_size(), config.vocab_size));
  ModelOptions head;
  head.labels = task.is_regression() ? std::vector<std::string>{"score"} : task.labels;
  Model model = new_model(config, head);

  const int64_t pad_id = tokenizer.special_tokens().pad.id;
  // Under torchrun: rank 0 first times the epoch alone (the others wait),
  // then every process takes its part of each global batch.
  const DistributedEnv env = distributed_env();
  std::unique_ptr<ProcessGroup> group;
  if (env.active()) group = std::make_unique<ProcessGroup>(env, "auto", std::chrono::hours(1), model.device);
  const auto run_epoch = [&](ProcessGroup* in) {
    const int world = in ? in->size() : 1;
    EpochBatches source(train, {static_cast<size_t>(options.batch), 1, options.group_by_length, 42, pad_id,
                                task.is_regression(), model.device, in ? in->rank() : 0, world});
    const int64_t global_batch = static_cast<int64_t>(options.batch) * world;
    EpochFigures figures;
    figures.batches = (static_cast<int64_t>(train.encodings.size()) + global_batch - 1) / global_batch;
    std::unique_ptr<DataParallel> data_parallel;
    if (in) {
      data_parallel = std::make_unique<DataParallel>(*in, model.module());
      data_parallel->broadcast_parameters();
    }
    train_steps(
        model, source, figures.batches,
        [&](const StepInput& input, double step_seconds) {
          figures.seconds += step_seconds;
          const ModelInputs& part = input.micro_batches.front().inputs;
          const int64_t rows = part.input_ids.size(0), width = rows > 0 ? part.input_ids.size(1) : 0;
          figures.real_tokens += rows > 0 ? part.attention_mask.sum().item<int64_t>() : 0;
          figures.padded_tokens += rows * width;
          figures.flops += rows > 0 ? train_flops(config, rows, width) : 0;
        },
        data_parallel.get());
    if (in) {
      std::vector<torch::Tensor> sums = {torch::tensor(
          {static_cast<double>(figures.real_tokens), static_cast<double>(figures.padded_tokens), figures.flops},
          torch::kDouble)};
      in->all_reduce_sum(sums);
      figures.real_tokens = static_cast<int64_t>(sums[0][0].item<double>());
      figures.padded_tokens = static_cast<int64_t>(sums[0][1].item<double>());
      figures.flops = sums[0][2].item<double>();
    }
    return figures;
  };
  std::optional<EpochFigures> alone;
  if (group) {
    if (group->rank() == 0) alone = run_epoch(nullptr);
    group->barrier();
  }
  const EpochFigures figures = run_epoch(group.get());
  if (group && group->rank() != 0) return;
  const int64_t batches = figures.batches;
  const double seconds = figures.seconds, flops = figures.flops;
  const int64_t real_tokens = figures.real_tokens, padded_tokens = figures.padded_tokens;
  const auto examples = static_cast<int64_t>(train.encodings.size());
  nlohmann::ordered_json result = {
      {"implementation", "deberta-bench"},
      {"mode", options.mode},
      {"preset", options.preset},
      {"task", task.name},
      {"data_dir", data_dir},
      {"examples", examples},
      {"batch", options.batch},
      {"batches", batches},
      {"max_seq_len", task.max_seq_len},
      {"group_by_length", options.group_by_length},
      {"tokenize_s", encode_s},
      {"epoch_s", seconds},
      {"examples_per_s", examples / seconds},
      {"tokens_per_s", real_tokens / seconds},
      {"padded_tokens_per_s", padded_tokens / seconds},
      {"padding_fraction", 1.0 - static_cast<double>(real_tokens) / static_cast<double>(padded_tokens)},
      {"mean_padded_len", static_cast<double>(padded_tokens) / examples},
      {"gflops", flops / seconds / 1e9},
  };
  result.update(environment(options, model));
  if (group) {
    // The global rate against world_size processes each as fast as one alone.
    const double alone_rate = static_cast<double>(examples) / alone->seconds;
    result["processes"] = group->size();
    result["backend"] = group->backend();
    result["single_process_examples_per_s"] = alone_rate;
    result["scaling_efficiency"] = (examples / seconds) / (group->size() * alone_rate);
  }
  print(result, options.json, out);
}

}  // namespace

void run_bench(const BenchOptions& options, std::ostream& out) {
  if (options.mode == "epoch") return bench_epoch(options, out);
  if (options.mode == "forward" || options.mode == "train") return bench_fixed_shape(options, out);
  throw std::invalid_argument("unknown bench --mode '" + options.mode + "' (forward, train, epoch)");
}

}  // namespace deberta
