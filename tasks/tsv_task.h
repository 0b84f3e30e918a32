// The generic `tsv` task: a task defined entirely by a YAML file, so that users
// can bring their own data without recompiling. configs/tasks/example-tsv.yaml
// shows every key.
#pragma once

#include <string>

#include "tasks/task.h"

namespace deberta {

// Reads and validates a task YAML file. Relative data paths in it are
// relative to the YAML file's directory. Throws std::invalid_argument with
// "FILE:LINE: ..." for a bad file, and MissingFileError when it is not there.
TaskSpec load_tsv_task(const std::string& yaml_path);

// The same for the file's text; `yaml_path` names it in errors and places the
// data paths, as above.
TaskSpec parse_tsv_task(const std::string& yaml_text, const std::string& yaml_path);

}  // namespace deberta
