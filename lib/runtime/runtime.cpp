#include "runtime/runtime.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <sched.h>
#include <torch/cuda.h>
#include <torch/version.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

#include "runtime/distributed.h"
#include "util/environment.h"

namespace deberta {

namespace {

// The CPU quota of this process's cgroup in cores, rounded up; 0 for none.
int cgroup_quota_cores() {
  double quota = -1, period = 0;
  std::ifstream v2("/sys/fs/cgroup/cpu.max");  // cgroup v2: "max 100000" or "150000 100000"
  std::string max;
  if (v2 >> max >> period) {
    if (max != "max") quota = std::stod(max);
  } else {
    std::ifstream v1_quota("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), v1_period("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    if (!(v1_quota >> quota) || !(v1_period >> period)) quota = -1;
  }
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<int>(std::ceil(quota / period));
}

}  // namespace

int available_cores() {
  int cores = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cores = CPU_COUNT(&set);
  if (cores <= 0) cores = static_cast<int>(std::thread::hardware_concurrency());
  const int quota = cgroup_quota_cores();
  if (quota > 0 && (cores <= 0 || quota < cores)) cores = quota;
  return std::max(1, cores);
}

int default_threads() {
  int processes = 1;
  try {
    const DistributedEnv env = distributed_env();
    if (env.active()) processes = std::max(1, env.local_world_size);
  } catch (const std::exception&) {
    // A malformed variable is reported by the command that forms the group.
  }
  return std::max(1, available_cores() / processes);
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

void configure_allocator() {
#if defined(__GLIBC__)
  if (environment_variable("GLIBC_TUNABLES").find("glibc.malloc.") != std::string::npos) return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
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

std::string cpu_capability() { return at::get_cpu_capability(); }

std::string describe_torch() {
  const CudaInfo cuda = cuda_info();
  std::string line = "libtorch " + torch_version() + ", CPU kernels " + cpu_capability();
  if (!cuda.built_in) return line + ", CPU only (no CUDA built in)";
  return line + ", CUDA " + cuda.version + " built in, " + std::to_string(cuda.devices) + " CUDA device" +
         (cuda.devices == 1 ? "" : "s");
}

}  // namespace deberta
