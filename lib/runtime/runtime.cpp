#include "runtime/runtime.h"

#include <dlfcn.h>
#include <link.h>
#include <sched.h>

#include <ATen/Parallel.h>
#include <torch/version.h>
#include <climits>
#include <cstdlib>
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

namespace {

std::string resolved_path(const char* path) {
  char buffer[PATH_MAX];
  if (realpath(path, buffer) != nullptr) return buffer;
  return path;
}

int collect_blas_library(struct dl_phdr_info* info, size_t, void* data) {
  auto* found = static_cast<std::string*>(data);
  const std::string name = info->dlpi_name ? info->dlpi_name : "";
  if (name.find("libblas.so") != std::string::npos || name.find("openblas") != std::string::npos ||
      name.find("libblis") != std::string::npos || name.find("libmkl") != std::string::npos) {
    *found = resolved_path(name.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

BlasInfo detect_blas() {
  BlasInfo info;
  std::string library;
  dl_iterate_phdr(collect_blas_library, &library);
  info.library = library.empty() ? "unknown" : library;
  // Optimised BLAS libraries export their own entry points next to the
  // standard ones; the reference implementation exports only the standard ones.
  const bool optimised = dlsym(RTLD_DEFAULT, "openblas_get_config") != nullptr ||
                         dlsym(RTLD_DEFAULT, "bli_info_get_version_str") != nullptr ||
                         dlsym(RTLD_DEFAULT, "mkl_get_version") != nullptr;
  info.is_reference = !optimised && !library.empty() && library.find("/blas/") != std::string::npos;
  return info;
}

std::string torch_version() { return TORCH_VERSION; }

std::string blas_warning(const BlasInfo& blas) {
  if (!blas.is_reference) return "";
  return "warning: libtorch is using the reference BLAS (" + blas.library +
         "), about 20x slower than OpenBLAS; install libopenblas0-openmp (scripts/setup.sh does).";
}

}  // namespace deberta
