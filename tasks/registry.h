// The task registry: the plugins the tool knows, by name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tasks/task.h"

namespace deberta {

class TaskRegistry {
 public:
  // Throws std::invalid_argument on a duplicate or empty name.
  void add(TaskSpec spec);
  const TaskSpec* find(std::string_view name) const;
  const std::vector<TaskSpec>& all() const { return tasks_; }

 private:
  std::vector<TaskSpec> tasks_;
};

// The plugins compiled into this build, in the model card's column order.
TaskRegistry builtin_tasks();

// The human-readable listing that `deberta-bench tasks` prints.
std::string describe_tasks(const TaskRegistry& registry);

// Whether a --task argument names a task YAML file (it ends in .yaml or .yml)
// rather than a built-in task.
bool is_task_file(std::string_view task_argument);

// The task a --task argument names: a built-in task by name, or a generic
// `tsv` task defined by a YAML file. Throws std::invalid_argument for an
// unknown name, listing the known ones.
TaskSpec resolve_task(const std::string& task_argument);

}  // namespace deberta
