#include "eval/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <tuple>

#include "util/json_file.h"

namespace deberta {

namespace {

constexpr int kBaselineVersion = 1;
constexpr const char* kBaselineFormat = "deberta-bench baseline";

using RunKey = std::tuple<std::string, std::string, std::string, std::string, int64_t>;

RunKey key_of(const BaselineRun& run) { return {run.task, run.model_name, run.protocol, run.selection_rule, run.seed}; }
RunKey key_of(const RunResult& run) { return {run.task, run.model_name, run.protocol, run.selection_rule, run.seed}; }

std::string describe(const RunKey& key) {
  return describe_run(std::get<0>(key), std::get<1>(key), std::get<4>(key), std::get<2>(key), std::get<3>(key));
}

std::string require_string(const std::string& path, const nlohmann::json& object, const std::string& key,
                           const std::string& where) {
  const auto& value = require_json_field(path, object, key, where);
  if (!value.is_string() || value.get<std::string>().empty())
    throw json_field_error(path, where + key, "must be a non-empty string");
  return value.get<std::string>();
}

double tolerance_value(const std::string& path, const nlohmann::json& value, const std::string& field) {
  if (!value.is_number() || value.get<double>() < 0.0 || !std::isfinite(value.get<double>()))
    throw json_field_error(path, field, "must be a number of at least 0");
  return value.get<double>();
}

std::map<std::string, double> metrics_of(const std::string& path, const nlohmann::json& object,
                                         const std::string& field) {
  if (!object.is_object()) throw json_field_error(path, field, "must be an object of metric values");
  return number_members(path, object, field);
}

double tolerance_for(const Baseline& baseline, const ToleranceFlags& flags, const std::string& task) {
  if (const auto it = flags.per_task.find(task); it != flags.per_task.end()) return it->second;
  if (flags.tolerance) return *flags.tolerance;
  if (const auto it = baseline.per_task_tolerance.find(task); it != baseline.per_task_tolerance.end())
    return it->second;
  return baseline.tolerance;
}

// Headline first, then the others by name.
std::vector<std::string> metric_order(const std::map<std::string, double>& metrics, const std::string& headline) {
  std::vector<std::string> names;
  if (metrics.count(headline)) names.push_back(headline);
  for (const auto& [name, value] : metrics)
    if (name != headline) names.push_back(name);
  return names;
}

std::string format_table(const std::vector<std::vector<std::string>>& lines) {
  std::vector<size_t> widths;
  for (const auto& line : lines) {
    widths.resize(std::max(widths.size(), line.size()), 0);
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      // Text columns align left, numbers right.
      const bool left = i < 2 || i + 1 == line.size();
      const std::string pad(widths[i] - line[i].size(), ' ');
      text += (i ? "  " : "") + (left ? line[i] + pad : pad + line[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

// The runs by what a baseline row matches on; two runs of one key are an error,
// since neither could be chosen silently.
std::map<RunKey, const RunResult*> index_by_key(const std::vector<RunResult>& runs) {
  std::map<RunKey, const RunResult*> by_key;
  for (const auto& run : runs) {
    const auto [it, inserted] = by_key.emplace(key_of(run), &run);
    if (!inserted)
      throw std::runtime_error(fmt::format("two runs of {}: {} and {}; keep one of them out of --results",
                                           describe(key_of(run)), it->second->path, run.path));
  }
  return by_key;
}

}  // namespace

Baseline parse_baseline(const std::string& path, const std::string& text) {
  const nlohmann::json root = parse_json(text, path);
  if (!root.is_object()) throw std::runtime_error(path + ": expected a JSON object");
  for (const auto& [key, value] : root.items()) {
    static const std::set<std::string> known = {"format", "version", "tolerance", "per_task_tolerance", "runs"};
    if (!known.count(key))
      throw json_field_error(path, key,
                             "is unknown (the fields are format, version, tolerance, per_task_tolerance, runs)");
  }
  if (require_string(path, root, "format", "") != kBaselineFormat)
    throw json_field_error(path, "format", fmt::format("must be \"{}\"", kBaselineFormat));
  const auto& version = require_json_field(path, root, "version");
  if (!version.is_number_integer() || version.get<int>() != kBaselineVersion)
    throw json_field_error(path, "version",
                           fmt::format("must be {} (the only version this build reads)", kBaselineVersion));
  Baseline baseline;
  baseline.tolerance = tolerance_value(path, require_json_field(path, root, "tolerance"), "tolerance");
  if (root.contains("per_task_tolerance")) {
    const auto& per_task = root.at("per_task_tolerance");
    if (!per_task.is_object()) throw json_field_error(path, "per_task_tolerance", "must map a task to its tolerance");
    for (const auto& [task, value] : per_task.items())
      baseline.per_task_tolerance[task] = tolerance_value(path, value, "per_task_tolerance." + task);
  }
  const auto& runs = require_json_field(path, root, "runs");
  if (!runs.is_array()) throw json_field_error(path, "runs", "must be a list");
  std::set<RunKey> keys;
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& record = runs[i];
    const std::string where = fmt::format("runs[{}].", i);
    if (!record.is_object()) throw json_field_error(path, fmt::format("runs[{}]", i), "must be an object");
    BaselineRun run;
    run.task = require_string(path, record, "task", where);
    run.model_name = require_string(path, record, "model_name", where);
    run.protocol = require_string(path, record, "protocol", where);
    run.selection_rule = require_string(path, record, "selection_rule", where);
    run.headline_metric = require_string(path, record, "headline_metric", where);
    const auto& seed = require_json_field(path, record, "seed", where);
    if (!seed.is_number_integer()) throw json_field_error(path, where + "seed", "must be an integer");
    run.seed = seed.get<int64_t>();
    run.test = metrics_of(path, require_json_field(path, record, "test", where), where + "test");
    run.dev =
        record.contains("dev") ? metrics_of(path, record.at("dev"), where + "dev") : std::map<std::string, double>{};
    if (!run.test.count(run.headline_metric))
      throw json_field_error(path, where + "test." + run.headline_metric, "is missing (it is the headline metric)");
    if (!keys.insert(key_of(run)).second)
      throw std::runtime_error(fmt::format("{}: runs[{}]: {} appears twice", path, i, describe(key_of(run))));
    baseline.runs.push_back(std::move(run));
  }
  return baseline;
}

std::string baseline_json(const Baseline& baseline) {
  nlohmann::ordered_json root;
  root["format"] = kBaselineFormat;
  root["version"] = kBaselineVersion;
  root["tolerance"] = baseline.tolerance;
  root["per_task_tolerance"] = baseline.per_task_tolerance;
  root["runs"] = nlohmann::ordered_json::array();
  for (const auto& run : baseline.runs) {
    root["runs"].push_back({{"task", run.task},
                            {"model_name", run.model_name},
                            {"protocol", run.protocol},
                            {"selection_rule", run.selection_rule},
                            {"seed", run.seed},
                            {"headline_metric", run.headline_metric},
                            {"test", run.test},
                            {"dev", run.dev}});
  }
  return root.dump(2) + "\n";
}

Baseline baseline_from_runs(const std::vector<RunResult>& runs, double tolerance,
                            const std::map<std::string, double>& per_task_tolerance) {
  Baseline baseline;
  baseline.tolerance = tolerance;
  baseline.per_task_tolerance = per_task_tolerance;
  const std::map<RunKey, const RunResult*> by_key = index_by_key(runs);
  for (const auto& [key, run] : by_key)
    baseline.runs.push_back({run->task, run->model_name, run->protocol, run->selection_rule, run->headline_metric,
                             run->seed, run->test, run->dev});
  return baseline;
}

std::map<std::string, double> parse_per_task_tolerances(const std::vector<std::string>& flags) {
  std::map<std::string, double> tolerances;
  for (const auto& flag : flags) {
    const auto equals = flag.find('=');
    double value = -1.0;
    size_t used = 0;
    if (equals != std::string::npos && equals > 0) {
      try {
        value = std::stod(flag.substr(equals + 1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
    }
    if (equals == std::string::npos || equals == 0 || used == 0 || used != flag.size() - equals - 1 || value < 0.0 ||
        !std::isfinite(value))
      throw std::runtime_error(fmt::format(
          "--per-task '{}': expected TASK=TOLERANCE with a tolerance of at least 0, e.g. korsts=0.05", flag));
    tolerances[flag.substr(0, equals)] = value;
  }
  return tolerances;
}

CheckReport check_runs(const Baseline& baseline, const std::vector<RunResult>& runs, const ToleranceFlags& flags) {
  std::set<std::string> tasks;
  for (const auto& run : baseline.runs) tasks.insert(run.task);
  for (const auto& [task, value] : flags.per_task) {
    if (!tasks.count(task))
      throw std::runtime_error(
          fmt::format("--per-task {}={}: the baseline has no run of task '{}'", task, value, task));
  }
  const std::map<RunKey, const RunResult*> found = index_by_key(runs);

  CheckReport report;
  std::vector<std::vector<std::string>> lines = {
      {"run", "metric", "baseline", "now", "delta", "allowed drop", "status"}};
  std::set<RunKey> matched;
  size_t regressions = 0, missing = 0;
  for (const auto& base : baseline.runs) {
    const RunKey key = key_of(base);
    const std::string name = describe(key);
    const auto it = found.find(key);
    if (it == found.end()) {
      lines.push_back({name, "", "", "", "", "", "MISSING: no run under --results"});
      report.failures.push_back(fmt::format("missing run {}: no results.json under --results matches it", name));
      ++missing;
      continue;
    }
    matched.insert(key);
    const RunResult& now = *it->second;
    const double tolerance = tolerance_for(baseline, flags, base.task);
    for (const auto& [split, base_metrics, now_metrics] :
         {std::tuple{"test", &base.test, &now.test}, std::tuple{"dev", &base.dev, &now.dev}}) {
      for (const auto& metric : metric_order(*base_metrics, base.headline_metric)) {
        const std::string label =
            fmt::format("{} {}{}", split, metric, metric == base.headline_metric ? " (headline)" : "");
        const double before = base_metrics->at(metric);
        const auto value = now_metrics->find(metric);
        if (value == now_metrics->end()) {
          lines.push_back({name, label, fmt::format("{:.4f}", before), "", "", "", "MISSING metric"});
          report.failures.push_back(fmt::format("{}: {} {} is missing from {}", name, split, metric, now.path));
          ++regressions;
          continue;
        }
        const double delta = value->second - before;
        std::string status = delta > 0 ? "better" : delta < 0 ? "ok (within tolerance)" : "same";
        // The slack absorbs rounding in the stored decimal digits, not real drops.
        if (-delta > tolerance + 1e-12) {
          status = "REGRESSION";
          report.failures.push_back(
              fmt::format("regression in {}: {} {} fell from {:.4f} to {:.4f} ({:+.4f}; allowed drop {})", name, split,
                          metric, before, value->second, delta, tolerance));
          ++regressions;
        }
        lines.push_back({name, label, fmt::format("{:.4f}", before), fmt::format("{:.4f}", value->second),
                         fmt::format("{:+.4f}", delta), fmt::format("{}", tolerance), status});
      }
    }
  }
  std::vector<std::string> extra;
  for (const auto& [key, run] : found)
    if (!matched.count(key)) extra.push_back(fmt::format("{} ({})", describe(key), run->path));

  report.text = format_table(lines);
  for (const auto& run : extra) report.text += "not in the baseline (--update adds it): " + run + "\n";
  report.text +=
      report.failures.empty()
          ? fmt::format("check passed: {} run(s) match the baseline within tolerance\n", matched.size())
          : fmt::format("check FAILED: {} metric(s) regressed or missing, {} run(s) missing\n", regressions, missing);
  return report;
}

std::string describe_baseline_change(const std::optional<Baseline>& old_baseline, const Baseline& new_baseline) {
  std::string out;
  const Baseline empty;
  const Baseline& old = old_baseline ? *old_baseline : empty;
  if (old_baseline && old.tolerance != new_baseline.tolerance)
    out += fmt::format("tolerance: {} → {}\n", old.tolerance, new_baseline.tolerance);
  if (old.per_task_tolerance != new_baseline.per_task_tolerance) {
    std::string before, after;
    for (const auto& [task, value] : old.per_task_tolerance)
      before += fmt::format("{}{}={}", before.empty() ? "" : ",", task, value);
    for (const auto& [task, value] : new_baseline.per_task_tolerance)
      after += fmt::format("{}{}={}", after.empty() ? "" : ",", task, value);
    out += fmt::format("per-task tolerance: {{{}}} → {{{}}}\n", before, after);
  }
  std::map<RunKey, const BaselineRun*> before, after;
  for (const auto& run : old.runs) before[key_of(run)] = &run;
  for (const auto& run : new_baseline.runs) after[key_of(run)] = &run;
  size_t unchanged = 0;
  for (const auto& [key, run] : before)
    if (!after.count(key)) out += "removed run " + describe(key) + "\n";
  for (const auto& [key, run] : after) {
    const auto previous = before.find(key);
    if (previous == before.end()) {
      out += fmt::format("added run {}: test {} {:.4f}\n", describe(key), run->headline_metric,
                         run->test.at(run->headline_metric));
      continue;
    }
    for (const auto& [split, old_metrics, new_metrics] : {std::tuple{"test", &previous->second->test, &run->test},
                                                          std::tuple{"dev", &previous->second->dev, &run->dev}}) {
      std::set<std::string> names;
      for (const auto& [name, value] : *old_metrics) names.insert(name);
      for (const auto& [name, value] : *new_metrics) names.insert(name);
      for (const auto& name : names) {
        const auto a = old_metrics->find(name);
        const auto b = new_metrics->find(name);
        if (a == old_metrics->end()) {
          out += fmt::format("{} {} {}: (none) → {:.4f}\n", describe(key), split, name, b->second);
        } else if (b == new_metrics->end()) {
          out += fmt::format("{} {} {}: {:.4f} → (none)\n", describe(key), split, name, a->second);
        } else if (a->second != b->second) {
          out += fmt::format("{} {} {}: {:.4f} → {:.4f} ({:+.4f})\n", describe(key), split, name, a->second, b->second,
                             b->second - a->second);
        } else {
          ++unchanged;
        }
      }
    }
  }
  out += fmt::format("{} metric(s) unchanged\n", unchanged);
  return out;
}

}  // namespace deberta
