// The commands that report on finished runs: table, check and plot.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace deberta {

struct TableOptions {
  std::vector<std::string> results_dirs;
  std::string reference;  // a file; empty: the shipped model-card.yaml; "none": no reference rows
  std::string format = "markdown";
};

// Prints the model-card table of every run under the directories.
void run_table(const TableOptions& options, std::ostream& out);

struct CheckOptions {
  std::string results_dir;
  std::string baseline;
  std::optional<double> tolerance;
  std::vector<std::string> per_task;  // TASK=TOLERANCE
  bool update = false;
};

// Prints baseline, now and delta per metric; returns 1 on a regression or a
// missing run (naming each on `err`), 0 otherwise. With `update`, rewrites the
// baseline from the runs, prints what changed and returns 0.
int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err);

// Writes RUN_DIR's learning curves as SVG (default RUN_DIR/learning-curves.svg) and says where.
void run_plot(const std::string& run_dir, const std::string& output, std::ostream& log);

}  // namespace deberta
