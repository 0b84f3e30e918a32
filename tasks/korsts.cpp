// KorSTS: semantic textual similarity of sentence pairs, regression on 0 to 5.
#include "tasks/builtin_tasks.h"

namespace deberta {

TaskSpec korsts_task() {
  TaskSpec task;
  task.name = "korsts";
  task.description = "KorSTS semantic textual similarity: sentence pair, a score from 0 to 5";
  task.data_subdir = "korsts/";
  task.splits = {{"train", "sts-train.tsv", false}, {"dev", "sts-dev.tsv", false}, {"test", "sts-test.tsv", false}};
  task.is_pair = true;
  task.reader.format.header = {"genre", "filename", "year", "id", "score", "sentence1", "sentence2"};
  task.reader.text_a.index = 5;
  task.reader.text_b.index = 6;
  task.reader.target.index = 4;
  task.score_range = ScoreRange{0.0, 5.0};
  task.metrics = {"spearman", "pearson"};
  task.headline_metric = "spearman";
  task.max_seq_len = 128;
  task.fetch_command = "scripts/fetch-data.sh korsts";
  return task;
}

}  // namespace deberta
