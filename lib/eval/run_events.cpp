#include "eval/run_events.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Trainer's name for a training line's key.
std::string train_tag(const std::string& key) { return "train/" + (key == "lr" ? std::string("learning_rate") : key); }

void add_numbers(const nlohmann::json& object, const std::string& prefix, std::vector<ScalarValue>& out) {
  for (const auto& [key, value] : object.items())
    if (value.is_number()) out.push_back({prefix + key, value.get<float>()});
}

}  // namespace

std::vector<ScalarValue> metrics_line_scalars(const nlohmann::json& line) {
  std::vector<ScalarValue> scalars;
  if (!line.is_object()) return scalars;
  const bool evaluation = line.contains("dev") || line.contains("test");
  for (const auto& [key, value] : line.items()) {
    if (key == "step") continue;
    if (value.is_object()) add_numbers(value, (key == "dev" ? std::string("eval") : key) + "/", scalars);
    if (value.is_number()) scalars.push_back({evaluation ? "eval/" + key : train_tag(key), value.get<float>()});
  }
  return scalars;
}

std::vector<std::string> event_files(const std::string& run_dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_dir, error))
    if (entry.is_regular_file(error) && is_event_file_name(entry.path().filename().string()))
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

void RunEvents::open_new(const std::string& run_dir) {
  const auto now = seconds_now();
  writer_ = EventFileWriter(
      (fs::path(run_dir) / event_file_name(static_cast<int64_t>(now), host_name(), static_cast<long>(getpid())))
          .string());
  writer_.append(file_version_event(now));
}

void RunEvents::start(const std::string& run_dir) {
  for (const auto& file : event_files(run_dir)) fs::remove(file);
  open_new(run_dir);
}

std::optional<std::string> RunEvents::resume(const std::string& run_dir, uintmax_t saved_bytes) {
  const auto files = event_files(run_dir);
  if (files.empty()) {
    open_new(run_dir);
    if (saved_bytes == 0) return std::nullopt;
    return fmt::format("{}: no event file found; {} starts anew, without the events before the resume", run_dir,
                       fs::path(writer_.path()).filename().string());
  }
  const std::string& path = files.back();
  const std::string bytes = read_file(path);
  const size_t saved = static_cast<size_t>(std::min<uintmax_t>(saved_bytes, bytes.size()));
  const size_t intact = intact_records_size(std::string_view(bytes).substr(0, saved));
  // The steps logged after the state was saved are logged again as the run repeats them.
  fs::resize_file(path, intact);
  writer_ = EventFileWriter(path);
  if (intact == 0) writer_.append(file_version_event(seconds_now()));
  if (intact == saved_bytes) return std::nullopt;
  return fmt::format(
      "{}: damaged or cut short before byte {}, where the saved state left it; cut back to its last intact record "
      "(byte {}), so the events logged in between are lost",
      path, saved_bytes, intact);
}

void RunEvents::log(const nlohmann::json& line, const std::vector<ScalarValue>& extra) {
  if (!enabled()) return;
  std::vector<ScalarValue> scalars = metrics_line_scalars(line);
  scalars.insert(scalars.end(), extra.begin(), extra.end());
  if (scalars.empty() || !line.contains("step") || !line.at("step").is_number_integer()) return;
  writer_.append(scalar_event(seconds_now(), line.at("step").get<int64_t>(), scalars));
}

}  // namespace deberta
