// The names of a run directory's files, in one place: finetune writes them;
// suite, table, check and plot read them.
#pragma once

#include <string>

namespace deberta::run_layout {

inline constexpr const char* kConfig = "config.yaml";
inline constexpr const char* kMetrics = "metrics.jsonl";
inline constexpr const char* kResults = "results.json";
inline constexpr const char* kPredictions = "predictions-test.tsv";
inline constexpr const char* kBestCheckpoint = "checkpoint-best";
inline constexpr const char* kLastCheckpoint = "checkpoint-last";   // the resume state
inline constexpr const char* kTrainerState = "trainer_state.json";  // in checkpoint-last/
inline constexpr const char* kOptimizerState = "optimizer.pt";      // in checkpoint-last/

// RUN_DIR/NAME
std::string path(const std::string& run_dir, const std::string& name);

// Whether the run has finished (results.json exists).
bool is_finished(const std::string& run_dir);

// Whether the run can be resumed (checkpoint-last/trainer_state.json exists).
bool has_resume_state(const std::string& run_dir);

// For --resume: throws std::runtime_error, one line naming the directory,
// when the run has finished, so that no command trains a finished run again.
void refuse_finished(const std::string& run_dir);

}  // namespace deberta::run_layout
