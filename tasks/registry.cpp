#include "tasks/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "tasks/builtin_tasks.h"
#include "tasks/tsv_task.h"

namespace deberta {
namespace {

// A column as the listing shows it: its header name when the task knows it.
std::string column_display(const TaskSpec& task, const ColumnRef& column) {
  if (!column.name.empty()) return column.name;
  const auto& header = task.reader.format.header;
  if (column.index >= 0 && static_cast<size_t>(column.index) < header.size()) return header[column.index];
  return column.describe();
}

std::string default_option(const TaskSpec& task, std::string_view name) {
  const OptionSpec* option = task.find_option(name);
  return option != nullptr ? option->default_value : "?";
}

std::string describe_task(const TaskSpec& task) {
  std::string out = fmt::format("{}: {}\n", task.name, task.description);
  if (task.reader.text_a.is_set()) {
    std::string columns = column_display(task, task.reader.text_a);
    if (task.reader.text_b.is_set()) columns += ", " + column_display(task, task.reader.text_b);
    out += fmt::format("  input:    {} ({}; target {})\n", task.is_pair ? "sentence pair" : "single text", columns,
                       column_display(task, task.reader.target));
  } else {
    out += fmt::format("  input:    {}\n", task.is_pair ? "sentence pair" : "single text");
  }
  if (task.is_regression()) {
    out += "  head:     regression (1 output, MSE)";
    if (task.score_range) out += fmt::format(", scores {} to {}", task.score_range->min, task.score_range->max);
    out += "\n";
  } else {
    std::vector<std::string> labels;
    for (size_t i = 0; i < task.labels.size(); ++i) labels.push_back(task.label_display(i));
    out += fmt::format("  head:     classification, {} labels: {}\n", task.labels.size(), fmt::join(labels, ", "));
  }
  out += fmt::format("  metrics:  {} (headline: {})\n", fmt::join(task.metrics, ", "), task.headline_metric);
  out += fmt::format("  max_seq_len: {}\n", task.max_seq_len);
  for (const auto& split : task.splits) {
    if (split.held_out_of_train)
      out +=
          fmt::format("  {:<9} held out of train: {} rows (option {}, at most a tenth of train), seed {} (option {})\n",
                      split.name + ":", default_option(task, kDevSliceSizeOption), kDevSliceSizeOption,
                      default_option(task, kDevSliceSeedOption), kDevSliceSeedOption);
    else
      out += fmt::format("  {:<9} {}{}\n", split.name + ":", task.data_subdir, split.default_file);
  }
  for (const auto& option : task.options)
    out += fmt::format("  option:   {}={}: {}\n", option.name, option.default_value, option.help);
  return out;
}

}  // namespace

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
  for (TaskSpec (*make)() : {nsmc_task, paws_task, kornli_task, korsts_task, question_pair_task}) {
    TaskSpec task = make();
    validate_task(task);
    registry.add(std::move(task));
  }
  return registry;
}

std::string describe_tasks(const TaskRegistry& registry) {
  if (registry.all().empty()) return "No task plugins are registered in this build.\n";
  std::string out;
  for (const auto& task : registry.all()) out += describe_task(task);
  out +=
      "tsv: any task defined by a YAML file; pass --task path/to/task.yaml "
      "(example: configs/tasks/example-tsv.yaml)\n";
  return out;
}

bool is_task_file(std::string_view task_argument) {
  const auto ends_with = [&](std::string_view suffix) {
    return task_argument.size() > suffix.size() && task_argument.substr(task_argument.size() - suffix.size()) == suffix;
  };
  return ends_with(".yaml") || ends_with(".yml");
}

TaskSpec resolve_task(const std::string& task_argument) {
  if (is_task_file(task_argument)) return load_tsv_task(task_argument);
  const TaskRegistry registry = builtin_tasks();
  if (const TaskSpec* task = registry.find(task_argument)) return *task;
  std::vector<std::string> names;
  for (const auto& task : registry.all()) names.push_back(task.name);
  throw std::invalid_argument(
      fmt::format("unknown task '{}'; the built-in tasks are {}, or pass a task YAML file "
                  "(a path ending in .yaml)",
                  task_argument, fmt::join(names, ", ")));
}

}  // namespace deberta
