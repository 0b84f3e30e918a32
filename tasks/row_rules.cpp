// Row rules that several built-in tasks share.
#include "tasks/builtin_tasks.h"

namespace deberta {

RowRule drop_empty_texts(const std::string& reason) {
  // The reference compares with "" exactly; whitespace-only texts are kept.
  return [reason](Example& example, const TaskOptions&) -> std::string {
    if (example.text_a.empty() || (example.text_b && example.text_b->empty())) return reason;
    return "";
  };
}

}  // namespace deberta
