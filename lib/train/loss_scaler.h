// Dynamic loss scaling for fp16, as torch.amp.GradScaler does it: the loss
// is multiplied by the scale before backward; the gradients are divided by
// it before clipping; a step whose gradients hold an inf or a NaN is
// skipped and the scale backs off; after `growth_interval` good steps in a
// row it grows.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "runtime/precision.h"

namespace deberta {

class LossScaler {
 public:
  struct Options {
    double init_scale = 65536.0;  // 2^16, GradScaler's default
    double growth_factor = 2.0;
    double backoff_factor = 0.5;
    int64_t growth_interval = 2000;
  };
  LossScaler() = default;  // disabled: every call is the identity
  explicit LossScaler(const Options& options);

  bool enabled() const { return enabled_; }
  double scale() const;

  // loss * scale (the loss itself when disabled).
  torch::Tensor scale_loss(const torch::Tensor& loss) const;
  // Divides the gradients by the scale in place; returns whether any is
  // not finite (the step must then be skipped).
  bool unscale(const std::vector<torch::Tensor>& parameters);
  // The same without waiting for the device: returns a [1] float tensor,
  // non-zero when a gradient is not finite (undefined when disabled), and
  // the scale the step's loss was multiplied by. The trainer reads both in
  // its one host sync per step. The flag is the scaler's own: read it before
  // update().
  torch::Tensor unscale_deferred(const std::vector<torch::Tensor>& parameters);
  torch::Tensor scale_tensor() const { return scale_; }
  // Backs off after a skipped step, grows after enough good ones.
  void update(bool found_inf);

  // The scale and the count of good steps, for the resume state.
  std::vector<torch::Tensor> state() const;
  void load_state(const std::vector<torch::Tensor>& state);

 private:
  bool enabled_ = false;
  Options options_;
  torch::Tensor scale_;           // [1] float
  torch::Tensor growth_tracker_;  // [1] int32
  torch::Tensor found_inf_;       // [1] float
};

// The scaler a run at `precision` needs: dynamic loss scaling from
// `init_scale` for fp16, none (the identity) otherwise.
LossScaler loss_scaler_for(Precision precision, double init_scale = LossScaler::Options{}.init_scale);

}  // namespace deberta
