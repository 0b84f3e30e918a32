// `deberta-bench finetune`: train on a task, select a checkpoint on dev,
// evaluate it on test, and write the run directory.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "train/train_config.h"

namespace deberta {

struct FinetuneOptions {
  std::string task;       // a built-in task name, or a task YAML file
  std::string model_dir;  // empty: the built-in tiny model, initialised from scratch
  std::string recipe;     // a recipe of configs/tasks/<task>.yaml
  std::string config_file;
  std::vector<std::string> set_assignments;
  std::string data_dir;    // empty: $DEBERTA_BENCH_DATA, else the shipped samples
  std::string output_dir;  // empty: runs/<task>-<model>-seed<seed>
  std::optional<uint64_t> seed;
  int threads = 1;
};

// Writes config.yaml, metrics.jsonl, results.json, checkpoint-best/ and
// predictions-test.tsv into the run directory, every file atomically, and
// returns its path. Progress goes to `log`. Throws std::runtime_error on bad
// input and when the loss becomes NaN or infinite (the best checkpoint so far
// is kept).
std::string run_finetune(const FinetuneOptions& options, std::ostream& log);

}  // namespace deberta
