// KorNLI: natural language inference on sentence pairs, 3-way.
#include "tasks/builtin_tasks.h"

namespace deberta {

TaskSpec kornli_task() {
  TaskSpec task;
  task.name = "kornli";
  task.description = "KorNLI natural language inference: sentence pair, contradiction, entailment or neutral";
  task.data_subdir = "kornli/";
  task.splits = {{"train", "multinli.train.ko.tsv", false},
                 {"dev", "xnli.dev.ko.tsv", false},
                 {"test", "xnli.test.ko.tsv", false}};
  task.is_pair = true;
  task.reader.format.header = {"sentence1", "sentence2", "gold_label"};
  task.reader.text_a.index = 0;
  task.reader.text_b.index = 1;
  task.reader.target.index = 2;
  // The reference harnesses' index order; a checkpoint's head depends on it.
  task.labels = {"contradiction", "entailment", "neutral"};
  task.metrics = {"accuracy"};
  task.headline_metric = "accuracy";
  task.max_seq_len = 128;
  task.options = {{"include_snli", OptionType::kBool, "false",
                   "train on snli_1.0_train.ko.tsv as well (default: MultiNLI only, as KoELECTRA and KcBERT)"}};
  task.split_files = [](const SplitSpec& split, const TaskOptions& options) {
    std::vector<std::string> files{split.default_file};
    if (split.name == "train" && option_bool(options, "include_snli")) files.push_back("snli_1.0_train.ko.tsv");
    return files;
  };
  task.fetch_command = "scripts/fetch-data.sh kornli";
  return task;
}

}  // namespace deberta
