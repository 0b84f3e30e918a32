// Activation functions by the names HF configs use (hidden_act, pooler_hidden_act, conv_act).
#pragma once

#include <torch/types.h>

#include <functional>
#include <string>

namespace deberta {

using Activation = std::function<torch::Tensor(const torch::Tensor&)>;

// Throws std::invalid_argument naming the activation when it is unknown.
Activation activation_by_name(const std::string& name);

}  // namespace deberta
