// The benchmark plugins compiled into the tool, one file each beside this one.
// registry.cpp lists them in builtin_tasks().
#pragma once

#include "tasks/task.h"

namespace deberta {

TaskSpec nsmc_task();
TaskSpec paws_task();
TaskSpec kornli_task();
TaskSpec korsts_task();
TaskSpec question_pair_task();

// A row rule for pair tasks whose reference harness skips a row when either
// text is the empty string (KoELECTRA's PAWS and Question Pair processors).
RowRule drop_empty_texts(const std::string& reason);

}  // namespace deberta
