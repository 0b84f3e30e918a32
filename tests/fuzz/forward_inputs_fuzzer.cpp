// libFuzzer target for parse_forward_inputs, the input JSON of
// `deberta-bench forward`: accepted inputs are non-empty matrices of one shape.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "io/forward_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::ForwardInputs inputs;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { inputs = deberta::parse_forward_inputs(text, "inputs.json"); }, "inputs.json")) return 0;
  const auto& ids = inputs.input_ids;
  require(ids.rows >= 1 && ids.columns >= 1, "a non-empty matrix");
  require(ids.values.size() == static_cast<size_t>(ids.rows * ids.columns), "rows * columns values");
  for (const auto* other : {&inputs.attention_mask, &inputs.token_type_ids})
    if (*other)
      require((*other)->rows == ids.rows && (*other)->columns == ids.columns &&
                  (*other)->values.size() == ids.values.size(),
              "masks have the shape of input_ids");
  return 0;
}
