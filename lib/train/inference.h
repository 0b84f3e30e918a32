// Running a classifier over an encoded split and scoring what it says: shared
// by finetune's evaluations, `evaluate` and `predict`.
#pragma once

#include <torch/types.h>

#include <map>
#include <optional>
#include <string>

#include "model/deberta.h"
#include "tasks/task.h"
#include "train/features.h"

namespace deberta {

// The logits of every example, [N, outputs], in the split's order. Batches
// group examples of similar length so that little time goes to padding.
torch::Tensor predict_logits(DebertaV2ForSequenceClassification& model, const EncodedSplit& split, int64_t batch_size,
                             int64_t pad_id, bool regression);

// The task's metrics of `logits` against the split's targets.
std::map<std::string, double> score_logits(const TaskSpec& task, const torch::Tensor& logits,
                                           const EncodedSplit& split);

// The label every example was given, when training collapsed to one class.
std::optional<std::string> collapsed_class(const TaskSpec& task, const torch::Tensor& logits);

// One row per example: index, the predicted label (with its meaning) and the
// probability of every label; or index and score for regression.
std::string predictions_tsv(const TaskSpec& task, const torch::Tensor& logits);

}  // namespace deberta
