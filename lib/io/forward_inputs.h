// The inputs of `deberta-bench forward`: input_ids and optionally
// attention_mask and token_type_ids, as rectangular lists of integers, either
// at the top level of the JSON document or under "model" -> "inputs" (the
// layout of a fixture's golden.json). Torch-free, so that it can be fuzzed on
// its own (tests/fuzz/).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

struct IntegerMatrix {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<int64_t> values;  // row-major, rows * columns of them
};

// A non-empty rectangular list of non-empty lists of integers. Throws
// std::runtime_error "<field>: <problem>" (`field` names the file and the
// field) when it is not one.
IntegerMatrix read_integer_matrix(const nlohmann::json& rows, const std::string& field);

struct ForwardInputs {
  bool golden_layout = false;  // the document had the "model" -> "inputs" layout
  IntegerMatrix input_ids;
  std::optional<IntegerMatrix> attention_mask, token_type_ids;  // each the shape of input_ids
};

// Parses the document; `source` names it in errors. Throws std::runtime_error
// "<source>: <field>: <problem>" with one line.
ForwardInputs parse_forward_inputs(const std::string& text, const std::string& source);

}  // namespace deberta
