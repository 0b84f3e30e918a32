// `deberta-bench bench`: throughput of the model at fixed shapes.
#pragma once

#include <ostream>
#include <string>

namespace deberta {

struct BenchOptions {
  std::string mode = "forward";  // forward (train and epoch arrive with the trainer)
  std::string preset = "xsmall";
  int batch = 32;
  int seq_len = 128;
  int threads = 1;
  int warmup = 2;
  int iterations = 5;
  bool json = false;
};

// Times the mode on random weights and prints examples/s, tokens/s and
// GFLOP/s (FLOPs counted as ../shared/reference/bench_ref.py counts them).
void run_bench(const BenchOptions& options, std::ostream& out);

}  // namespace deberta
