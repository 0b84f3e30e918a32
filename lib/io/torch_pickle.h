// Reading pytorch_model.bin: a state dict saved by torch.save (zip format).
#pragma once

#include <string>

#include "io/tensor_map.h"

namespace deberta {

// Every tensor of the state dict, in the dtype it was saved in. Tensors that
// shared storage in Python (tied weights) may still share it here.
// Throws std::runtime_error "<path>: not a readable PyTorch checkpoint (...)"
// when its zip container fails check_torch_zip or libtorch cannot unpickle it (including the pre-1.6 non-zip
// format), and "<path>: <problem>" when it is not a dict of tensors.
TensorMap read_pytorch_bin(const std::string& path);

}  // namespace deberta
