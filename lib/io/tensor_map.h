// Tensors by name, as a checkpoint file holds them.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace deberta {

using TensorMap = std::map<std::string, torch::Tensor>;

}  // namespace deberta
