// Running a classifier over an encoded split and scoring what it says: shared
// by finetune's evaluations, `evaluate` and `predict`.
#pragma once

#include <torch/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/factory.h"
#include "runtime/distributed.h"
#include "tasks/task.h"
#include "train/features.h"

namespace deberta {

// The logits of every example as float32 on the CPU, [N, outputs], in the
// split's order, computed on the model's device at its precision. Batches
// group examples of similar length so that little time goes to padding.
// With a process group the batches are dealt out round-robin and the logits
// summed over the processes (each example's row is computed by exactly one),
// so every process gets every logit, each computed in the batch a single
// process would have used.
torch::Tensor predict_logits(Model& model, const EncodedSplit& split, int64_t batch_size, int64_t pad_id,
                             bool regression, ProcessGroup* group = nullptr);

// The task's metrics of `logits` against the split's targets.
std::map<std::string, double> score_logits(const TaskSpec& task, const torch::Tensor& logits,
                                           const EncodedSplit& split);

// The label every example was given, when training collapsed to one class.
std::optional<std::string> collapsed_class(const TaskSpec& task, const torch::Tensor& logits);

// The columns a predictions file adds: prediction (the label with its
// meaning) and p(label) per label, or score for regression.
std::vector<std::string> prediction_columns(const TaskSpec& task);

// Columns that come before the predictions: a header and one row of fields
// per example. Empty rows with an "index" header number the examples.
struct LeadingColumns {
  std::vector<std::string> header = {"index"};
  std::vector<std::vector<std::string>> rows;  // empty: the example's index
};

// The one predictions writer (finetune's predictions-test.tsv, predict): a
// header, then one line per example of the leading columns and the
// prediction_columns, probabilities and scores with 6 decimals.
std::string predictions_tsv(const TaskSpec& task, const torch::Tensor& logits, const LeadingColumns& leading = {});

}  // namespace deberta
