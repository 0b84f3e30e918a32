#include "commands/report_commands.h"

#include <filesystem>
#include <stdexcept>

#include "eval/check.h"
#include "eval/model_card.h"
#include "eval/plot.h"
#include "eval/run_results.h"
#include "eval/table.h"
#include "util/atomic_file.h"
#include "util/resources.h"

namespace deberta {
namespace fs = std::filesystem;

void run_table(const TableOptions& options, std::ostream& out) {
  const TableFormat format = parse_table_format(options.format);
  std::optional<ReferenceTable> reference;
  if (options.reference != "none")
    reference = load_reference(options.reference.empty() ? default_reference_path() : options.reference);
  out << render_table(find_run_results(options.results_dirs), reference, format);
}

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  ToleranceFlags flags{options.tolerance, parse_per_task_tolerances(options.per_task)};
  if (flags.tolerance && *flags.tolerance < 0.0) throw std::runtime_error("--tolerance must be at least 0");
  const auto runs = find_run_results({options.results_dir});

  if (options.update) {
    std::optional<Baseline> old;
    if (fs::exists(options.baseline)) {
      try {
        old = parse_baseline(options.baseline, read_file(options.baseline));
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string(e.what()) + " (--update diffs against it; fix or delete it first)");
      }
    }
    std::map<std::string, double> per_task = old ? old->per_task_tolerance : std::map<std::string, double>{};
    for (const auto& [task, value] : flags.per_task) per_task[task] = value;
    const double tolerance = flags.tolerance ? *flags.tolerance : old ? old->tolerance : kDefaultTolerance;
    const Baseline updated = baseline_from_runs(runs, tolerance, per_task);
    const fs::path parent = fs::path(options.baseline).parent_path();
    if (!parent.empty()) fs::create_directories(parent);
    write_file_atomically(options.baseline, baseline_json(updated));
    out << (old ? "updated " : "created ") << options.baseline << " from " << updated.runs.size() << " run(s) under "
        << options.results_dir << ":\n"
        << describe_baseline_change(old, updated);
    return 0;
  }

  const Baseline baseline = parse_baseline(options.baseline, read_file(options.baseline));
  const CheckReport report = check_runs(baseline, runs, flags);
  out << report.text;
  for (const auto& failure : report.failures) err << "check: " << failure << "\n";
  return report.failures.empty() ? 0 : 1;
}

void run_plot(const std::string& run_dir, const std::string& output, std::ostream& log) {
  log << "wrote " << plot_run(run_dir, output) << "\n";
}

}  // namespace deberta
