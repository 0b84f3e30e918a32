#include "commands/pretrain.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "eval/metrics.h"
#include "eval/plot.h"
#include "eval/run_events.h"
#include "eval/run_layout.h"
#include "io/checkpoint.h"
#include "model/checkpoint.h"
#include "model/pretraining.h"
#include "model/weights.h"
#include "runtime/device.h"
#include "runtime/distributed.h"
#include "runtime/precision.h"
#include "runtime/runtime.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoints.h"
#include "train/data_parallel.h"
#include "train/features.h"
#include "train/optimizer.h"
#include "train/pretrain_data.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/json_file.h"
#include "util/resources.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

// What a run was started with besides its settings, for --resume.
constexpr const char* kInputs = "pretrain_inputs.json";
constexpr const char* kDiscriminatorDir = "discriminator";
constexpr const char* kGeneratorDir = "generator";

struct Job {
  PretrainOptions inputs;  // corpus, model and tokenizer sources, run directory
  ConfigValues values;
  TrainSettings settings;
  PretrainSettings pretrain;
  DebertaConfig discriminator;
  DebertaConfig generator;
  std::string tokenizer_dir;
  bool resuming = false;
  c10::Device device{c10::kCPU};
  Precision precision = Precision::kFp32;  // training.precision, parsed
};

nlohmann::json inputs_to_json(const PretrainOptions& o) {
  return {{"corpus", o.corpus},
          {"model_config", o.model_config},
          {"init_discriminator", o.init_discriminator},
          {"tokenizer", o.tokenizer_dir}};
}

Job resolve_job(const PretrainOptions& options) {
  Job job;
  PretrainOptions o = options;
  if (!o.resume_dir.empty()) {
    if (!o.corpus.empty() || !o.model_config.empty() || !o.init_discriminator.empty() || !o.tokenizer_dir.empty() ||
        !o.config_file.empty() || !o.set_assignments.empty() || !o.output_dir.empty())
      throw std::invalid_argument("--resume " + o.resume_dir +
                                  ": the inputs and settings come from the run directory; give no other run flags");
    const auto inputs_path = (fs::path(o.resume_dir) / kInputs).string();
    if (!fs::exists(inputs_path)) throw std::runtime_error(inputs_path + ": no such file; is it a pretrain run?");
    // Before, a finished run was silently pre-trained again from step 0.
    run_layout::refuse_finished(o.resume_dir);
    const auto saved = read_json_file(inputs_path);
    try {
      o.corpus = saved.at("corpus").get<std::vector<std::string>>();
      o.model_config = saved.at("model_config").get<std::string>();
      o.init_discriminator = saved.at("init_discriminator").get<std::string>();
      o.tokenizer_dir = saved.at("tokenizer").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}: not a pretrain inputs record ({})", inputs_path, e.what()));
    }
    o.config_file = run_layout::path(o.resume_dir, run_layout::kConfig);
    o.output_dir = o.resume_dir;
    job.resuming = true;
  }
  if (o.output_dir.empty()) throw std::invalid_argument("pretrain needs --output-dir (or --resume RUN_DIR)");
  if (o.corpus.empty()) throw std::invalid_argument("pretrain needs at least one --corpus FILE");
  if (!o.model_config.empty() && !o.init_discriminator.empty())
    throw std::invalid_argument("give --model-config or --init-discriminator, not both");

  const std::string defaults = (fs::path(config_dir()) / "pretrain" / "default.yaml").string();
  job.values = resolve_config({fs::exists(defaults) ? defaults : "", "", "", o.config_file, o.set_assignments}, {});
  job.settings = typed_settings(job.values);
  job.pretrain = typed_pretrain_settings(job.values);
  if (job.settings.max_seq_len <= 0) throw std::invalid_argument("pretrain needs training.max_seq_len > 0");

  const std::string config_path = !o.init_discriminator.empty()
                                      ? (fs::path(o.init_discriminator) / "config.json").string()
                                  : !o.model_config.empty() ? o.model_config
                                                            : (fs::path(builtin_model_dir()) / "config.json").string();
  job.discriminator = load_config(config_path);
  // Replaced token detection is built for DeBERTa's modules only.
  if (!job.discriminator.is_deberta())
    throw std::invalid_argument(config_path +
                                ": model_type: pretrain builds DeBERTa-v2/v3 (replaced token detection); " +
                                json_quoted(job.discriminator.model_type) + " is fine-tuned only");
  apply_model_overrides(job.discriminator, job.settings);
  job.generator = generator_config(job.discriminator, job.pretrain.generator_layers);
  job.tokenizer_dir = !o.tokenizer_dir.empty()        ? o.tokenizer_dir
                      : !o.init_discriminator.empty() ? o.init_discriminator
                                                      : builtin_model_dir();
  job.inputs = o;
  job.device = resolve_device(o.device);
  job.precision = parse_precision(job.settings.precision);
  return job;
}

