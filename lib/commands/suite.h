// `deberta-bench suite`: models x tasks x seeds from a suite file, one run
// directory each, then the table. Finished runs are skipped and interrupted
// ones resumed, so a suite can be stopped and started again at will.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "commands/finetune.h"

namespace deberta {

struct SuiteModel {
  std::string name;  // the row of the table
  std::string path;  // a model directory, a Hub model id (OWNER/NAME[@REVISION]), or "builtin" for the built-in model
  std::map<std::string, std::string> settings;  // --set for this model's runs, after the suite's
  std::string recipe;                           // empty: the suite's recipe
};

// A suite file (configs/suites/<name>.yaml), checked when read.
struct Suite {
  std::string name;  // the file's stem
  std::string description;
  std::vector<SuiteModel> models;
  std::vector<std::string> tasks;
  std::vector<uint64_t> seeds;
  std::string recipe;                                                       // empty: the task defaults
  std::string data_dir;                                                     // empty: finetune's default
  int threads = 0;                                                          // > 0 fixes the thread count (determinism)
  std::map<std::string, std::string> settings;                              // --set for every run
  std::map<std::string, std::map<std::string, std::string>> task_settings;  // and per task, after them
};

// Throws std::runtime_error naming the file and the field on a bad suite.
Suite read_suite(const std::string& path);

struct SuiteOptions {
  std::string suite_file;
  std::string output_dir;  // empty: results/<suite name>
  bool dry_run = false;
  int threads = 1;  // unless the suite fixes it
  std::string device = "auto";
  bool live_progress = false;
};

// The finetune jobs a suite plans and runs: apps/ passes plan_finetune and
// run_finetune. They come in as functions because suite is torch-free and
// builds in the core library, which does not link the trainer.
struct FinetuneJobs {
  std::function<FinetunePlan(const FinetuneOptions&)> plan;
  std::function<std::string(const FinetuneOptions&, std::ostream& log)> run;
};

// Runs (or with dry_run, plans) every run; returns the output directory.
std::string run_suite(const SuiteOptions& options, const FinetuneJobs& jobs, std::ostream& out, std::ostream& log);

}  // namespace deberta
