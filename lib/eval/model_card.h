// The model card's table layout and its published rows
// (results/reference/model-card.yaml).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// One score column of the card, in the card's order.
struct CardColumn {
  std::string task;    // the task plugin's name
  std::string metric;  // the test metric the card reports
  std::string header;  // the card's Markdown header cell
  std::string label;   // the header as plain text (CSV, JSON)
};
const std::vector<CardColumn>& card_columns();

// A published score, kept as the card writes it ("85.5", not 85.50).
struct ReferenceScore {
  double percent = 0.0;
  std::string text;
};

struct ReferenceRow {
  std::string name;
  std::string source;  // a key of ReferenceTable::sources
  std::optional<double> backbone_parameters_m;
  std::string backbone_parameters_text;          // as written, e.g. "9.4"
  std::map<std::string, ReferenceScore> scores;  // by task
};

struct ReferenceSource {
  std::string title;
  std::string url;
};

struct ReferenceTable {
  std::string path;
  std::string card_title, card_url;
  std::string selection_rule;  // e.g. "best-test"
  std::string selection;       // in words
  int seeds = 1;
  std::map<std::string, ReferenceSource> sources;
  std::vector<ReferenceRow> rows;
};

// Reads and validates a reference file. Throws std::runtime_error
// "PATH:LINE: FIELD ..." on an unknown task column, a missing field, a score
// that is not a percentage or a row citing an unknown source.
ReferenceTable load_reference(const std::string& path);

}  // namespace deberta
