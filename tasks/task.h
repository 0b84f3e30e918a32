// What a task plugin declares. One plugin per benchmark lives beside this file.
#pragma once

#include <string>
#include <vector>

namespace deberta {

struct SplitSpec {
  std::string name;          // train, dev or test
  std::string default_file;  // relative to the task's data directory
};

struct TaskSpec {
  std::string name;
  std::string description;  // one line, shown by `deberta-bench tasks`
  std::string data_subdir;  // e.g. nsmc/, under --data-dir
  std::vector<SplitSpec> splits;
  bool is_pair = false;             // sentence pair, or a single text
  std::vector<std::string> labels;  // index order; empty means regression
  std::vector<std::string> metrics;
  std::string headline_metric;  // the model-card column
  int max_seq_len = 128;

  bool is_regression() const { return labels.empty(); }
};

}  // namespace deberta
