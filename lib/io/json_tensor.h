// Tensors in JSON as the fixtures encode them: {"shape": [...], "data": [flat row-major]}.
#pragma once

#include <torch/types.h>

#include <nlohmann/json.hpp>
#include <string>

#include "io/forward_inputs.h"

namespace deberta {

// Floats keep 9 significant digits: enough to be float32-exact.
nlohmann::json tensor_to_json(const torch::Tensor& tensor);

// A rectangular list of lists of integers (input_ids and friends) as a [rows,
// columns] long tensor: read_integer_matrix (io/forward_inputs.h) as a tensor.
// Throws std::runtime_error naming `field` when ragged, empty or not integers.
torch::Tensor integer_matrix_from_json(const nlohmann::json& rows, const std::string& field);

// The matrix as a [rows, columns] long tensor.
torch::Tensor integer_matrix_tensor(const IntegerMatrix& matrix);

}  // namespace deberta
