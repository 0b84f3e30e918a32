#include "io/forward_inputs.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>
#include <utility>

#include "util/json_file.h"

namespace deberta {

IntegerMatrix read_integer_matrix(const nlohmann::json& rows, const std::string& field) {
  if (!rows.is_array() || rows.empty()) throw std::runtime_error(field + ": expected a non-empty list of lists");
  IntegerMatrix matrix;
  matrix.rows = static_cast<int64_t>(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (!row.is_array()) throw std::runtime_error(fmt::format("{}[{}]: expected a list of integers", field, r));
    // A model cannot run on rows of no tokens.
    if (row.empty()) throw std::runtime_error(fmt::format("{}[{}]: is empty", field, r));
    if (r == 0) matrix.columns = static_cast<int64_t>(row.size());
    if (static_cast<int64_t>(row.size()) != matrix.columns)
      throw std::runtime_error(
          fmt::format("{}[{}]: has {} entries, row 0 has {}", field, r, row.size(), matrix.columns));
    for (const auto& value : row) {
      if (!value.is_number_integer())
        throw std::runtime_error(fmt::format("{}[{}]: entries must be integers", field, r));
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw std::runtime_error(fmt::format("{}[{}]: {} is out of range", field, r, value.dump()));
      matrix.values.push_back(value.get<int64_t>());
    }
  }
  return matrix;
}

ForwardInputs parse_forward_inputs(const std::string& text, const std::string& source) {
  const nlohmann::json document = parse_json(text, source);
  ForwardInputs inputs;
  inputs.golden_layout = document.contains("model") && document.at("model").contains("inputs");
  const nlohmann::json& in = inputs.golden_layout ? document.at("model").at("inputs") : document;
  if (!in.contains("input_ids")) throw std::runtime_error(source + ": input_ids is missing");
  inputs.input_ids = read_integer_matrix(in.at("input_ids"), source + ": input_ids");
  for (auto [field, target] :
       {std::pair{"attention_mask", &inputs.attention_mask}, std::pair{"token_type_ids", &inputs.token_type_ids}}) {
    if (!in.contains(field)) continue;
    *target = read_integer_matrix(in.at(field), source + ": " + field);
    if ((*target)->rows != inputs.input_ids.rows || (*target)->columns != inputs.input_ids.columns)
      throw std::runtime_error(fmt::format("{}: {}: is {} x {}, input_ids is {} x {}", source, field, (*target)->rows,
                                           (*target)->columns, inputs.input_ids.rows, inputs.input_ids.columns));
  }
  return inputs;
}

}  // namespace deberta