// checkpoint-last/: both models' weights under generator.* and
// discriminator.*, optimizer.pt and trainer_state.json.
class PretrainCheckpoints : public CheckpointWriter {
 public:
  // `events`: the run's TensorBoard log, whose size the state records as it
  // records metrics.jsonl's.
  PretrainCheckpoints(const Job& job, RtdModel& model, Optimization& optimization, std::string metrics_path,
                      bool writer, const RunEvents& events)
      : job_(job),
        model_(model),
        optimization_(optimization),
        metrics_path_(std::move(metrics_path)),
        dir_(run_layout::path(job.inputs.output_dir, run_layout::kLastCheckpoint)),
        writer_(writer),
        events_(events) {}

  void save_resume_state(TrainerState& state) override {
    if (!writer_) return;
    state.metrics_bytes = fs::file_size(metrics_path_);
    state.events_bytes = events_.bytes();
    write_checkpoint(dir_, job_.discriminator, model_tensors(*model_), job_.tokenizer_dir,
                     {{run_layout::kTrainerState, state_to_json(state).dump(2) + "\n"},
                      {run_layout::kOptimizerState, training_state_bytes(optimization_, job_.device)}});
  }

  TrainerState restore() {
    const std::string state_path = (fs::path(dir_) / run_layout::kTrainerState).string();
    TrainerState state = state_from_json(read_json_file(state_path), state_path);
    LoadOptions strict;
    strict.strict = true;
    strict.source = dir_;
    load_weights(*model_, read_checkpoint_weights(dir_).tensors, strict);
    restore_training_state(optimization_, job_.device, (fs::path(dir_) / run_layout::kOptimizerState).string());
    if (writer_) fs::resize_file(metrics_path_, state.metrics_bytes);
    return state;
  }

  void remove() {
    std::error_code ignored;
    if (writer_) fs::remove_all(dir_, ignored);
  }

 private:
  const Job& job_;
  RtdModel& model_;
  Optimization& optimization_;
  std::string metrics_path_, dir_;
  bool writer_;
  const RunEvents& events_;
};

// A fresh pair: HF's initialisation from the seed, E_delta zero; or the
// discriminator of --init-discriminator, whose (merged) word embeddings
// become the shared E.
void initialise(const Job& job, RtdModel& model, std::ostream& log) {
  torch::manual_seed(job.settings.seed);
  initialise_weights(*model, job.discriminator.initializer_range);
  torch::NoGradGuard no_grad;
  if (!job.inputs.init_discriminator.empty()) {
    const auto weights = read_checkpoint_weights(job.inputs.init_discriminator);
    LoadOptions lenient;
    lenient.source = job.inputs.init_discriminator;
    const auto report = load_weights(*model->discriminator, weights.tensors, lenient);
    for (const auto& line : report.describe()) log << "discriminator: " << line << '\n';
  }
  auto generator_words = model->generator->named_parameters()["deberta.embeddings.word_embeddings.weight"];
  auto discriminator_words = model->discriminator->named_parameters()["deberta.embeddings.word_embeddings.weight"];
  if (!job.inputs.init_discriminator.empty()) generator_words.copy_(discriminator_words);
  discriminator_words.zero_();  // E_delta
}

// The generator and the discriminator on one masked batch (moved to the
// device), under autocast at the run's precision: training and evaluation
// alike. rtd_losses computes the losses themselves in fp32.
RtdLosses rtd_forward(RtdModel& model, const Batch& masked, const Job& job) {
  const Batch batch = to_device(masked, job.device);
  const auto original = torch::where(batch.labels.ge(0), batch.labels, batch.inputs.input_ids);
  AutocastGuard autocast(job.device, job.precision);
  return rtd_losses(model, {batch.inputs, original, batch.labels}, job.pretrain.rtd_weight);
}

