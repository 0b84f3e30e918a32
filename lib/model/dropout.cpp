#include "model/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <mutex>

namespace deberta {

namespace {

template <typename T>
void fill_mask(T* out, int64_t count, uint32_t threshold, T kept, at::CPUGeneratorImpl* generator) {
  for (int64_t i = 0; i < count; ++i) out[i] = generator->random() >= threshold ? kept : T(0);
}

}  // namespace

torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p == 0.0) return x;
  if (!x.device().is_cpu() || p >= 1.0) return torch::dropout(x, p, training);
  // A draw below p * 2^32 drops the element: P(drop) = p to within 2^-32.
  const auto threshold = static_cast<uint32_t>(std::llround(std::ldexp(p, 32)));
  auto multiplier = torch::empty(x.sizes(), x.options().requires_grad(false));
  auto* generator =
      at::get_generator_or_default<at::CPUGeneratorImpl>(std::nullopt, at::detail::getDefaultCPUGenerator());
  {
    std::lock_guard<std::mutex> lock(generator->mutex_);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "dropout_mask", [&] {
      fill_mask<scalar_t>(multiplier.data_ptr<scalar_t>(), multiplier.numel(), threshold,
                          static_cast<scalar_t>(1.0f / static_cast<float>(1.0 - p)), generator);
    });
  }
  return x * multiplier;
}

}  // namespace deberta
