// Dropout as torch.nn.functional.dropout computes it: in training, each
// element is kept with probability 1 - p and scaled by 1 / (1 - p), else
// zeroed; the gradient goes through the same mask.
#pragma once

#include <torch/types.h>

namespace deberta {

// On the CPU the mask is drawn from the default generator's 32-bit stream,
// one draw per element: about three times faster than torch's bernoulli_
// there, which was 6% of a training step. The draws are serial, so a seed
// gives the same masks at any thread count. Elsewhere (CUDA) it is
// torch::dropout, whose fused kernel is already fast.
torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

}  // namespace deberta
