#include "runtime/runtime.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <sched.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace deberta {

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void configure_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("--threads must be at least 1, got " + std::to_string(threads));
  at::set_num_threads(threads);
  // The inter-op pool can only be sized before its first use; a second call
  // (tests call this more than once) must not abort the process.
  static bool interop_set = false;
  if (!interop_set) {
    at::set_num_interop_threads(threads);
    interop_set = true;
  }
}

std::string torch_version() { return TORCH_VERSION; }

CudaInfo cuda_info() {
  CudaInfo info;
#ifdef DEBERTA_BENCH_WITH_CUDA
  info.built_in = true;
  try {
    // e.g. 13000 for 13.0; it throws when libtorch_cuda did not register.
    const long version = at::detail::getCUDAHooks().versionCUDART();
    info.version = std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
  } catch (const std::exception&) {
    info.version = "unknown (libtorch_cuda not loaded)";
  }
  info.devices = static_cast<int>(torch::cuda::device_count());
#endif
  return info;
}

std::string describe_torch() {
  const CudaInfo cuda = cuda_info();
  std::string line = "libtorch " + torch_version();
  if (!cuda.built_in) return line + ", CPU only (no CUDA built in)";
  return line + ", CUDA " + cuda.version + " built in, " + std::to_string(cuda.devices) + " CUDA device" +
         (cuda.devices == 1 ? "" : "s");
}

}  // namespace deberta
