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

torch::Tensor integer_matrix_from_json(const nlohmann::json& rows, const std::string& field) {
  if (!rows.is_array() || rows.empty()) throw std::runtime_error(field + ": expected a non-empty list of lists");
  std::vector<int64_t> flat;
  size_t width = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (!row.is_array()) throw std::runtime_error(fmt::format("{}[{}]: expected a list of integers", field, r));
    if (r == 0) width = row.size();
    if (row.size() != width)
      throw std::runtime_error(fmt::format("{}[{}]: has {} entries, row 0 has {}", field, r, row.size(), width));
    for (const auto& value : row) {
      if (!value.is_number_integer())
        throw std::runtime_error(fmt::format("{}[{}]: entries must be integers", field, r));
      flat.push_back(value.get<int64_t>());
    }
  }
  return torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
}

}  // namespace deberta
