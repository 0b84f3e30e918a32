// Mixed precision: autocast over an fp32 master model, as torch.autocast.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace deberta {

enum class Precision { kFp32, kBf16, kFp16 };

// fp32, bf16 or fp16; throws std::invalid_argument naming the value.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);

// While it lives, eligible ops on `device` (matrix products, convolutions)
// run in the precision's dtype, the others in fp32, as torch.autocast does.
// It does nothing for fp32.
class AutocastGuard {
 public:
  AutocastGuard(const c10::Device& device, Precision precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType type_;
  bool was_enabled_ = false;
  c10::ScalarType was_dtype_;
};

// TF32 matrix products on CUDA (cuBLAS and cuDNN): off unless asked for,
// so that fp32 means fp32.
void set_tf32(bool allow);

// The lowest finite value of a floating dtype, for masking scores: float32's
// lowest overflows bf16 and fp16.
double lowest_value(c10::ScalarType dtype);

}  // namespace deberta
