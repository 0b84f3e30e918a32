// The process: thread pools, and what libtorch this binary runs on.
#pragma once

#include <string>

namespace deberta {

// The cores this process may run on: its CPU affinity, capped by a cgroup
// CPU quota (a container's --cpus), at least 1.
int available_cores();

// The default of --threads: the available cores, shared among the processes
// of a data-parallel job on this machine (torchrun's LOCAL_WORLD_SIZE).
int default_threads();

// Sizes libtorch's intra-op and inter-op pools. Every command calls this
// once before any tensor work, rather than trusting libtorch's default.
void configure_threads(int threads);

// Keeps freed memory in the process instead of handing it back to the
// kernel after every step (glibc: no mmap for large blocks, no heap
// trimming). A training step frees gigabytes of activations and allocates
// them again; returned to the kernel, each page faults in again, which cost
// a quarter of an xsmall step at batch 32 here. The peak RSS stays the same
// or drops (less fragmentation); memory freed after the peak is not given
// back until the process ends. Left alone when GLIBC_TUNABLES sets malloc
// tunables: the user's choice wins. Call first thing in main().
void configure_allocator();

// libtorch's version, e.g. 2.11.0.
std::string torch_version();

struct CudaInfo {
  bool built_in = false;  // this binary links a CUDA libtorch
  std::string version;    // the CUDA runtime libtorch was built with, e.g. 13.0; empty without CUDA
  int devices = 0;        // the CUDA devices this process sees
};
CudaInfo cuda_info();

// The ATen CPU kernels this process dispatches to: "DEFAULT", "AVX2",
// "AVX512" or "ZVECTOR", the best the CPU has unless ATEN_CPU_CAPABILITY
// asks for less. Results of vectorised kernels may differ between them by
// reassociation, so a result records it.
std::string cpu_capability();

// One line for --version, e.g. "libtorch 2.11.0, CPU kernels AVX512, CUDA 13.0
// built in, 0 CUDA devices".
std::string describe_torch();

}  // namespace deberta
