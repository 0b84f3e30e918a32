#include "train/optimizer.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace deberta {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool applies_weight_decay(const std::string& parameter_name) {
  // A module's own parameter has no dot before it: "bias" counts as ".bias".
  const bool bias = parameter_name == "bias" || ends_with(parameter_name, ".bias");
  return !bias && parameter_name.find("LayerNorm.weight") == std::string::npos;
}

torch::optim::AdamW make_adamw(const torch::nn::Module& model, const AdamWConfig& config) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : model.named_parameters()) {
    if (applies_weight_decay(item.key()))
      decay.push_back(item.value());
    else
      no_decay.push_back(item.value());
  }
  torch::optim::AdamWOptions decayed(0.0);
  decayed.betas({config.beta1, config.beta2}).eps(config.eps).weight_decay(config.weight_decay);
  auto not_decayed = decayed;
  not_decayed.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::move(decay), std::make_unique<torch::optim::AdamWOptions>(decayed));
  groups.emplace_back(std::move(no_decay), std::make_unique<torch::optim::AdamWOptions>(not_decayed));
  return torch::optim::AdamW(std::move(groups), decayed);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

Optimization make_optimization(const torch::nn::Module& model, const TrainSettings& settings, int64_t total_steps) {
  LrSchedule schedule;
  schedule.type = settings.schedule == "cosine"     ? ScheduleType::cosine
                  : settings.schedule == "constant" ? ScheduleType::constant_with_warmup
                                                    : ScheduleType::linear;
  schedule.lr = settings.lr;
  schedule.warmup_steps = settings.warmup_steps;
  schedule.warmup_ratio = settings.warmup_ratio;
  schedule.total_steps = total_steps;
  Optimization optimization{make_adamw(model, {settings.beta1, settings.beta2, settings.eps, settings.weight_decay}),
                            schedule, settings.max_grad_norm};
  if (settings.precision == "fp16") {
    LossScaler::Options scaling;
    scaling.init_scale = settings.fp16_init_scale;
    optimization.scaler = LossScaler(scaling);
  }
  return optimization;
}

}  // namespace deberta
