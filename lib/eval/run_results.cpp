#include "eval/run_results.h"

#include "eval/run_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "util/atomic_file.h"
#include "util/json_file.h"

namespace deberta {
namespace fs = std::filesystem;

namespace {

std::string required_string(const std::string& path, const nlohmann::json& record, const std::string& field) {
  const auto& value = require_json_field(path, record, field);
  if (!value.is_string()) throw json_field_error(path, field, "is not a string");
  return value.get<std::string>();
}

std::string optional_string(const std::string& path, const nlohmann::json& record, const std::string& field,
                            const std::string& fallback) {
  if (!record.contains(field) || record.at(field).is_null()) return fallback;
  if (!record.at(field).is_string()) throw json_field_error(path, field, "is not a string");
  return record.at(field).get<std::string>();
}

std::map<std::string, double> metric_map(const std::string& path, const nlohmann::json& record,
                                         const std::string& field) {
  const auto& object = require_json_field(path, record, field);
  if (!object.is_object()) throw json_field_error(path, field, "is not an object of metrics");
  return number_members(path, object, field);
}

}  // namespace

RunResult parse_run_result(const std::string& path, const std::string& text) {
  const nlohmann::json record = parse_json(text, path);
  if (!record.is_object()) throw std::runtime_error(path + ": expected a JSON object");
  RunResult run;
  run.path = path;
  run.task = required_string(path, record, "task");
  // Records written before model_name existed carry only `model`.
  run.model_name = record.contains("model_name") ? required_string(path, record, "model_name")
                                                 : required_string(path, record, "model");
  run.protocol = optional_string(path, record, "protocol", "standard");
  run.selection_rule = optional_string(path, record, "selection_rule", "dev");
  run.headline_metric = required_string(path, record, "headline_metric");
  const std::string commit = optional_string(path, record, "model_commit", "");
  if (!commit.empty()) run.weights = required_string(path, record, "model_id") + "@" + commit;
  const auto& seed = require_json_field(path, record, "seed");
  if (!seed.is_number_integer()) throw json_field_error(path, "seed", "is not an integer");
  run.seed = seed.get<int64_t>();
  if (record.contains("backbone_parameters") && !record.at("backbone_parameters").is_null()) {
    if (!record.at("backbone_parameters").is_number_integer())
      throw json_field_error(path, "backbone_parameters", "is not an integer");
    run.backbone_parameters = record.at("backbone_parameters").get<int64_t>();
  }
  run.dev = metric_map(path, record, "dev");
  run.test = metric_map(path, record, "test");
  if (run.test.count(run.headline_metric) == 0)
    throw json_field_error(path, "test." + run.headline_metric, "is missing (it is the headline metric)");
  return run;
}

std::vector<RunResult> find_run_results(const std::vector<std::string>& dirs) {
  std::set<std::string> seen;
  std::vector<RunResult> runs;
  for (const auto& dir : dirs) {
    if (!fs::is_directory(dir)) throw std::runtime_error(dir + ": no such directory of runs");
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().filename() == run_layout::kResults) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    size_t found = 0;
    for (const auto& file : files) {
      ++found;
      if (!seen.insert(fs::weakly_canonical(file).string()).second) continue;
      runs.push_back(parse_run_result(file.string(), read_file(file.string())));
    }
    if (found == 0) throw std::runtime_error(dir + ": no run under it (no results.json in it or below it)");
  }
  return runs;
}

std::string describe_run(const std::string& task, const std::string& model_name, int64_t seed,
                         const std::string& protocol, const std::string& selection_rule) {
  return fmt::format("{}/{}/seed{} [{}, {}]", task, model_name, seed, protocol, selection_rule);
}

Summary summarize(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("summarize: no values");
  Summary summary;
  summary.n = values.size();
  double sum = 0.0;
  for (double v : values) sum += v;
  summary.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double squares = 0.0;
    for (double v : values) squares += (v - summary.mean) * (v - summary.mean);
    summary.std_dev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  return summary;
}

}  // namespace deberta