// The held-out sequences, masked with a fixed seed: MLM accuracy over the
// chosen tokens, RTD accuracy and AUC over the non-padding tokens, and both
// losses. Sampling draws from a generator seeded here and restored after,
// so an evaluation neither depends on nor disturbs the training stream.
nlohmann::ordered_json evaluate(RtdModel& model, const PackedCorpus& corpus, const MaskingOptions& masking,
                                const Job& job, int64_t held_out) {
  const int64_t first = corpus.sequences() - held_out;
  // The generators the sampling draws from: the CPU's, and the GPU's on CUDA.
  std::vector<std::pair<at::Generator, torch::Tensor>> saved;
  saved.emplace_back(at::detail::getDefaultCPUGenerator(), at::detail::getDefaultCPUGenerator().get_state());
  if (job.device.is_cuda()) {
    at::Generator device_generator = at::globalContext().defaultGenerator(job.device);
    saved.emplace_back(device_generator, device_generator.get_state());
  }
  torch::manual_seed(job.settings.seed + 1);
  model->eval();
  torch::NoGradGuard no_grad;
  double mlm_sum = 0, rtd_sum = 0, chosen = 0, correct = 0, tokens = 0, rtd_correct = 0;
  std::vector<double> scores;
  std::vector<bool> replaced;
  for (int64_t start = first; start < corpus.sequences(); start += job.settings.eval_batch_size) {
    std::vector<int64_t> rows;
    for (int64_t r = start; r < std::min(corpus.sequences(), start + job.settings.eval_batch_size); ++r)
      rows.push_back(r);
    const Batch batch = to_device(mask_rows(corpus, rows, masking, job.settings.seed + 1), job.device);
    const RtdLosses losses = rtd_forward(model, batch, job);  // the batch is already there
    const auto picked = batch.labels.ge(0);
    const double n_chosen = picked.sum().item<double>();
    const auto keep = batch.inputs.attention_mask.ne(0);
    const double n_tokens = keep.sum().item<double>();
    mlm_sum += losses.mlm.item<double>() * n_chosen;
    rtd_sum += losses.rtd.item<double>() * n_tokens;
    chosen += n_chosen;
    tokens += n_tokens;
    correct += (losses.mlm_logits.argmax(-1).eq(batch.labels) & picked).sum().item<double>();
    rtd_correct += (losses.rtd_logits.gt(0).eq(losses.replaced) & keep).sum().item<double>();
    const auto logits = losses.rtd_logits.masked_select(keep).to(torch::kCPU, torch::kFloat).contiguous();
    const auto labels = losses.replaced.masked_select(keep).to(torch::kCPU).contiguous();
    for (int64_t i = 0; i < logits.numel(); ++i) {
      scores.push_back(logits.data_ptr<float>()[i]);
      replaced.push_back(labels.data_ptr<bool>()[i]);
    }
  }
  for (auto& [generator, state] : saved) generator.set_state(state);
  model->train();
  nlohmann::ordered_json out;
  out["mlm_accuracy"] = chosen > 0 ? correct / chosen : 0.0;
  out["rtd_accuracy"] = tokens > 0 ? rtd_correct / tokens : 0.0;
  const auto auc = roc_auc(scores, replaced);
  out["rtd_auc"] = auc ? nlohmann::ordered_json(*auc) : nlohmann::ordered_json();
  out["mlm_loss"] = chosen > 0 ? mlm_sum / chosen : 0.0;
  out["rtd_loss"] = tokens > 0 ? rtd_sum / tokens : 0.0;
  return out;
}

void write_models(const Job& job, RtdModel& model) {
  DebertaConfig discriminator = job.discriminator;
  discriminator.source["architectures"] = {"DebertaV2Model"};
  write_checkpoint(run_layout::path(job.inputs.output_dir, kDiscriminatorDir), discriminator,
                   merged_discriminator_weights(model), job.tokenizer_dir);
  DebertaConfig generator = job.generator;
  generator.source["architectures"] = {"DebertaV2ForMaskedLM"};
  generator.source["legacy"] = false;  // HF's head layout lm_predictions.lm_head.*, the one written here
  write_checkpoint(run_layout::path(job.inputs.output_dir, kGeneratorDir), generator, generator_weights(model),
                   job.tokenizer_dir);
}

}  // namespace

