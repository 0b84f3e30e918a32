#include "eval/run_layout.h"

#include <filesystem>
#include <stdexcept>

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

void refuse_finished(const std::string& run_dir) {
  if (is_finished(run_dir))
    throw std::runtime_error(run_dir + ": the run has finished (results.json exists); nothing to resume");
}

}  // namespace deberta::run_layout
