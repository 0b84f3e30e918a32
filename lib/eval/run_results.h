// The results.json records of finetune's run directories, found under some
// directories and grouped for the table and the regression check.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// What the table and the check need of one run's results.json.
struct RunResult {
  std::string path;  // the results.json file
  std::string task;
  std::string model_name;
  std::string protocol;        // "standard" when the record has none
  std::string selection_rule;  // "dev" or "best-test"
  std::string headline_metric;
  // OWNER/NAME@COMMIT for a model from the Hugging Face Hub (results.json's
  // model_id and model_commit), else empty.
  std::string weights;
  int64_t seed = 0;
  std::optional<int64_t> backbone_parameters;
  std::map<std::string, double> dev, test;
};

// Parses one results.json; `path` names it in errors. Throws
// std::runtime_error "PATH: field 'NAME' ..." on a missing or mistyped field.
RunResult parse_run_result(const std::string& path, const std::string& text);

// Every results.json under each directory (recursively), in path order. A file
// reached twice through overlapping directories counts once. Throws
// std::runtime_error when a directory does not exist or holds no run.
std::vector<RunResult> find_run_results(const std::vector<std::string>& dirs);

// The run's identity in the table's and the check's groupings, e.g.
// "korsts/tiny-default/seed42 [standard, dev]".
std::string describe_run(const std::string& task, const std::string& model_name, int64_t seed,
                         const std::string& protocol, const std::string& selection_rule);

// Mean and sample standard deviation (divisor n-1) of a non-empty list; std_dev
// is empty for a single value, where it is undefined.
struct Summary {
  size_t n = 0;
  double mean = 0.0;
  std::optional<double> std_dev;
};
Summary summarize(const std::vector<double>& values);

}  // namespace deberta