std::string run_pretrain(const PretrainOptions& options, std::ostream& log) {
  const Job job = resolve_job(options);
  const std::string& run_dir = job.inputs.output_dir;
  const std::string metrics_path = run_layout::path(run_dir, run_layout::kMetrics);

  const DistributedEnv env = distributed_env();
  std::unique_ptr<ProcessGroup> group;
  if (env.active())
    group = std::make_unique<ProcessGroup>(env, job.settings.distributed_backend,
                                           std::chrono::seconds(job.settings.distributed_timeout_s), job.device);
  const int world = group ? group->size() : 1;
  const bool writer = !group || group->rank() == 0;
  std::ostream quiet(nullptr);
  std::ostream& out = writer ? log : quiet;

  const Tokenizer tokenizer = load_tokenizer(job.tokenizer_dir);
  if (tokenizer.vocab_size() > job.discriminator.vocab_size)
    throw std::runtime_error(fmt::format("the tokenizer of {} has {} ids, more than the model's vocab_size {}",
                                         job.tokenizer_dir, tokenizer.vocab_size(), job.discriminator.vocab_size));
  const auto& special = tokenizer.special_tokens();
  // Without the feature cache the packed corpus lives in the run directory,
  // where --resume finds it again.
  const std::string cache = feature_cache_dir();
  const std::string corpus_dir = cache.empty() ? run_dir : cache;
  // Every process packs (or maps what is already there): a barrier while
  // one process packs would outlast distributed.timeout_s on a large corpus.
  const PackedCorpus corpus =
      pack_corpus(job.inputs.corpus, tokenizer, job.tokenizer_dir, job.settings.max_seq_len, corpus_dir, out);
  const int64_t held_out = std::min(job.pretrain.eval_sequences, corpus.sequences() / 10);
  MaskingOptions masking;
  masking.mask_prob = job.pretrain.mask_prob;
  masking.whole_word = job.pretrain.whole_word_mask;
  masking.mask_id = special.mask.id;
  masking.pad_id = special.pad.id;
  masking.vocab_size = tokenizer.vocab_size();
  masking.special_ids = {special.pad.id, special.cls.id, special.sep.id, special.unk.id, special.mask.id};
  PretrainBatches batches(corpus, masking,
                          {static_cast<size_t>(job.settings.batch_size),
                           static_cast<size_t>(job.settings.gradient_accumulation_steps), held_out, job.settings.seed,
                           group ? group->rank() : 0, world, static_cast<size_t>(job.pretrain.shuffle_buffer)});
  const int64_t total_steps =
      job.settings.max_steps > 0 ? job.settings.max_steps : job.settings.epochs * batches.steps_per_epoch();

  bool from_state = false;
  if (job.resuming) {
    if (writer) recover_interrupted_write(run_layout::path(run_dir, run_layout::kLastCheckpoint));
    if (group) group->barrier();
    from_state = run_layout::has_resume_state(run_dir);
  }
  if (!from_state && writer) {
    fs::create_directories(run_dir);
    write_file_atomically(run_layout::path(run_dir, run_layout::kConfig),
                          "# deberta-bench pretrain, resolved settings (inputs: " + std::string(kInputs) + ")\n" +
                              config_to_yaml(job.values));
    write_file_atomically((fs::path(run_dir) / kInputs).string(), inputs_to_json(job.inputs).dump(2) + "\n");
    write_file_atomically(metrics_path, "");
  }
  // TensorBoard's view of the run, written by rank 0 alone.
  RunEvents events;
  if (!from_state && writer && job.settings.tensorboard) events.start(run_dir);

  RtdModel model(job.generator, job.discriminator);
  initialise(job, model, out);
  model->to(job.device);
  std::unique_ptr<DataParallel> data_parallel;
  if (group) {
    data_parallel = std::make_unique<DataParallel>(*group, *model);
    data_parallel->broadcast_parameters();
  }
  Optimization optimization = make_optimization(*model, job.settings, total_steps);
  PretrainCheckpoints checkpoints(job, model, optimization, metrics_path, writer, events);
  TrainerState state;
  state.world_size = world;
  if (from_state) {
    state = checkpoints.restore();
    require_same_world_size(state, world, run_dir);
    if (writer && job.settings.tensorboard)
      if (const auto warning = events.resume(run_dir, state.events_bytes)) out << "warning: " << *warning << '\n';
    out << fmt::format("resuming {} at step {}\n", run_dir, state.step);
  }
  out << fmt::format(
      "pretrain: discriminator {} layers x {}, generator {} layers; {} training / {} held-out sequences of {}; "
      "{} steps ({} per epoch), batch {} x {} process(es); device {}, precision {}\n",
      job.discriminator.num_hidden_layers, job.discriminator.hidden_size, job.generator.num_hidden_layers,
      corpus.sequences() - held_out, held_out, corpus.length(), total_steps, batches.steps_per_epoch(),
      job.settings.batch_size, world, device_description(job.device), job.settings.precision);

  // The last micro-batch's two losses, read at the logging steps only.
  torch::Tensor last_mlm, last_rtd;
  const Objective objective = [&](const Batch& batch) {
    const RtdLosses losses = rtd_forward(model, batch, job);
    last_mlm = losses.mlm.detach();
    last_rtd = losses.rtd.detach();
    return losses.total;
  };
  TrainerHooks hooks;
  if (data_parallel) data_parallel->install(hooks, job.settings.seed);
  hooks.on_step = [&](const TrainerState& s, const StepInput&, const StepResult& result, int64_t epoch) {
    if (!result.finite || !(s.step % job.settings.logging_steps == 0 || s.step == total_steps)) return;
    nlohmann::ordered_json line = {{"step", s.step},
                                   {"epoch", epoch},
                                   {"loss", result.loss},
                                   {"mlm_loss", last_mlm.item<double>()},
                                   {"rtd_loss", last_rtd.item<double>()},
                                   {"lr", result.lr},
                                   {"grad_norm", result.grad_norm_before_clip}};
    if (optimization.scaler.enabled()) line["loss_scale"] = result.loss_scale;
    if (writer) append_line(metrics_path, line.dump());
    // Throughput varies from run to run: in the events only, as in finetune.
    events.log(line,
               {{"train/examples_per_second", static_cast<float>(s.examples_seen / std::max(s.train_seconds, 1e-9))}});
    out << fmt::format("step {}/{}: loss {:.4f} (mlm {:.4f}, rtd {:.4f}), lr {:.3g}\n", s.step, total_steps,
                       result.loss, line["mlm_loss"].get<double>(), line["rtd_loss"].get<double>(), result.lr);
  };
  nlohmann::ordered_json last_eval;
  hooks.evaluate = [&](TrainerState& s, int64_t epoch) {
    last_eval = evaluate(model, corpus, masking, job, held_out);
    const nlohmann::ordered_json line = {{"step", s.step}, {"epoch", epoch}, {"dev", last_eval}};
    if (writer) append_line(metrics_path, line.dump());
    events.log(line);
    out << "eval: " << last_eval.dump() << '\n';
  };
  hooks.checkpoints = &checkpoints;
  const auto start = std::chrono::steady_clock::now();
  const FitOutcome outcome = fit(*model, objective, optimization, batches,
                                 {total_steps, job.settings.eval_every_steps, options.stop_after_steps}, hooks, state);
  if (outcome == FitOutcome::kInterrupted) {
    out << fmt::format("stopped after step {} as asked; continue with: deberta-bench pretrain --resume {}\n",
                       state.step, run_dir);
    return run_dir;
  }
  if (writer) {
    write_models(job, model);
    nlohmann::ordered_json results = {
        {"command", "pretrain"},
        {"headline_metric", "rtd_auc"},
        {"steps", state.step},
        {"train_seconds", state.train_seconds},
        {"wall_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()},
        {"sequences", corpus.sequences() - held_out},
        {"held_out_sequences", held_out},
        {"max_seq_len", corpus.length()},
        {"seed", job.settings.seed},
        {"world_size", world},
        {"threads", options.threads},
        {"device", device_description(job.device)},
        {"precision", job.settings.precision},
        {"dev", last_eval},
        {"torch", torch_version()}};
    write_file_atomically(run_layout::path(run_dir, run_layout::kResults), results.dump(2) + "\n");
    plot_run(run_dir, "");
  }
  checkpoints.remove();
  out << fmt::format("pretrained {} steps; discriminator (for finetune --model): {}/{}\n", state.step, run_dir,
                     kDiscriminatorDir);
  return run_dir;
}

}  // namespace deberta
