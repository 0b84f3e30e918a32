#include "train/optimizer.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <stdexcept>
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

AdamW::AdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults, bool fused)
    : torch::optim::AdamW(std::move(groups), std::move(defaults)), fused_(fused) {}

torch::Tensor AdamW::step(LossClosure closure) {
  if (!fused_) return torch::optim::AdamW::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    if (options.amsgrad()) throw std::invalid_argument("the fused AdamW does not do amsgrad");
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
    // The kernel reads each parameter's step count from a float tensor;
    // parameters at the same count share one.
    std::map<int64_t, torch::Tensor> step_tensors;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[p.unsafeGetTensorImpl()];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      auto& count = step_tensors[state.step()];
      if (!count.defined())
        count = torch::full({}, static_cast<double>(state.step()), p.options().dtype(torch::kFloat));
      params.push_back(p);
      grads.push_back(p.grad());
      exp_avgs.push_back(state.exp_avg());
      exp_avg_sqs.push_back(state.exp_avg_sq());
      steps.push_back(count);
    }
    if (params.empty()) continue;
    const auto [beta1, beta2] = options.betas();
    at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, options.lr(), beta1, beta2,
                      options.weight_decay(), options.eps(), /*amsgrad=*/false, /*maximize=*/false);
  }
  return loss;
}

AdamW make_adamw(const torch::nn::Module& model, const AdamWConfig& config) {
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
  return AdamW(std::move(groups), decayed, config.fused);
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
  Optimization optimization{
      make_adamw(model, {settings.beta1, settings.beta2, settings.eps, settings.weight_decay, settings.fused_adamw}),
      schedule, settings.max_grad_norm};
  optimization.scaler = loss_scaler_for(parse_precision(settings.precision), settings.fp16_init_scale);
  return optimization;
}

}  // namespace deberta
