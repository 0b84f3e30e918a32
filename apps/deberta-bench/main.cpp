// deberta-bench: the command-line front end. It parses flags and calls lib/.
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "commands/bench.h"
#include "commands/checkpoint_commands.h"
#include "commands/finetune.h"
#include "commands/model_commands.h"
#include "commands/pretrain.h"
#include "commands/replay.h"
#include "commands/report_commands.h"
#include "commands/suite.h"
#include "eval/check.h"
#include "runtime/runtime.h"
#include "tasks/inspect.h"
#include "tasks/registry.h"
#include "tokenizer/train_tokenizer.h"
#include "train/progress.h"
#include "util/environment.h"

namespace {

std::string version_string() {
  return std::string("deberta-bench ") + DEBERTA_BENCH_VERSION + " (sentencepiece " + DEBERTA_BENCH_SPM_VERSION + ", " +
         deberta::describe_torch() + ")";
}

constexpr const char* kModelHelp =
    "A Hugging Face model directory, or a model id OWNER/NAME[@REVISION] found in the Hugging Face cache or "
    "downloaded from the Hub";

struct Options {
  // Shared by several subcommands.
  std::string model, task, config, recipe, data_dir, output_dir, input, output, results, baseline, suite, reference,
      format = "markdown", split = "test", record;
  std::vector<std::string> set_values, results_dirs, per_task;
  std::string text, pair, inputs, seeds, resume;
  int64_t stop_after_steps = 0;
  int max_length = 512, seed = 42, vocab_size = 8000;
  double tolerance = 0.0;
  bool dry_run = false, update = false, strict = false;
};

}  // namespace

