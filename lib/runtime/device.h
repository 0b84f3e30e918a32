// Where a command computes: --device auto, cpu, cuda or cuda:N, and what
// that device is.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// auto: cuda:$LOCAL_RANK (cuda:0 without it) when CUDA is available, else
// cpu. Asking for CUDA where there is none, or for a device index that does
// not exist, throws std::invalid_argument with one line saying why.
c10::Device resolve_device(const std::string& spec);

// What /proc/cpuinfo says of this CPU.
struct CpuFeatures {
  std::string model;                // "model name", e.g. "AMD EPYC 7B13"
  std::vector<std::string> vector;  // of avx2, avx512f, avx512_bf16, amx_bf16, amx_tile: those present
  bool native_bf16() const;         // avx512_bf16 or amx_bf16
};
CpuFeatures cpu_features();
CpuFeatures parse_cpuinfo(const std::string& text);

// The warning to log when bf16 runs on this CPU without native support
// (it is emulated in fp32 and slower); nullopt when the CPU has it.
std::optional<std::string> bf16_emulation_warning(const CpuFeatures& cpu);

// "cpu AMD EPYC 7B13 (avx2)" or "cuda:0 NVIDIA H200", for logs and results.json.
std::string device_description(const c10::Device& device);

// Waits for the device's queued work: the clock is read after it.
void synchronize(const c10::Device& device);

// Peak memory in bytes: the device's allocator peak on CUDA, this process's
// peak resident set size on the CPU.
int64_t peak_memory_bytes(const c10::Device& device);
// This process's peak resident set size in bytes (getrusage).
int64_t peak_rss_bytes();

}  // namespace deberta
