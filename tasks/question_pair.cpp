// Question Pair (songys/Question_pair v2): are two questions the same? Binary.
#include "tasks/builtin_tasks.h"

namespace deberta {

TaskSpec question_pair_task() {
  TaskSpec task;
  task.name = "question_pair";
  task.description = "Korean question pairs: label 0 means the SAME question, 1 a different one (not Quora's order)";
  task.data_subdir = "question-pair/";
  task.splits = {{"train", "train.txt", false}, {"dev", "validation.txt", false}, {"test", "test.txt", false}};
  task.is_pair = true;
  task.reader.format.header = {"question1", "question2", "is_duplicate"};
  task.reader.text_a.index = 0;
  task.reader.text_b.index = 1;
  task.reader.target.index = 2;
  task.labels = {"0", "1"};
  task.label_meanings = {"SAME question", "different questions"};
  task.metrics = {"accuracy"};
  task.headline_metric = "accuracy";
  task.max_seq_len = 128;
  task.row_rule = drop_empty_texts("empty_question");
  task.fetch_command = "scripts/fetch-data.sh question_pair";
  return task;
}

}  // namespace deberta
