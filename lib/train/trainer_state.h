// Where training is: checkpoint-last/trainer_state.json, which a resumed run
// reads back. Torch-free, so that it can be fuzzed on its own (tests/fuzz/).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// Where training is, as checkpoint-last/trainer_state.json records it. The
// batches of an epoch are a function of the seed and the epoch, so a resumed
// run finds its place again by (epoch, next_batch), which always points at
// the next step's first batch.
struct TrainerState {
  int64_t step = 0;
  int64_t epoch = 0;
  size_t next_batch = 0;  // the first batch of `epoch` not yet trained on
  int64_t examples_seen = 0;
  double train_seconds = 0;  // optimisation time only, evaluations left out
  // Model selection, kept by the evaluation callback.
  std::optional<double> best_value;
  nlohmann::json best_record;
  int64_t evaluations_without_gain = 0;
  bool stop = false;  // set by the evaluation callback (early stopping)
  std::vector<std::string> warnings;
  uintmax_t metrics_bytes = 0;  // metrics.jsonl's size when the state was saved
  uintmax_t events_bytes = 0;   // the TensorBoard event file's size then (0: none)
  int world_size = 1;           // the processes that trained; a resume needs as many
};

nlohmann::json state_to_json(const TrainerState& state);
// A resumed run needs as many processes as saved it: the global batch, and so
// the data order, depends on their number. Throws std::runtime_error naming `run_dir`.
void require_same_world_size(const TrainerState& state, int world, const std::string& run_dir);
// Throws std::runtime_error naming `source` on a missing or mistyped field.
TrainerState state_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace deberta
