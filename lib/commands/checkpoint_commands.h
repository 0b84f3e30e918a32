// The commands that use a fine-tuned checkpoint: evaluate (metrics on a
// split) and predict (labels or scores for new texts).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace deberta {

// When the checkpoint sits in a run directory (its parent holds the
// config.yaml that finetune wrote for the same task), the run's settings
// decide max_seq_len, the evaluation batch size, the data options and the
// data directory, so that evaluate reproduces what finetune reported. A flag
// given here wins over the run's setting.
struct EvaluateOptions {
  std::string task;
  std::string model_dir;
  std::string split = "test";
  std::string data_dir;     // empty: the run's, else default_data_dir()
  std::string output_path;  // empty: standard output only
  int64_t max_seq_len = 0;  // 0: the run's training.max_seq_len, else the task's
  std::string device = "auto";
  std::string precision = "fp32";
};

// Prints one JSON object (task, split, model, data, examples, max_seq_len and
// where it came from, metrics, headline) on `out`, and writes the same to
// output_path when set. Throws std::runtime_error for a checkpoint with no
// classification head or with labels other than the task's.
void run_evaluate(const EvaluateOptions& options, std::ostream& out);

struct PredictOptions {
  std::string task;
  std::string model_dir;
  std::string input_path;   // TSV with a header: text, or text_a and text_b
  std::string output_path;  // empty: standard output
  int64_t max_seq_len = 0;  // as for evaluate
  std::string device = "auto";
  std::string precision = "fp32";
};

// Writes the input's columns, then `label` (with its meaning) and p(label)
// per label, or `score` for regression; one row per input row, in order.
// A bad row is a std::runtime_error naming the file and the line.
void run_predict(const PredictOptions& options, std::ostream& out, std::ostream& log);

}  // namespace deberta
