#include "model/relative_position.h"

#include <torch/torch.h>

#include <algorithm>

namespace deberta {

namespace {

torch::Tensor log_bucket_position(const torch::Tensor& relative, int64_t bucket_size, int64_t max_position) {
  const int64_t mid = bucket_size / 2;
  const auto sign = torch::sign(relative);
  const auto near = (relative < mid) & (relative > -mid);
  const auto magnitude = torch::where(near, torch::full_like(relative, mid - 1), torch::abs(relative));
  // Python computes (max_position - 1) / mid in double, then torch.tensor makes it float32.
  const auto denominator =
      torch::log(torch::tensor(static_cast<float>(static_cast<double>(max_position - 1) / mid), torch::kFloat));
  const auto log_position = torch::ceil(torch::log(magnitude.to(torch::kFloat) / mid) / denominator * (mid - 1)) + mid;
  return torch::where(magnitude <= mid, relative.to(torch::kFloat), log_position * sign).to(torch::kLong);
}

}  // namespace

torch::Tensor relative_positions(int64_t q_len, int64_t k_len, int64_t bucket_size, int64_t max_position) {
  const auto q = torch::arange(q_len, torch::kLong);
  const auto k = torch::arange(k_len, torch::kLong);
  auto relative = q.unsqueeze(1) - k.unsqueeze(0);
  if (bucket_size > 0 && max_position > 0) relative = log_bucket_position(relative, bucket_size, max_position);
  return relative;
}

RelativeIndex relative_index(int64_t length, int64_t bucket_size, int64_t max_position, int64_t span) {
  const auto relative = relative_positions(length, length, bucket_size, max_position);
  const auto c2p = torch::clamp(relative + span, 0, 2 * span - 1);
  const auto p2c = torch::clamp(-relative + span, 0, 2 * span - 1);
  const int64_t first = std::min(c2p.min().item<int64_t>(), p2c.min().item<int64_t>());
  const int64_t last = std::max(c2p.max().item<int64_t>(), p2c.max().item<int64_t>());
  return {c2p - first, p2c - first, first, last - first + 1};
}

}  // namespace deberta
