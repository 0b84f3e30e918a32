#include "model/activations.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <stdexcept>

namespace deberta {

Activation activation_by_name(const std::string& name) {
  static const std::map<std::string, Activation> activations = {
      {"gelu", [](const torch::Tensor& x) { return torch::gelu(x); }},  // exact, erf-based
      {"gelu_new",
       [](const torch::Tensor& x) {
         return 0.5 * x * (1.0 + torch::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * torch::pow(x, 3.0))));
       }},
      {"gelu_pytorch_tanh", [](const torch::Tensor& x) { return torch::gelu(x, "tanh"); }},
      {"gelu_fast",
       [](const torch::Tensor& x) {
         return 0.5 * x * (1.0 + torch::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
       }},
      {"quick_gelu", [](const torch::Tensor& x) { return x * torch::sigmoid(1.702 * x); }},
      {"relu", [](const torch::Tensor& x) { return torch::relu(x); }},
      {"tanh", [](const torch::Tensor& x) { return torch::tanh(x); }},
      {"sigmoid", [](const torch::Tensor& x) { return torch::sigmoid(x); }},
      {"silu", [](const torch::Tensor& x) { return torch::silu(x); }},
      {"swish", [](const torch::Tensor& x) { return torch::silu(x); }},
      {"mish", [](const torch::Tensor& x) { return torch::mish(x); }},
      {"linear", [](const torch::Tensor& x) { return x; }},
  };
  const auto it = activations.find(name);
  if (it == activations.end()) throw std::invalid_argument("unsupported activation '" + name + "'");
  return it->second;
}

}  // namespace deberta
