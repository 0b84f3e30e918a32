// A run's TensorBoard event file, beside its metrics.jsonl: every scalar of
// each metrics line under Trainer's tags (train/loss, train/learning_rate,
// train/grad_norm, eval/<metric>), at the line's step. One file per run
// directory, continued on resume. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/tfevents.h"

namespace deberta {

// The scalars of one metrics.jsonl line, tagged as HF Trainer's
// TensorBoardCallback tags its logs: a training line's numbers under
// train/ (lr as train/learning_rate), an evaluation line's dev scores under
// eval/ and test scores under test/, its epoch as eval/epoch. Booleans,
// strings, nulls and the step itself are not scalars.
std::vector<ScalarValue> metrics_line_scalars(const nlohmann::json& line);

class RunEvents {
 public:
  // A log that writes nothing: TensorBoard off, or a process other than rank 0.
  RunEvents() = default;

  // Starts the run's event file, removing the event files of an earlier
  // start of the run (killed before its first saved state): their steps
  // are done again.
  void start(const std::string& run_dir);
  // Continues the run's event file (the last by name) from a saved state:
  // cut back to `saved_bytes`, the size the state recorded, so that the
  // steps after it are not written twice. A file damaged before that size is
  // cut back to its last intact record, and a missing file starts anew;
  // either way the run goes on. Returns a warning when events were lost.
  std::optional<std::string> resume(const std::string& run_dir, uintmax_t saved_bytes);

  bool enabled() const { return writer_.is_open(); }
  const std::string& path() const { return writer_.path(); }
  // What a resume state records (0 when disabled).
  uintmax_t bytes() const { return writer_.size(); }

  // Writes the scalars of a metrics.jsonl line, and `extra` ones (e.g.
  // throughput, which metrics.jsonl leaves out), at the line's step, and
  // flushes. Does nothing when disabled or when there is no scalar.
  void log(const nlohmann::json& line, const std::vector<ScalarValue>& extra = {});

 private:
  void open_new(const std::string& run_dir);
  EventFileWriter writer_;
};

// The event files in `run_dir`, sorted by name (the order TensorBoard reads them in).
std::vector<std::string> event_files(const std::string& run_dir);

}  // namespace deberta
