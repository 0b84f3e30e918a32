// `deberta-bench finetune`: train on a task, select a checkpoint on dev,
// evaluate it on test, and write the run directory.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "train/train_config.h"

namespace deberta {

struct FinetuneOptions {
  std::string task;        // a built-in task name, or a task YAML file; empty: run.task of --config
  std::string model_dir;   // a directory or OWNER/NAME[@REVISION]; empty: the built-in tiny model
  std::string model_name;  // the table's row label; empty: the model directory's name
  std::string recipe;      // a recipe of configs/tasks/<task>.yaml
  std::string config_file;
  std::vector<std::string> set_assignments;
  std::string data_dir;    // empty: $DEBERTA_BENCH_DATA, else the shipped samples
  std::string output_dir;  // empty: runs/<task>-<model>-seed<seed>
  std::optional<uint64_t> seed;
  int threads = 1;              // the intra-op threads the run uses (and records)
  std::string device = "auto";  // --device: auto, cpu, cuda or cuda:N
  // A run directory to continue from its checkpoint-last/; everything else
  // comes from its config.yaml.
  std::string resume_dir;
  // > 0: save the resume state after this many steps and stop, as if the job
  // had been interrupted (a job slot that ends, or the resume test).
  int64_t stop_after_steps = 0;
  bool live_progress = false;  // a progress bar instead of log lines
};

// Writes config.yaml, metrics.jsonl, results.json, checkpoint-best/ and
// predictions-test.tsv into the run directory, every file atomically, and
// returns its path. While it trains, checkpoint-last/ holds what --resume
// needs (weights, optimizer, RNG and data position); it is removed when the
// run finishes. Progress goes to `log`. Throws std::runtime_error on bad input
// and when the loss becomes NaN or infinite (the best checkpoint so far is
// kept).
std::string run_finetune(const FinetuneOptions& options, std::ostream& log);

// What a finetune would do, worked out without training: for `suite --dry-run`.
struct FinetunePlan {
  std::string task;
  std::string model_name;
  std::string run_dir;
  std::string protocol;  // standard, or offline
  int64_t train_examples = 0;
  int64_t steps_per_epoch = 0;
  int64_t total_steps = 0;
};

// Resolves the configuration and reads the data files (no tokenizing, no
// model). Throws as run_finetune would on bad settings or missing files.
FinetunePlan plan_finetune(const FinetuneOptions& options);

// The mean and sample standard deviation of the test headline over seeds.
struct SeedSummary {
  std::string metric;
  std::vector<double> values;  // one per seed, in the order run
  double mean = 0;
  double std = 0;  // sample (n - 1); 0 for one seed
};

// Runs one finetune per seed into <output_dir>/seed<k> (output_dir defaults
// to runs/<task>-<model>) and writes <output_dir>/summary.json.
SeedSummary run_finetune_seeds(const FinetuneOptions& options, const std::vector<uint64_t>& seeds, std::ostream& log);

// "1,2,3" as seeds; throws std::invalid_argument naming the bad item.
std::vector<uint64_t> parse_seed_list(const std::string& text);

}  // namespace deberta
