#include "io/json_tensor.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <stdexcept>

namespace deberta {

nlohmann::json tensor_to_json(const torch::Tensor& tensor) {
  const auto values = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  nlohmann::json data = nlohmann::json::array();
  const float* p = values.data_ptr<float>();
  for (int64_t i = 0; i < values.numel(); ++i) data.push_back(std::stod(fmt::format("{:.9g}", p[i])));
  return {{"shape", values.sizes().vec()}, {"data", std::move(data)}};
}

torch::Tensor integer_matrix_tensor(const IntegerMatrix& matrix) {
  return torch::tensor(matrix.values, torch::kLong).reshape({matrix.rows, matrix.columns});
}

torch::Tensor integer_matrix_from_json(const nlohmann::json& rows, const std::string& field) {
  return integer_matrix_tensor(read_integer_matrix(rows, field));
}

}  // namespace deberta
