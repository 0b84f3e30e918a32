// libFuzzer target for parse_run_result (a run's results.json): an accepted
// record has its headline metric among its test metrics.
#include <cstdint>
#include <string>

#include "eval/run_results.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::RunResult run;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { run = deberta::parse_run_result("runs/fuzz/results.json", text); }, "runs/fuzz/results.json"))
    return 0;
  require(run.test.count(run.headline_metric) == 1, "the headline metric is a test metric");
  // What the table and the check print about a run.
  deberta::describe_run(run.task, run.model_name, run.seed, run.protocol, run.selection_rule);
  return 0;
}
