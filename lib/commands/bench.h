// `deberta-bench bench`: throughput of the model at fixed shapes, of the
// training step, and of an epoch over a task's real training data.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "model/config.h"

namespace deberta {

// The default of --max-examples: enough batches for a stable figure, and a
// run of xsmall takes about a minute on one core.
constexpr int64_t kDefaultEpochExamples = 512;

struct BenchOptions {
  // forward: inference at batch x seq_len. train: one trainer step (forward,
  // backward, clipping, AdamW) at batch x seq_len. epoch: a trainer step per
  // batch of `task`'s training split, padded dynamically.
  std::string mode = "forward";
  std::string preset = "xsmall";
  int batch = 32;
  int seq_len = 128;
  int threads = 1;
  std::string device = "auto";
  std::string precision = "fp32";  // bf16 or fp16: autocast over fp32 weights
  int warmup = 2;
  int iterations = 5;
  bool json = false;
  bool breakdown = false;  // --mode train: where each step's time goes
  // --mode epoch only.
  std::string task;
  std::string data_dir;                          // empty: default_data_dir(), as finetune
  int64_t max_examples = kDefaultEpochExamples;  // 0: the whole training split
  bool group_by_length = true;
};

// The config of a --preset (xsmall, small, base, xlarge, kcbert-base,
// koelectra-base-v3); throws std::invalid_argument naming them all otherwise.
DebertaConfig bench_preset_config(const std::string& preset);

// Runs the mode on random weights and prints examples/s, tokens/s and GFLOP/s
// (FLOPs counted as ../shared/reference/bench_ref.py counts them; training
// counts backward as twice forward), with the device, the precision and the
// peak memory. The clock is read after the device has finished. Throws
// std::invalid_argument on bad options.
void run_bench(const BenchOptions& options, std::ostream& out);

}  // namespace deberta
