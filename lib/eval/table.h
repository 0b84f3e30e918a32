// The model-card table: the card's published rows, then ours, in the card's
// columns, as Markdown, CSV or JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/model_card.h"
#include "eval/run_results.h"

namespace deberta {

enum class TableFormat { markdown, csv, json };

// "markdown", "csv" or "json"; throws std::invalid_argument otherwise.
TableFormat parse_table_format(const std::string& name);

// The table of `runs` under the reference rows (none when `reference` is
// empty). Our runs are grouped into one row per (model_name, protocol,
// selection_rule), so rows of unequal protocols or selection rules never
// merge; a cell is the mean ± sample std (n-1) over seeds of the column's test
// metric, and a cell with no run stays empty. Throws std::runtime_error when
// two runs of one row share a task and seed, or a run lacks the column's metric.
std::string render_table(const std::vector<RunResult>& runs, const std::optional<ReferenceTable>& reference,
                         TableFormat format);

}  // namespace deberta
