#include "commands/replay.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "io/json_tensor.h"
#include "model/factory.h"
#include "runtime/device.h"
#include "train/batch_source.h"
#include "train/optimizer.h"
#include "train/trainer.h"
#include "util/json_file.h"

namespace deberta {

namespace {

using nlohmann::json;

struct TrainingRecord {
  AdamWConfig optimizer;
  LrSchedule schedule;
  double max_grad_norm = 0;
  int64_t steps = 0;
  std::vector<Batch> batches;
  ModelInputs final_inputs;
};

// Reads fields by dotted path so that every error names the record and the field.
class RecordReader {
 public:
  explicit RecordReader(std::string source) : source_(std::move(source)) {}

  // `key` (dotted) below `node`, whose own path is `node_path` ("" for the root).
  const json& field(const json& node, const std::string& node_path, const std::string& key) const {
    const json* value = &node;
    std::string path = node_path;
    size_t begin = 0;
    while (begin <= key.size()) {
      const size_t end = std::min(key.find('.', begin), key.size());
      const std::string part = key.substr(begin, end - begin);
      path += (path.empty() ? "" : ".") + part;
      if (!value->is_object() || !value->contains(part)) fail(path, "is missing");
      value = &value->at(part);
      begin = end + 1;
    }
    return *value;
  }

  double number(const json& root, const std::string& path) const {
    const json& value = field(root, "", path);
    if (!value.is_number()) fail(path, "must be a number");
    return value.get<double>();
  }

  int64_t count(const json& root, const std::string& path) const {
    const json& value = field(root, "", path);
    if (!value.is_number_integer() || value.get<int64_t>() < 0) fail(path, "must be a non-negative integer");
    return value.get<int64_t>();
  }

  ModelInputs inputs(const json& node, const std::string& node_path) const {
    ModelInputs inputs;
    inputs.input_ids = matrix(node, node_path, "input_ids");
    inputs.attention_mask = matrix(node, node_path, "attention_mask");
    // HF's collator leaves token types out for models without them.
    if (node.contains("token_type_ids")) inputs.token_type_ids = matrix(node, node_path, "token_type_ids");
    return inputs;
  }

  // Class ids stay integers; anything else is a regression target.
  torch::Tensor labels(const json& node, const std::string& node_path) const {
    const json& value = field(node, node_path, "labels");
    const std::string path = join(node_path, "labels");
    if (!value.is_array() || value.empty()) fail(path, "must be a non-empty list of numbers");
    if (std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_number_integer(); }))
      return torch::tensor(value.get<std::vector<int64_t>>(), torch::kLong);
    if (!std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_number(); }))
      fail(path, "must be a non-empty list of numbers");
    return torch::tensor(value.get<std::vector<float>>(), torch::kFloat);
  }

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw std::runtime_error(fmt::format("{}: field {} {}", source_, path, problem));
  }

 private:
  static std::string join(const std::string& node_path, const std::string& key) {
    return node_path.empty() ? key : node_path + "." + key;
  }

  torch::Tensor matrix(const json& node, const std::string& node_path, const std::string& key) const {
    return integer_matrix_from_json(field(node, node_path, key), source_ + ": field " + join(node_path, key));
  }

  std::string source_;
};

TrainingRecord read_training_record(const std::string& path) {
  const json document = read_json_file(path);
  const RecordReader reader(path);
  TrainingRecord record;
  const json& betas = reader.field(document, "", "procedure.optimizer.betas");
  if (!betas.is_array() || betas.size() != 2 || !betas[0].is_number() || !betas[1].is_number())
    reader.fail("procedure.optimizer.betas", "must be a list of two numbers");
  record.optimizer.beta1 = betas[0].get<double>();
  record.optimizer.beta2 = betas[1].get<double>();
  record.optimizer.eps = reader.number(document, "procedure.optimizer.eps");
  record.optimizer.weight_decay = reader.number(document, "procedure.optimizer.weight_decay");
  record.schedule.type = ScheduleType::linear;
  record.schedule.lr = reader.number(document, "procedure.optimizer.lr");
  record.schedule.warmup_steps = reader.count(document, "procedure.schedule.warmup_steps");
  record.schedule.total_steps = reader.count(document, "procedure.schedule.total_steps");
  record.max_grad_norm = reader.number(document, "procedure.clipping.max_grad_norm");
  record.steps = reader.count(document, "procedure.steps");

  const json& batches = reader.field(document, "", "batches");
  if (!batches.is_array() || batches.empty()) reader.fail("batches", "must be a non-empty list");
  for (size_t i = 0; i < batches.size(); ++i) {
    const std::string batch_path = fmt::format("batches[{}]", i);
    record.batches.push_back({reader.inputs(batches[i], batch_path), reader.labels(batches[i], batch_path)});
  }
  record.final_inputs = reader.inputs(reader.field(document, "", "final_inputs"), "final_inputs");
  return record;
}

// A float32 value with the 9 significant digits that make it exact, as the records store them.
double float32_value(double value) { return std::stod(fmt::format("{:.9g}", static_cast<float>(value))); }

}  // namespace

void replay_training_record(const std::string& model_dir, const std::string& record_path, const std::string& device,
                            std::ostream& out) {
  const TrainingRecord record = read_training_record(record_path);
  // The record was taken without dropout; the model still trains in train
  // mode, the code path of real fine-tuning.
  ModelOptions options;
  options.strict = true;
  options.require_classifier = true;
  options.adjust_config = [](DebertaConfig& config) {
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    config.pooler_dropout = 0.0;
    config.cls_dropout = 0.0;
  };
  options.device = resolve_device(device);
  Model model = load_model(model_dir, options);
  std::vector<Batch> batches_on_device;
  for (const auto& batch : record.batches) batches_on_device.push_back(to_device(batch, model.device));

  Optimization optimization{make_adamw(model.module(), record.optimizer), record.schedule, record.max_grad_norm};
  RepeatedBatches batches(batches_on_device);
  TrainerHooks hooks;
  hooks.on_step = [&out](const TrainerState& state, const StepInput&, const StepResult& result, int64_t) {
    nlohmann::ordered_json line = {{"step", state.step - 1},
                                   {"loss", float32_value(result.loss)},
                                   {"lr", result.lr},
                                   {"grad_norm_before_clip", float32_value(result.grad_norm_before_clip)}};
    out << line.dump() << std::endl;
  };
  TrainerState state;
  try {
    fit(model.module(), classification_objective(model.classifier, model.device), optimization, batches,
        {record.steps, 0, 0}, hooks, state);
  } catch (const NonFiniteStep& e) {
    throw std::runtime_error(
        fmt::format("{}: step {}: the loss or the gradient norm is not finite; stopped", record_path, e.step - 1));
  }

  model.module().eval();
  torch::InferenceMode inference;
  const ModelInputs& in = record.final_inputs;
  const ModelInputs inputs{in.input_ids.to(model.device), in.attention_mask.to(model.device),
                           in.token_type_ids.defined() ? in.token_type_ids.to(model.device) : in.token_type_ids};
  out << json{{"final_logits", tensor_to_json(model.classifier(inputs).logits)}}.dump() << std::endl;
}

}  // namespace deberta
