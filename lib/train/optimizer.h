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
};

// HF's rule: biases (names ending in ".bias") and LayerNorm weights (names
// containing "LayerNorm.weight") are not decayed.
bool applies_weight_decay(const std::string& parameter_name);

// libtorch's AdamW, which updates as torch.optim.AdamW does: p *= 1 - lr * wd,
// then the bias-corrected Adam step. Group 0 holds the decayed parameters and
// group 1 the others (weight decay 0), each in the model's order. The
// learning rate starts at 0: set_learning_rate gives it before every step.
torch::optim::AdamW make_adamw(const torch::nn::Module& model, const AdamWConfig& config);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

struct Optimization {
  torch::optim::AdamW optimizer;
  LrSchedule schedule;
  double max_grad_norm = 1.0;  // <= 0: no clipping
  LossScaler scaler{};         // enabled for fp16 only
};

// The optimisation of a training run's settings (optimizer.*, schedule.*,
// training.max_grad_norm, and loss scaling for training.precision fp16) over
// `total_steps` steps.
Optimization make_optimization(const torch::nn::Module& model, const TrainSettings& settings, int64_t total_steps);

}  // namespace deberta
