#include "runtime/device.h"

#include <ATen/DeviceAccelerator.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace deberta {

namespace {

std::string cuda_status() {
#ifdef DEBERTA_BENCH_WITH_CUDA
  return "this build has CUDA, and " + std::to_string(torch::cuda::device_count()) + " CUDA devices are visible";
#else
  return "this build has no CUDA (a CPU-only libtorch)";
#endif
}

// The GPU's name from the CUDA driver, looked up at run time so that the
// build needs no CUDA headers. Empty when the driver cannot say.
std::string cuda_device_name(int index) {
  void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (driver == nullptr) return "";
  using Init = int (*)(unsigned);
  using Get = int (*)(int*, int);
  using Name = int (*)(char*, int, int);
  const auto init = reinterpret_cast<Init>(dlsym(driver, "cuInit"));
  const auto get = reinterpret_cast<Get>(dlsym(driver, "cuDeviceGet"));
  const auto name = reinterpret_cast<Name>(dlsym(driver, "cuDeviceGetName"));
  std::string result;
  int device = 0;
  char buffer[256] = {0};
  if (init && get && name && init(0) == 0 && get(&device, index) == 0 && name(buffer, sizeof buffer, device) == 0)
    result = buffer;
  dlclose(driver);
  return result;
}

}  // namespace

c10::Device resolve_device(const std::string& spec) {
  const int available = static_cast<int>(torch::cuda::device_count());
  if (spec == "auto") {
    if (available == 0) return c10::Device(c10::kCPU);
    const char* local_rank = std::getenv("LOCAL_RANK");
    const int index = local_rank != nullptr && *local_rank != '\0' ? std::atoi(local_rank) : 0;
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index % available));
  }
  if (spec == "cpu") return c10::Device(c10::kCPU);
  if (spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (spec.size() > 5) {
      const std::string digits = spec.substr(5);
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit))
        throw std::invalid_argument("--device " + spec + ": expected cuda:N with N a device number");
      index = std::stoi(digits);
    }
    if (available == 0)
      throw std::invalid_argument("--device " + spec + ": no CUDA device here (" + cuda_status() + ")");
    if (index >= available)
      throw std::invalid_argument("--device " + spec + ": there are only " + std::to_string(available) +
                                  " CUDA device(s), cuda:0 to cuda:" + std::to_string(available - 1));
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw std::invalid_argument("--device " + spec + ": expected auto, cpu, cuda or cuda:N");
}

bool CpuFeatures::native_bf16() const {
  return std::find(vector.begin(), vector.end(), "avx512_bf16") != vector.end() ||
         std::find(vector.begin(), vector.end(), "amx_bf16") != vector.end();
}

CpuFeatures parse_cpuinfo(const std::string& text) {
  CpuFeatures cpu;
  std::istringstream lines(text);
  std::string line, flags;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && cpu.model.empty()) cpu.model = value;
    if (key == "flags" && flags.empty()) flags = " " + value + " ";
  }
  for (const char* flag : {"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"})
    if (flags.find(std::string(" ") + flag + " ") != std::string::npos) cpu.vector.push_back(flag);
  return cpu;
}

CpuFeatures cpu_features() {
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  return parse_cpuinfo(text.str());
}

std::optional<std::string> bf16_emulation_warning(const CpuFeatures& cpu) {
  if (cpu.native_bf16()) return std::nullopt;
  const std::string found = fmt::format("{}", fmt::join(cpu.vector, ", "));
  return "warning: bf16 on this CPU (" + (cpu.model.empty() ? std::string("unknown model") : cpu.model) + "; found " +
         (found.empty() ? std::string("no AVX2 or AVX-512") : found) +
         ") is emulated without avx512_bf16 or AMX: it works, but slower than fp32";
}

std::string device_description(const c10::Device& device) {
  if (device.is_cuda()) {
    const std::string name = cuda_device_name(device.index() < 0 ? 0 : device.index());
    return device.str() + (name.empty() ? "" : " " + name);
  }
  const CpuFeatures cpu = cpu_features();
  const std::string flags = fmt::format("{}", fmt::join(cpu.vector, ", "));
  return "cpu " + (cpu.model.empty() ? std::string("(unknown model)") : cpu.model) +
         (flags.empty() ? "" : " (" + flags + ")");
}

void synchronize(const c10::Device& device) {
  if (device.is_cuda()) at::accelerator::synchronizeDevice(device.index() < 0 ? 0 : device.index());
}

int64_t peak_memory_bytes(const c10::Device& device) {
  if (device.is_cuda()) {
    const auto stats = at::accelerator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
  }
  return peak_rss_bytes();
}

int64_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace deberta
