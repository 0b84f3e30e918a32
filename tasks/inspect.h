// `deberta-bench inspect-data`: read every split of a task, check it, and
// report counts as one JSON object.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "tasks/dataset.h"
#include "tasks/task.h"

namespace deberta {

// One split's record: file, sha256, rows kept, rows dropped by reason, and
// label counts (or score_min and score_max for regression). A dev slice adds
// "from": "train" and its seed. The trainer writes the same record into a
// run's outputs.
nlohmann::ordered_json split_summary(const TaskSpec& task, const SplitData& split);

struct InspectReport {
  nlohmann::ordered_json json;
  int splits_read = 0;
  std::vector<std::string> missing;  // one message per missing file, naming it and the fetch command
};

// Reads every split whose files exist. A missing file is listed in the
// report's "missing" array; any other data error throws.
InspectReport inspect_data(const TaskSpec& task, const std::string& data_dir, const TaskOptions& options = {});

// The subcommand: resolves the task (a name or a task YAML file), the data
// directory (flag, $DEBERTA_BENCH_DATA, data/) and KEY=VALUE options, prints
// the JSON on `out` and a line per missing file on `err`. Returns the exit
// status: 0 when at least one split was read, 1 when none was.
int run_inspect_data(const std::string& task_argument, const std::string& data_dir_flag,
                     const std::vector<std::string>& option_assignments, std::ostream& out, std::ostream& err);

// inspect-data --texts SPLIT: the split's texts as finetune reads them, one
// per line, a pair's second text on the line after its first; train is the
// rows finetune trains on (a dev slice held out of the train file is left
// out). The corpus of a pre-training that must never see dev or test text.
// Throws on a missing file or bad data, naming it.
void print_split_texts(const std::string& task_argument, const std::string& data_dir_flag,
                       const std::vector<std::string>& option_assignments, const std::string& split, std::ostream& out);

}  // namespace deberta
