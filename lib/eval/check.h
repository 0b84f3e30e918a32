// The regression gate: a baseline of run metrics (results/baselines/*.json),
// compared with fresh runs, and rewritten from them on purpose.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/run_results.h"

namespace deberta {

// Two points of accuracy (or of Spearman): a tiny model trained for a few
// steps on the samples lands on a few borderline predictions that move with
// the BLAS and the CPU, so an exact match would fail on machines that are not
// wrong; a real regression moves more than that.
constexpr double kDefaultTolerance = 0.02;

struct BaselineRun {
  std::string task, model_name, protocol, selection_rule, headline_metric;
  int64_t seed = 0;
  std::map<std::string, double> test, dev;
};

// The file format: see the README section "Tables, regression checks and plots".
struct Baseline {
  double tolerance = kDefaultTolerance;
  std::map<std::string, double> per_task_tolerance;
  std::vector<BaselineRun> runs;
};

// Throws std::runtime_error "PATH: FIELD ..." on a malformed baseline.
Baseline parse_baseline(const std::string& path, const std::string& text);
std::string baseline_json(const Baseline& baseline);

// A baseline holding `runs`, sorted, with the given tolerances. Throws
// std::runtime_error when two runs share task, model, protocol, selection rule and seed.
Baseline baseline_from_runs(const std::vector<RunResult>& runs, double tolerance,
                            const std::map<std::string, double>& per_task_tolerance);

// "task=X" flags, e.g. korsts=0.05; throws std::runtime_error naming a malformed one.
std::map<std::string, double> parse_per_task_tolerances(const std::vector<std::string>& flags);

// Tolerances from the command line; they win over the baseline file's.
struct ToleranceFlags {
  std::optional<double> tolerance;
  std::map<std::string, double> per_task;
};

struct CheckReport {
  std::string text;                   // the table of baseline, now and delta per metric
  std::vector<std::string> failures;  // one line per regression, missing run or missing metric
};

// Compares every metric (test and dev) of every baseline run with the run of
// the same task, model, protocol, selection rule and seed among `runs`. A
// metric fails when it falls below baseline - tolerance; improvements pass.
CheckReport check_runs(const Baseline& baseline, const std::vector<RunResult>& runs, const ToleranceFlags& flags);

// What --update changes: tolerances, added and removed runs, and old → new per metric.
std::string describe_baseline_change(const std::optional<Baseline>& old_baseline, const Baseline& new_baseline);

}  // namespace deberta
