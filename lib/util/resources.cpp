#include "util/resources.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace fs = std::filesystem;

#include "util/environment.h"

namespace deberta {

namespace {

bool holds_resources(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / "configs" / "models" / "tiny-default" / "config.json", error);
}

}  // namespace

std::string resource_dir() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  const fs::path installed = exe.parent_path().parent_path() / "share" / "deberta-bench";
  if (holds_resources(installed)) return installed.string();
  for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (holds_resources(dir)) return dir.string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

std::string config_dir() {
  const std::string configured = environment_variable("DEBERTA_BENCH_CONFIGS");
  if (!configured.empty()) return configured;
  const std::string root = resource_dir();
  if (root.empty())
    throw std::runtime_error(
        "cannot find configs/: neither <prefix>/share/deberta-bench beside the installed binary nor a source tree "
        "above it; install with `cmake --install`, or set DEBERTA_BENCH_CONFIGS to the configs directory");
  return (fs::path(root) / "configs").string();
}

std::string builtin_model_dir() { return (fs::path(config_dir()) / "models" / "tiny-default").string(); }

std::string default_data_dir() {
  const std::string configured = environment_variable("DEBERTA_BENCH_DATA");
  if (!configured.empty()) return configured;
  return (fs::path(config_dir()).parent_path() / "data" / "samples").string();
}

std::string default_reference_path() {
  return (fs::path(config_dir()).parent_path() / "results" / "reference" / "model-card.yaml").string();
}

}  // namespace deberta