int main(int argc, char** argv) {
  deberta::configure_allocator();
  CLI::App app{"deberta-bench: fine-tune and benchmark Korean DeBERTa-v3 models on LibTorch."};
  app.require_subcommand(1);
  // Global options may also come after the subcommand: it passes what it
  // does not know up to the app.
  app.fallthrough();
  app.set_version_flag("--version", version_string());
  int threads = deberta::default_threads();
  app.add_option("--threads", threads,
                 "Threads for libtorch's intra-op and inter-op pools (default: the cores this process may use, "
                 "shared among a torchrun job's processes on this machine)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  std::string device = "auto";
  app.add_option("--device", device,
                 "auto (cuda:$LOCAL_RANK or cuda:0 when CUDA is available, else cpu), cpu, cuda or cuda:N")
      ->check(CLI::Validator(
          [](std::string& value) {
            static const std::regex form("auto|cpu|cuda(:[0-9]+)?");
            return std::regex_match(value, form) ? std::string() : "expected auto, cpu, cuda or cuda:N";
          },
          "DEVICE"))
      ->capture_default_str();
  std::string precision = "fp32";
  const auto add_precision = [&precision](CLI::App* sub) {
    sub->add_option("--precision", precision, "fp32, bf16 or fp16: autocast over the fp32 weights")
        ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
        ->capture_default_str();
  };

  Options o;
  std::function<int()> run;
  auto command = [&](const char* name, const char* help, std::function<int()> body) {
    CLI::App* sub = app.add_subcommand(name, help);
    sub->callback([&run, body] { run = body; });
    return sub;
  };

  command("tasks", "List the task plugins: splits, files, labels, head, headline metric", [] {
    std::cout << deberta::describe_tasks(deberta::builtin_tasks());
    return 0;
  });

  auto* info = command("info", "Summarise a model directory: config, parameters, tokenizer", [&o, &device] {
    deberta::print_model_info(o.model, device, std::cout, std::cerr);
    return 0;
  });
  info->add_option("--model", o.model, kModelHelp)->required();

  // Whether --text and --pair were given: an empty text is valid input.
  CLI::Option* text = nullptr;
  CLI::Option* pair = nullptr;
  auto* tokenize =
      command("tokenize", "Tokenize text as the model's tokenizer does; one JSON object per line", [&o, &text, &pair] {
        deberta::TokenizeOptions options;
        options.model = o.model;
        options.max_length = o.max_length;
        if (text->count() > 0) options.text = o.text;
        if (pair->count() > 0) options.pair = o.pair;
        if (!o.input.empty()) options.input_jsonl = o.input;
        deberta::run_tokenize(options, std::cout, std::cerr);
        return 0;
      });
  tokenize->add_option("--model", o.model, kModelHelp)->required();
  tokenize->add_option("--max-length", o.max_length, "Truncate to this many tokens (longest_first)");
  text = tokenize->add_option("--text", o.text, "First text");
  pair = tokenize->add_option("--pair", o.pair, "Second text of a pair")->needs(text);
  auto* input = tokenize->add_option("--input", o.input, "JSONL file of {\"text\":…, \"pair\":…} objects");
  text->excludes(input);
  tokenize->require_option(1, 3);

  auto* forward =
      command("forward", "Run the model on encoded inputs and write its outputs as JSON", [&o, &device, &precision] {
        deberta::run_forward({o.model, o.inputs, o.output, o.strict, device, precision}, std::cerr);
        return 0;
      });
  add_precision(forward);
  forward->add_option("--model", o.model, kModelHelp)->required();
  forward->add_option("--inputs", o.inputs, "JSON with input_ids, attention_mask, token_type_ids")->required();
  forward->add_option("--output", o.output, "Where to write the outputs")->required();
  forward->add_flag("--strict", o.strict, "Fail when a head is missing instead of initialising it");

  CLI::Option* seed = nullptr;
  auto* finetune =
      command("finetune", "Fine-tune on a task, select on dev, evaluate on test", [&o, &seed, &threads, &device] {
        deberta::FinetuneOptions options;
        options.task = o.task;
        options.model_dir = o.model;
        options.recipe = o.recipe;
        options.config_file = o.config;
        options.set_assignments = o.set_values;
        options.data_dir = o.data_dir;
        options.output_dir = o.output_dir;
        if (seed->count() > 0) options.seed = static_cast<uint64_t>(o.seed);
        options.threads = threads;
        options.device = device;
        options.resume_dir = o.resume;
        options.stop_after_steps = o.stop_after_steps;
        options.live_progress = deberta::wants_live_progress(STDERR_FILENO);
        if (!o.seeds.empty()) {
          deberta::run_finetune_seeds(options, deberta::parse_seed_list(o.seeds), std::cerr);
        } else {
          deberta::run_finetune(options, std::cerr);
        }
        return 0;
      });
  finetune->add_option("--task", o.task, "Task name (see `deberta-bench tasks`); default: run.task of --config");
  finetune->add_option("--model", o.model, std::string(kModelHelp) + " (default: the built-in tiny model)");
  finetune->add_option("--config", o.config, "YAML configuration file, e.g. a run's config.yaml");
  finetune->add_option(
      "--recipe", o.recipe,
      "Named recipe of the task config: deberta, koelectra, kcbert, or a baseline's own (koelectra-small-v3, "
      "koelectra-base-v3, kcbert-base, kcbert-large, kobert, distilkobert, xlm-roberta)");
  finetune->add_option("--set", o.set_values, "Override a setting: key=value (dotted keys)");
  finetune->add_option("--data-dir", o.data_dir, "Data directory (default: $DEBERTA_BENCH_DATA, else data/samples)");
  finetune->add_option("--output-dir", o.output_dir, "Run directory (with --seeds: the parent of seed<k>/)");
  seed =
      finetune->add_option("--seed", o.seed, "Random seed (default: training.seed, 42)")->check(CLI::NonNegativeNumber);
  finetune->add_option("--seeds", o.seeds, "Several seeds, e.g. 1,2,3: one run each, then mean and std");
  finetune->add_option("--resume", o.resume, "Continue an interrupted run from RUN_DIR/checkpoint-last");
  finetune
      ->add_option("--stop-after-steps", o.stop_after_steps,
                   "Save the resume state after N steps and stop (to split a run across job slots)")
      ->check(CLI::PositiveNumber);

  deberta::PretrainOptions pretrain_options;
  auto* pretrain =
      command("pretrain", "Pre-train a DeBERTa-v3 discriminator with replaced-token detection and GDES on a corpus",
              [&pretrain_options, &threads, &device] {
                pretrain_options.threads = threads;
                pretrain_options.device = device;
                deberta::run_pretrain(pretrain_options, std::cerr);
                return 0;
              });
  pretrain->add_option("--corpus", pretrain_options.corpus, "Text file(s), one document or sentence per line");
  pretrain->add_option("--model-config", pretrain_options.model_config,
                       "config.json of the discriminator to train from scratch (default: the built-in tiny model's)");
  pretrain->add_option("--init-discriminator", pretrain_options.init_discriminator,
                       "Continue from this HF DeBERTa-v2 directory (its weights; its word embeddings become E)");
  pretrain->add_option("--tokenizer", pretrain_options.tokenizer_dir,
                       "Directory with spm.model or tokenizer.json (default: --init-discriminator's, else the "
                       "built-in model's)");
  pretrain->add_option("--config", pretrain_options.config_file, "YAML settings layer (training.*, pretrain.*, ...)");
  pretrain->add_option("--set", pretrain_options.set_assignments, "Override a setting: key=value (dotted keys)");
  pretrain->add_option("--output-dir", pretrain_options.output_dir, "Run directory");
  pretrain->add_option("--resume", pretrain_options.resume_dir,
                       "Continue an interrupted run from RUN_DIR/checkpoint-last");
  pretrain
      ->add_option("--stop-after-steps", pretrain_options.stop_after_steps,
                   "Save the resume state after N steps and stop")
      ->check(CLI::PositiveNumber);

  int64_t max_seq_len = 0;
  const char* max_seq_len_help = "Tokens per example (default: the run's training.max_seq_len, else the task's)";
  auto* evaluate = command("evaluate", "Score a checkpoint on a split", [&o, &max_seq_len, &device, &precision] {
    deberta::run_evaluate({o.task, o.model, o.split, o.data_dir, o.output, max_seq_len, device, precision}, std::cout);
    return 0;
  });
  add_precision(evaluate);
  evaluate->add_option("--task", o.task, "Task name")->required();
  evaluate->add_option("--model", o.model, "Checkpoint directory, e.g. RUN/checkpoint-best")->required();
  evaluate->add_option("--split", o.split, "dev or test")->check(CLI::IsMember({"dev", "test"}))->capture_default_str();
  evaluate->add_option("--data-dir", o.data_dir,
                       "Data directory (default: the run's, else $DEBERTA_BENCH_DATA, else data/samples)");
  evaluate->add_option("--output", o.output, "Also write the metrics JSON to this file");
  evaluate->add_option("--max-seq-len", max_seq_len, max_seq_len_help)->check(CLI::PositiveNumber);

  auto* predict = command("predict", "Label or score new texts", [&o, &max_seq_len, &device, &precision] {
    deberta::run_predict({o.task, o.model, o.input, o.output, max_seq_len, device, precision}, std::cout, std::cerr);
    return 0;
  });
  add_precision(predict);
  predict->add_option("--model", o.model, "Checkpoint directory, e.g. RUN/checkpoint-best")->required();
  predict->add_option("--task", o.task, "Task name")->required();
  predict->add_option("--input", o.input, "TSV with a header: text, or text_a and text_b; other columns are copied")
      ->required();
  predict->add_option("--output", o.output, "Where to write predictions (default: standard output)");
  predict->add_option("--max-seq-len", max_seq_len, max_seq_len_help)->check(CLI::PositiveNumber);

  auto* suite = command("suite", "Run models x tasks x seeds, then write the table", [&o, &threads, &device] {
    deberta::SuiteOptions options;
    options.device = device;
    options.suite_file = o.suite;
    options.output_dir = o.output_dir;
    options.dry_run = o.dry_run;
    options.threads = threads;
    options.live_progress = deberta::wants_live_progress(STDERR_FILENO);
    deberta::run_suite(options, {deberta::plan_finetune, deberta::run_finetune}, std::cout, std::cerr);
    return 0;
  });
  suite->add_option("--suite", o.suite, "Suite file, e.g. configs/suites/ci.yaml")->required();
  suite->add_option("--output-dir", o.output_dir, "Where the runs go (default: results/<suite>/)");
  suite->add_flag("--dry-run", o.dry_run, "Print the plan and step estimates only");

  auto* table = command("table", "Print the model-card table: the card's published rows, then ours", [&o] {
    deberta::run_table({o.results_dirs, o.reference, o.format}, std::cout);
    return 0;
  });
  table->add_option("--results", o.results_dirs, "Directories searched (recursively) for runs' results.json")
      ->required();
  table->add_option("--reference", o.reference,
                    "Reference rows: a YAML file, or 'none' to leave them out (default: the shipped "
                    "results/reference/model-card.yaml)");
  table->add_option("--format", o.format, "Output format")
      ->check(CLI::IsMember({"markdown", "csv", "json"}))
      ->capture_default_str();

  CLI::Option* tolerance = nullptr;
  auto* check = command("check", "Compare results with a baseline; exit 1 on a regression", [&o, &tolerance] {
    deberta::CheckOptions options{o.results, o.baseline, std::nullopt, o.per_task, o.update};
    if (tolerance->count() > 0) options.tolerance = o.tolerance;
    return deberta::run_check(options, std::cout, std::cerr);
  });
  check->add_option("--results", o.results, "Directory searched (recursively) for runs' results.json")->required();
  check->add_option("--baseline", o.baseline, "Baseline JSON file, e.g. results/baselines/ci.json")->required();
  tolerance = check
                  ->add_option("--tolerance", o.tolerance,
                               fmt::format("Allowed absolute drop of any metric (default: the baseline's "
                                           "\"tolerance\", {} in a new one)",
                                           deberta::kDefaultTolerance))
                  ->check(CLI::NonNegativeNumber);
  check->add_option("--per-task", o.per_task, "Allowed drop for one task: TASK=X, e.g. korsts=0.05 (repeatable)");
  check->add_flag("--update", o.update, "Rewrite the baseline from the results and print what changed");

  std::vector<std::string> inspect_options;
  std::string texts_split;
  auto* inspect = command("inspect-data", "Validate a task's data files and print their counts as JSON", [&] {
    if (!texts_split.empty()) {
      deberta::print_split_texts(o.task, o.data_dir, inspect_options, texts_split, std::cout);
      return 0;
    }
    return deberta::run_inspect_data(o.task, o.data_dir, inspect_options, std::cout, std::cerr);
  });
  inspect->add_option("--task", o.task, "Task name, or a task YAML file (path ending in .yaml)")->required();
  inspect->add_option("--data-dir", o.data_dir, "Data directory (default: $DEBERTA_BENCH_DATA or data/)");
  inspect->add_option("--option", inspect_options, "Task data option KEY=VALUE, e.g. drop_ns=true (repeatable)");
  inspect->add_option("--texts", texts_split,
                      "Print SPLIT's texts one per line instead (train: the rows finetune trains on, without its "
                      "dev slice)");

  auto* replay = command("replay", "Replay a recorded training run through the trainer", [&o, &device] {
    deberta::replay_training_record(o.model, o.record, device, std::cout);
    return 0;
  });
  replay->add_option("--model", o.model, "Hugging Face model directory")->required();
  replay->add_option("--record", o.record, "Training record, e.g. train_golden.json")->required();

  deberta::BenchOptions bench_options;
  bool no_group_by_length = false;
  auto* bench = command("bench", "Measure forward, training-step or epoch throughput",
                        [&bench_options, &no_group_by_length, &threads, &device, &precision] {
                          bench_options.threads = threads;
                          bench_options.device = device;
                          bench_options.precision = precision;
                          bench_options.group_by_length = !no_group_by_length;
                          deberta::run_bench(bench_options, std::cout);
                          return 0;
                        });
  bench->add_option("--mode", bench_options.mode, "forward, train (a full training step) or epoch (--task's data)")
      ->check(CLI::IsMember({"forward", "train", "epoch"}))
      ->capture_default_str();
  bench
      ->add_option("--preset", bench_options.preset,
                   "Model shape preset: xsmall, small, base, xlarge (DeBERTa-v3), kcbert-base, koelectra-base-v3")
      ->capture_default_str();
  bench->add_option("--batch", bench_options.batch, "Batch size")->capture_default_str();
  bench->add_option("--seq-len", bench_options.seq_len, "Sequence length (forward and train)")->capture_default_str();
  bench->add_option("--warmup", bench_options.warmup, "Untimed iterations first (forward and train)")
      ->capture_default_str();
  bench->add_option("--iters", bench_options.iterations, "Timed iterations; the median is reported (forward and train)")
      ->capture_default_str();
  bench->add_option("--task", bench_options.task, "Task whose training split --mode epoch runs, e.g. nsmc");
  bench->add_option("--data-dir", bench_options.data_dir,
                    "Data directory for --mode epoch (default: $DEBERTA_BENCH_DATA, else data/samples)");
  bench->add_option("--max-examples", bench_options.max_examples, "Training examples --mode epoch runs; 0: all")
      ->capture_default_str();
  bench->add_flag("--no-group-by-length", no_group_by_length,
                  "--mode epoch: shuffle without grouping by length, to see what grouping saves");
  bench->add_flag("--json", bench_options.json, "Print one JSON object");
  bench->add_flag("--breakdown", bench_options.breakdown,
                  "--mode train: the median time of each phase of a step (forward, backward, clip, optimizer, zero) "
                  "and the ATen operators it dispatched");
  add_precision(bench);

  auto* train_tok = command("train-tokenizer", "Train a SentencePiece unigram tokenizer", [&o] {
    deberta::train_tokenizer({o.input, o.output_dir, o.vocab_size});
    std::cerr << "wrote " << o.output_dir << "/spm.model\n";
    return 0;
  });
  train_tok->add_option("--input", o.input, "Text file, one sentence per line")->required();
  train_tok->add_option("--output-dir", o.output_dir, "Where spm.model goes")->required();
  train_tok->add_option("--vocab-size", o.vocab_size, "Vocabulary size");

  auto* plot = command("plot", "Draw a run's learning curves (loss, dev metric, learning rate) as SVG", [&o] {
    deberta::run_plot(o.output_dir, o.output, std::cerr);
    return 0;
  });
  plot->add_option("run_dir", o.output_dir, "Run directory (holds metrics.jsonl)")->required();
  plot->add_option("--output", o.output, "SVG file (default: RUN_DIR/learning-curves.svg)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    deberta::configure_threads(threads);
    return run();
  } catch (const std::exception& e) {
    // libtorch's errors carry a multi-line trace; the first line says what went wrong.
    const std::string message = e.what();
    std::cerr << "deberta-bench: error: " << message.substr(0, message.find('\n')) << '\n';
    return 1;
  }
}
