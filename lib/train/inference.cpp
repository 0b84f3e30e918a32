#include "train/inference.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "data/batching.h"
#include "eval/metrics.h"
#include "train/collate.h"

namespace deberta {

torch::Tensor predict_logits(DebertaV2ForSequenceClassification& model, const EncodedSplit& split, int64_t batch_size,
                             int64_t pad_id, bool regression) {
  model->eval();
  torch::InferenceMode inference;
  const int64_t outputs = model->named_parameters()["classifier.bias"].size(0);
  auto logits = torch::empty({static_cast<int64_t>(split.encodings.size()), outputs});
  for (const auto& indices : evaluation_batches(split.lengths, static_cast<size_t>(batch_size))) {
    const auto batch = collate(split.encodings, split.targets, indices, pad_id, regression);
    const auto out = model(batch.inputs).logits;
    logits.index_copy_(0, torch::tensor(std::vector<int64_t>(indices.begin(), indices.end()), torch::kLong), out);
  }
  return logits;
}

std::map<std::string, double> score_logits(const TaskSpec& task, const torch::Tensor& logits,
                                           const EncodedSplit& split) {
  if (task.is_regression()) {
    const auto flat = logits.reshape({-1}).to(torch::kDouble).contiguous();
    std::vector<double> predicted(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
    return compute_metrics(task.metrics, predicted, split.targets);
  }
  const auto argmax = logits.argmax(1).contiguous();
  std::vector<int64_t> predicted(argmax.data_ptr<int64_t>(), argmax.data_ptr<int64_t>() + argmax.numel());
  std::vector<int64_t> gold(split.targets.begin(), split.targets.end());
  return compute_metrics(task.metrics, predicted, gold, task.num_outputs());
}

std::optional<std::string> collapsed_class(const TaskSpec& task, const torch::Tensor& logits) {
  if (task.is_regression() || logits.size(0) < 2) return std::nullopt;
  const auto classes = std::get<0>(at::_unique(logits.argmax(1)));
  if (classes.numel() != 1) return std::nullopt;
  return task.labels[classes.item<int64_t>()];
}

std::string predictions_tsv(const TaskSpec& task, const torch::Tensor& logits) {
  std::string out;
  if (task.is_regression()) {
    out = "index\tscore\n";
    for (int64_t i = 0; i < logits.size(0); ++i) out += fmt::format("{}\t{:.6f}\n", i, logits[i][0].item<double>());
    return out;
  }
  const auto probabilities = torch::softmax(logits, 1);
  out = "index\tprediction";
  for (size_t k = 0; k < task.labels.size(); ++k) out += "\tp(" + task.label_display(k) + ")";
  out += "\n";
  const auto argmax = logits.argmax(1);
  for (int64_t i = 0; i < logits.size(0); ++i) {
    out += fmt::format("{}\t{}", i, task.label_display(argmax[i].item<int64_t>()));
    for (int64_t k = 0; k < logits.size(1); ++k) out += fmt::format("\t{:.6f}", probabilities[i][k].item<double>());
    out += "\n";
  }
  return out;
}

}  // namespace deberta
