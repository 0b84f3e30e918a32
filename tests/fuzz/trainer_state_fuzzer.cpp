// libFuzzer target for trainer_state.json (state_from_json): an accepted state
// must write back to JSON that reads back the same.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "train/trainer_state.h"
#include "util/json_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::TrainerState state;
  const std::string text(bytes_of(data, size));
  if (!parses(
          [&] {
            state = deberta::state_from_json(deberta::parse_json(text, "trainer_state.json"), "trainer_state.json");
          },
          "trainer_state.json"))
    return 0;
  require(state.step >= 0 && state.epoch >= 0 && state.examples_seen >= 0 && state.world_size >= 1,
          "counts are not negative");
  deberta::TrainerState again;
  if (!parses([&] { again = deberta::state_from_json(deberta::state_to_json(state), "written back"); }))
    fail("a written state does not read back", "");
  require(again.step == state.step && again.epoch == state.epoch && again.next_batch == state.next_batch &&
              again.metrics_bytes == state.metrics_bytes && again.events_bytes == state.events_bytes &&
              again.world_size == state.world_size && again.warnings == state.warnings && again.stop == state.stop,
          "a written state reads back the same");
  return 0;
}
