// Process-wide start-up: thread pools and the BLAS check.
#pragma once

#include <string>

namespace deberta {

// The cores this process may run on (its CPU affinity), at least 1.
int available_cores();

// Sizes libtorch's intra-op and inter-op pools. libtorch starts at 1 thread
// here, so every command calls this once before any tensor work.
void configure_threads(int threads);

struct BlasInfo {
  std::string library;        // the shared object that provides BLAS, or "unknown"
  bool is_reference = false;  // the netlib reference BLAS: ~20x slower than OpenBLAS
};

// Finds which BLAS libtorch resolved at load time.
BlasInfo detect_blas();

// libtorch's version, e.g. 1.13.1.
std::string torch_version();

// The one warning line for a slow BLAS, or "" when the BLAS is fine.
std::string blas_warning(const BlasInfo& blas);

}  // namespace deberta
