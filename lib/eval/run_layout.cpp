#include "eval/run_layout.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace deberta::run_layout {

std::string path(const std::string& run_dir, const std::string& name) { return (fs::path(run_dir) / name).string(); }

bool is_finished(const std::string& run_dir) {
  std::error_code error;
  return fs::exists(fs::path(run_dir) / kResults, error);
}

bool has_resume_state(const std::string& run_dir) {
  std::error_code error;
  return fs::exists(fs::path(run_dir) / kLastCheckpoint / kTrainerState, error);
}

}  // namespace deberta::run_layout
