// The fixtures' golden tensors: {"shape": [...], "data": [flat row-major]}.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"

namespace deberta::test {

inline torch::Tensor golden_tensor(const nlohmann::json& encoded) {
  const auto shape = encoded.at("shape").get<std::vector<int64_t>>();
  const auto data = encoded.at("data").get<std::vector<float>>();
  return torch::tensor(data, torch::kFloat).reshape(shape);
}

// A list of lists of integers, e.g. input_ids.
inline torch::Tensor golden_long_matrix(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows)
    for (const auto& value : row) flat.push_back(value.get<int64_t>());
  return torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(rows.size()), -1});
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

}  // namespace deberta::test
