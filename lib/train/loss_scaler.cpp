#include "train/loss_scaler.h"

#include <torch/torch.h>

#include <stdexcept>

namespace deberta {

LossScaler::LossScaler(const Options& options)
    : enabled_(true),
      options_(options),
      scale_(torch::full({1}, options.init_scale, torch::kFloat)),
      growth_tracker_(torch::zeros({1}, torch::kInt)),
      found_inf_(torch::zeros({1}, torch::kFloat)) {}

double LossScaler::scale() const { return enabled_ ? scale_.item<double>() : 1.0; }

torch::Tensor LossScaler::scale_loss(const torch::Tensor& loss) const {
  return enabled_ ? loss * scale_.to(loss.device()) : loss;
}

bool LossScaler::unscale(const std::vector<torch::Tensor>& parameters) {
  const auto found_inf = unscale_deferred(parameters);
  return found_inf.defined() && found_inf.item<float>() != 0.0f;
}

torch::Tensor LossScaler::unscale_deferred(const std::vector<torch::Tensor>& parameters) {
  if (!enabled_) return {};
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({1}, torch::kFloat);
  const auto device = grads.front().device();
  // The scale lives where the gradients are, as GradScaler keeps it.
  if (scale_.device() != device) {
    scale_ = scale_.to(device);
    growth_tracker_ = growth_tracker_.to(device);
    found_inf_ = found_inf_.to(device);
  }
  torch::NoGradGuard no_grad;
  found_inf_.zero_();
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, scale_.reciprocal());
  return found_inf_;
}

void LossScaler::update(bool found_inf) {
  if (!enabled_) return;
  found_inf_.fill_(found_inf ? 1.0 : 0.0);
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, options_.growth_factor, options_.backoff_factor,
                         options_.growth_interval);
}

std::vector<torch::Tensor> LossScaler::state() const {
  if (!enabled_) return {};
  return {scale_.cpu(), growth_tracker_.cpu()};
}

void LossScaler::load_state(const std::vector<torch::Tensor>& state) {
  if (!enabled_) return;
  if (state.size() != 2) throw std::runtime_error("the fp16 loss scale is missing from the resume state");
  scale_ = state[0].to(scale_.device());
  growth_tracker_ = state[1].to(growth_tracker_.device());
}

LossScaler loss_scaler_for(Precision precision, double init_scale) {
  if (precision != Precision::kFp16) return LossScaler();
  LossScaler::Options options;
  options.init_scale = init_scale;
  return LossScaler(options);
}

}  // namespace deberta
