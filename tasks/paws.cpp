// PAWS-X Korean: paraphrase identification of sentence pairs, binary.
#include "tasks/builtin_tasks.h"

namespace deberta {

TaskSpec paws_task() {
  TaskSpec task;
  task.name = "paws";
  task.description = "PAWS-X Korean paraphrase identification: sentence pair, paraphrase or not";
  task.data_subdir = "paws-x-ko/";
  task.splits = {
      {"train", "translated_train.tsv", false}, {"dev", "dev_2k.tsv", false}, {"test", "test_2k.tsv", false}};
  task.is_pair = true;
  task.reader.format.header = {"id", "sentence1", "sentence2", "label"};
  task.reader.text_a.index = 1;
  task.reader.text_b.index = 2;
  task.reader.target.index = 3;
  task.labels = {"0", "1"};
  task.label_meanings = {"not a paraphrase", "paraphrase"};
  task.metrics = {"accuracy"};
  task.headline_metric = "accuracy";
  task.max_seq_len = 128;
  task.options = {{"drop_ns", OptionType::kBool, "false",
                   "drop rows whose sentence is the untranslated placeholder NS (gives the official 1,965 dev and "
                   "1,972 test rows; default: keep them, as KoELECTRA does)"}};
  const RowRule drop_empty = drop_empty_texts("empty_sentence");
  task.row_rule = [drop_empty](Example& example, const TaskOptions& options) -> std::string {
    std::string reason = drop_empty(example, options);
    if (reason.empty() && option_bool(options, "drop_ns") && (example.text_a == "NS" || example.text_b == "NS"))
      reason = "ns_placeholder";
    return reason;
  };
  task.fetch_command = "scripts/fetch-data.sh paws";
  return task;
}

}  // namespace deberta
