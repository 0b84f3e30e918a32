#include "tasks/registry.h"

#include <fmt/format.h>

#include <stdexcept>

namespace deberta {

void TaskRegistry::add(TaskSpec spec) {
  if (spec.name.empty()) throw std::invalid_argument("a task needs a name");
  if (find(spec.name) != nullptr) throw std::invalid_argument("task '" + spec.name + "' is registered twice");
  tasks_.push_back(std::move(spec));
}

const TaskSpec* TaskRegistry::find(std::string_view name) const {
  for (const auto& task : tasks_)
    if (task.name == name) return &task;
  return nullptr;
}

TaskRegistry builtin_tasks() {
  TaskRegistry registry;
  // The benchmark plugins register here as they are written (issue 4).
  return registry;
}

std::string describe_tasks(const TaskRegistry& registry) {
  if (registry.all().empty()) return "No task plugins are registered in this build.\n";
  std::string out;
  for (const auto& task : registry.all()) {
    out += fmt::format("{}: {}\n", task.name, task.description);
    out += fmt::format("  input:    {}\n", task.is_pair ? "sentence pair" : "single text");
    if (task.is_regression())
      out += "  head:     regression (1 output, MSE)\n";
    else
      out +=
          fmt::format("  head:     classification, {} labels: {}\n", task.labels.size(), fmt::join(task.labels, ", "));
    out += fmt::format("  metrics:  {} (headline: {})\n", fmt::join(task.metrics, ", "), task.headline_metric);
    for (const auto& split : task.splits)
      out += fmt::format("  {:<9} {}{}\n", split.name + ":", task.data_subdir, split.default_file);
  }
  return out;
}

}  // namespace deberta
