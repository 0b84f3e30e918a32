#include "train/inference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "data/batching.h"
#include "eval/metrics.h"
#include "train/collate.h"

namespace deberta {

torch::Tensor predict_logits(Model& model, const EncodedSplit& split, int64_t batch_size, int64_t pad_id,
                             bool regression, ProcessGroup* group) {
  model.module().eval();
  torch::InferenceMode inference;
  const int64_t outputs = model.config.num_labels();
  auto logits = group ? torch::zeros({static_cast<int64_t>(split.encodings.size()), outputs})
                      : torch::empty({static_cast<int64_t>(split.encodings.size()), outputs});
  const auto batches = evaluation_batches(split.lengths, static_cast<size_t>(batch_size));
  for (size_t b = 0; b < batches.size(); ++b) {
    if (group && static_cast<int>(b % static_cast<size_t>(group->size())) != group->rank()) continue;
    const auto& indices = batches[b];
    const auto batch = to_device(collate(split.encodings, split.targets, indices, pad_id, regression), model.device);
    torch::Tensor out;
    {
      AutocastGuard autocast(model.device, model.precision);
      out = model.classifier(batch.inputs).logits;
    }
    logits.index_copy_(0, torch::tensor(std::vector<int64_t>(indices.begin(), indices.end()), torch::kLong),
                       out.to(torch::kCPU, torch::kFloat));
  }
  if (group) {
    // Summed where the collective can reach (NCCL: device memory).
    std::vector<torch::Tensor> all = {logits.to(model.device)};
    group->all_reduce_sum(all);
    logits = all[0].to(torch::kCPU);
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

std::vector<std::string> prediction_columns(const TaskSpec& task) {
  if (task.is_regression()) return {"score"};
  std::vector<std::string> columns = {"prediction"};
  for (size_t k = 0; k < task.labels.size(); ++k) columns.push_back("p(" + task.label_display(k) + ")");
  return columns;
}

std::string predictions_tsv(const TaskSpec& task, const torch::Tensor& logits, const LeadingColumns& leading) {
  // Regression's one output is its score; a classifier's outputs become probabilities.
  const torch::Tensor values =
      (task.is_regression() ? logits : torch::softmax(logits, 1)).to(torch::kDouble).contiguous().cpu();
  const auto value = values.accessor<double, 2>();
  // The label is the argmax of the logits, as the metrics take it.
  const torch::Tensor argmax = logits.argmax(1).contiguous().cpu();
  const auto predicted = argmax.accessor<int64_t, 1>();
  std::string out = fmt::format("{}\t{}\n", fmt::join(leading.header, "\t"), fmt::join(prediction_columns(task), "\t"));
  for (int64_t i = 0; i < values.size(0); ++i) {
    if (leading.rows.empty())
      out += std::to_string(i);
    else
      out += fmt::format("{}", fmt::join(leading.rows.at(static_cast<size_t>(i)), "\t"));
    if (!task.is_regression()) out += "\t" + task.label_display(static_cast<size_t>(predicted[i]));
    for (int64_t k = 0; k < values.size(1); ++k) out += fmt::format("\t{:.6f}", value[i][k]);
    out += "\n";
  }
  return out;
}

}  // namespace deberta
