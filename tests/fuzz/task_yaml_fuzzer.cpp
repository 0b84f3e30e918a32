// libFuzzer target for parse_tsv_task, a user's task YAML file: an accepted
// file must give a task that validate_task accepts and that can read a file.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tasks/dataset.h"
#include "tasks/tsv_task.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::TaskSpec task;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { task = deberta::parse_tsv_task(text, "/fuzz/task.yaml"); }, "/fuzz/task.yaml")) return 0;
  if (!parses([&] { deberta::validate_task(task); })) fail("an accepted task file fails validate_task", "");
  // The task reads a small file of its own kind; refusing it is fine, crashing is not.
  deberta::SplitData split;
  parses([&] {
    const auto options = deberta::resolve_options(task);
    deberta::read_examples(task, "a\tb\tc\n0\t1\t2\n", "/fuzz/train.tsv", options, split);
  });
  return 0;
}
