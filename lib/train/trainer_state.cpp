#include "train/trainer_state.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(fmt::format("{}: not a trainer state ({})", source, problem));
}

// A count: a JSON integer from `min` up to what T holds. nlohmann's get<T>()
// would also take a float, and converting one out of range (1e300) is
// undefined behaviour.
template <typename T>
T read_count(const nlohmann::json& state, const char* key, const std::string& source, T min = 0) {
  const nlohmann::json& value = state.at(key);
  if (!value.is_number_integer()) fail(source, fmt::format("'{}' is not an integer", key));
  const bool in_range = value.is_number_unsigned()
                            ? value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                            : value.get<int64_t>() >= static_cast<int64_t>(min);
  if (!in_range || (value.is_number_unsigned() && static_cast<T>(value.get<uint64_t>()) < min))
    fail(source, fmt::format("'{}' is out of range ({})", key, value.dump()));
  return value.get<T>();
}

}  // namespace

nlohmann::json state_to_json(const TrainerState& s) {
  return {{"step", s.step},
          {"epoch", s.epoch},
          {"next_batch", s.next_batch},
          {"examples_seen", s.examples_seen},
          {"train_seconds", s.train_seconds},
          {"best_value", s.best_value ? nlohmann::json(*s.best_value) : nlohmann::json(nullptr)},
          {"best_record", s.best_record},
          {"evaluations_without_gain", s.evaluations_without_gain},
          {"stop", s.stop},
          {"warnings", s.warnings},
          {"metrics_bytes", s.metrics_bytes},
          {"events_bytes", s.events_bytes},
          {"world_size", s.world_size}};
}

TrainerState state_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    if (!j.is_object()) fail(source, "not a JSON object");
    TrainerState s;
    s.step = read_count<int64_t>(j, "step", source);
    s.epoch = read_count<int64_t>(j, "epoch", source);
    s.next_batch = read_count<size_t>(j, "next_batch", source);
    s.examples_seen = read_count<int64_t>(j, "examples_seen", source);
    s.train_seconds = j.at("train_seconds").get<double>();
    if (!j.at("best_value").is_null()) s.best_value = j.at("best_value").get<double>();
    s.best_record = j.at("best_record");
    s.evaluations_without_gain = read_count<int64_t>(j, "evaluations_without_gain", source);
    s.stop = j.at("stop").get<bool>();
    s.warnings = j.at("warnings").get<std::vector<std::string>>();
    s.metrics_bytes = read_count<uintmax_t>(j, "metrics_bytes", source);
    // States saved before the event files have none to cut back.
    if (j.contains("events_bytes")) s.events_bytes = read_count<uintmax_t>(j, "events_bytes", source);
    // States saved before data parallelism had one process.
    if (j.contains("world_size")) s.world_size = read_count<int>(j, "world_size", source, 1);
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(source, e.what());
  }
}

void require_same_world_size(const TrainerState& state, int world, const std::string& run_dir) {
  if (state.world_size != world)
    throw std::runtime_error(
        fmt::format("{}: the run was saved by {} process(es); resume it with {} (the global "
                    "batch, and so the data order, depends on the number of processes)",
                    run_dir, state.world_size, state.world_size));
}

}  // namespace deberta
