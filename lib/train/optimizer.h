// AdamW over a model's parameters in Hugging Face Trainer's two groups, with
// the learning-rate schedule and clipping: what a step needs besides the
// model and the data.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include <cstdint>
#include <string>

#include "train/loss_scaler.h"
#include "train/schedule.h"
#include "train/train_config.h"

namespace deberta {

// TrainingArguments' defaults.
struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  // One vectorized pass per parameter group (ATen's _fused_adamw_) instead
  // of about thirty kernels per parameter; same update, rounding within the
  // replay goldens' tolerance (optimizer.fused).
  bool fused = true;
};

// HF's rule: biases (names ending in ".bias") and LayerNorm weights (names
// containing "LayerNorm.weight") are not decayed.
bool applies_weight_decay(const std::string& parameter_name);

// torch.optim.AdamW's update: p *= 1 - lr * wd, then the bias-corrected Adam
// step. It keeps libtorch's AdamW state (exp_avg, exp_avg_sq, step), so
// optimizer.pt is the same file either way and a run may resume with the
// other kernel. `fused` runs _fused_adamw_ (torch.optim.AdamW(fused=True));
// otherwise libtorch's loop over parameters (torch.optim.AdamW's default
// single-tensor form on the CPU).
class AdamW : public torch::optim::AdamW {
 public:
  AdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults, bool fused);
  torch::Tensor step(LossClosure closure = nullptr) override;
  bool fused() const { return fused_; }

 private:
  bool fused_;
};

// Group 0 holds the decayed parameters and group 1 the others (weight decay
// 0), each in the model's order. The learning rate starts at 0:
// set_learning_rate gives it before every step.
AdamW make_adamw(const torch::nn::Module& model, const AdamWConfig& config);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

struct Optimization {
  AdamW optimizer;
  LrSchedule schedule;
  double max_grad_norm = 1.0;  // <= 0: no clipping
  LossScaler scaler{};         // enabled for fp16 only
};

// The optimisation of a training run's settings (optimizer.*, schedule.*,
// training.max_grad_norm, and loss scaling for training.precision fp16) over
// `total_steps` steps.
Optimization make_optimization(const torch::nn::Module& model, const TrainSettings& settings, int64_t total_steps);

}  // namespace deberta
