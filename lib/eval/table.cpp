#include "eval/table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <tuple>

namespace deberta {

TableFormat parse_table_format(const std::string& name) {
  if (name == "markdown") return TableFormat::markdown;
  if (name == "csv") return TableFormat::csv;
  if (name == "json") return TableFormat::json;
  throw std::invalid_argument("table format '" + name + "': expected markdown, csv or json");
}

namespace {

struct Cell {
  bool present = false;
  double mean = 0.0;  // percent
  std::optional<double> std_dev;
  size_t n = 0;
  std::string text;  // a reference score as published
  std::vector<int64_t> seeds;
  std::vector<std::string> runs;
  bool best = false;
};

struct Row {
  bool reference = false;
  std::string label;
  std::string model_name, protocol, selection_rule, source;
  std::string parameters_text;            // the Backbone Parameters(M) cell, without "M"
  std::vector<double> parameters_m;       // unrounded, for CSV and JSON
  std::vector<int64_t> parameter_counts;  // ours only
  std::vector<Cell> cells;                // one per card column
  bool uniform_n = true;
  std::set<std::string> weights;  // ours: OWNER/NAME@COMMIT of the Hub models its runs used
};

std::string percent_text(double percent) {
  std::string text = fmt::format("{:.2f}", percent);
  return text == "-0.00" ? "0.00" : text;
}

// The card writes 22M, 9.4M, 302M: whole millions from 10M up, two
// significant digits below.
std::string millions_text(double millions) {
  return millions >= 10.0 ? fmt::format("{:.0f}", millions) : fmt::format("{:.2g}", millions);
}

std::string selection_words(const std::string& rule) { return rule == "dev" ? "dev-selected" : rule; }

// The displayed value, in hundredths of a percent, so that equal-looking cells tie for bold.
long long display_key(const Cell& cell) { return std::llround(cell.mean * 100.0); }

std::string cell_text(const Row& row, const Cell& cell) {
  if (!cell.present) return "";
  if (row.reference) return cell.text;
  std::string text = percent_text(cell.mean);
  if (cell.std_dev) text += " ± " + percent_text(*cell.std_dev);
  if (!row.uniform_n) text += fmt::format(" (n={})", cell.n);
  return text;
}

std::vector<Row> reference_rows(const ReferenceTable& reference) {
  std::vector<Row> rows;
  for (const auto& published : reference.rows) {
    Row row;
    row.reference = true;
    row.label = published.name;
    row.model_name = published.name;
    row.protocol = "standard";  // the card's own protocol, by definition
    row.selection_rule = reference.selection_rule;
    row.source = published.source;
    if (published.backbone_parameters_m) {
      row.parameters_text = published.backbone_parameters_text;
      row.parameters_m.push_back(*published.backbone_parameters_m);
    }
    for (const auto& column : card_columns()) {
      Cell cell;
      const auto score = published.scores.find(column.task);
      if (score != published.scores.end()) {
        cell.present = true;
        cell.mean = score->second.percent;
        cell.text = score->second.text;
        cell.n = static_cast<size_t>(reference.seeds);
      }
      row.cells.push_back(cell);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> our_rows(const std::vector<RunResult>& runs, std::map<std::string, size_t>& other_tasks) {
  std::map<std::string, size_t> column_of;
  for (size_t c = 0; c < card_columns().size(); ++c) column_of[card_columns()[c].task] = c;

  // Standard protocol and dev selection sort first within a model.
  using Key = std::tuple<std::string, bool, std::string, bool, std::string>;
  std::map<Key, std::vector<const RunResult*>> groups;
  for (const auto& run : runs) {
    if (column_of.count(run.task) == 0) {
      ++other_tasks[run.task];
      continue;
    }
    groups[{run.model_name, run.protocol != "standard", run.protocol, run.selection_rule != "dev", run.selection_rule}]
        .push_back(&run);
  }

  std::vector<Row> rows;
  for (const auto& [key, members] : groups) {
    Row row;
    row.model_name = std::get<0>(key);
    row.protocol = std::get<2>(key);
    row.selection_rule = std::get<4>(key);
    row.cells.resize(card_columns().size());
    std::vector<std::vector<double>> values(card_columns().size());
    std::set<int64_t> counts;
    for (const RunResult* run : members) {
      const size_t c = column_of.at(run->task);
      const CardColumn& column = card_columns()[c];
      Cell& cell = row.cells[c];
      for (size_t i = 0; i < cell.seeds.size(); ++i) {
        if (cell.seeds[i] == run->seed)
          throw std::runtime_error(
              fmt::format("two runs of {} with the same seed: {} and {}; keep one of them out of --results",
                          describe_run(run->task, run->model_name, run->seed, run->protocol, run->selection_rule),
                          cell.runs[i], run->path));
      }
      const auto metric = run->test.find(column.metric);
      if (metric == run->test.end())
        throw std::runtime_error(fmt::format("{}: field 'test.{}' is missing (the table's {} column reports it)",
                                             run->path, column.metric, column.label));
      values[c].push_back(metric->second * 100.0);
      cell.seeds.push_back(run->seed);
      cell.runs.push_back(run->path);
      if (run->backbone_parameters) counts.insert(*run->backbone_parameters);
      if (!run->weights.empty()) row.weights.insert(run->weights);
    }
    std::set<size_t> ns;
    for (size_t c = 0; c < values.size(); ++c) {
      if (values[c].empty()) continue;
      const Summary summary = summarize(values[c]);
      Cell& cell = row.cells[c];
      cell.present = true;
      cell.mean = summary.mean;
      cell.std_dev = summary.std_dev;
      cell.n = summary.n;
      ns.insert(summary.n);
    }
    row.uniform_n = ns.size() == 1;
    const std::string n_text =
        row.uniform_n ? fmt::format("n={}", *ns.begin()) : fmt::format("n={}–{}", *ns.begin(), *ns.rbegin());
    row.label = fmt::format("{} ({}{}, {})", row.model_name, row.protocol == "standard" ? "" : row.protocol + ", ",
                            selection_words(row.selection_rule), n_text);
    for (int64_t count : counts) {
      row.parameter_counts.push_back(count);
      row.parameters_m.push_back(static_cast<double>(count) / 1e6);
      row.parameters_text += (row.parameters_text.empty() ? "" : "/") + millions_text(count / 1e6);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Only rows measured like the card's compete for bold: the reference rows and
// our standard-protocol rows.
bool ranked(const Row& row) { return row.reference || row.protocol == "standard"; }

// A column with one value has no best: bold would only add noise.
void mark_best(std::vector<Row>& rows) {
  for (size_t c = 0; c < card_columns().size(); ++c) {
    std::vector<Cell*> cells;
    for (auto& row : rows)
      if (ranked(row) && row.cells[c].present) cells.push_back(&row.cells[c]);
    if (cells.size() < 2) continue;
    long long best = display_key(*cells.front());
    for (const Cell* cell : cells) best = std::max(best, display_key(*cell));
    for (Cell* cell : cells) cell->best = display_key(*cell) == best;
  }
}

std::vector<std::string> table_notes(const std::optional<ReferenceTable>& reference, const std::vector<Row>& ours,
                                     const std::map<std::string, size_t>& other_tasks) {
  std::vector<std::string> notes;
  notes.push_back("Scores are test-set percentages: accuracy, or Spearman for KorSTS. An empty cell has no run.");
  if (reference) {
    // Sources in the order the rows first cite them, as the card lists them.
    std::vector<std::string> order;
    std::map<std::string, std::vector<std::string>> names_by_source;
    for (const auto& row : reference->rows) {
      if (names_by_source.count(row.source) == 0) order.push_back(row.source);
      names_by_source[row.source].push_back(row.name);
    }
    std::string sources;
    for (const auto& key : order) {
      std::string list;
      for (const auto& name : names_by_source.at(key)) list += (list.empty() ? "" : ", ") + name;
      const ReferenceSource& source = reference->sources.at(key);
      sources += fmt::format("{}{} from [{}]({})", sources.empty() ? "" : "; ", list, source.title, source.url);
    }
    notes.push_back(fmt::format("Reference rows, from the [{}]({}): {}. Their selection rule is {}: {}.",
                                reference->card_title, reference->card_url, sources, reference->selection_rule,
                                reference->selection));
  }
  notes.push_back(
      "Our rows: the label gives the selection rule and n, the number of seeds. dev-selected: the checkpoint with the "
      "best dev score, evaluated on test; best-test: the best checkpoint on test (the published rows' rule, "
      "optimistic). ± is the sample standard deviation (n−1) over seeds; one seed shows no ±.");
  bool varying_n = false;
  std::set<std::string> protocols;
  for (const auto& row : ours) {
    varying_n = varying_n || !row.uniform_n;
    if (row.protocol != "standard") protocols.insert(row.protocol);
  }
  if (varying_n) notes.push_back("Where a row's tasks have different numbers of seeds, each cell gives its own n.");
  // Which weights made a row: a Hub model's id and the commit it resolved to.
  for (const auto& row : ours)
    if (!row.weights.empty()) notes.push_back(fmt::format("{}: weights {}.", row.label, fmt::join(row.weights, ", ")));
  std::string bold = "Bold: the best value of each column that holds two or more";
  if (!protocols.empty()) {
    std::string list;
    for (const auto& p : protocols) list += (list.empty() ? "" : ", ") + p;
    bold += fmt::format(
        " among the reference rows and our standard-protocol rows. Rows labelled with another protocol ({}) were not "
        "run as the card's were, are not comparable with it and are not ranked",
        list);
  }
  notes.push_back(bold + ".");
  if (!other_tasks.empty()) {
    std::string list;
    for (const auto& [task, count] : other_tasks)
      list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", task, count);
    notes.push_back("Runs of tasks outside the card's columns are not shown: " + list + ".");
  }
  return notes;
}

size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string escape_markdown(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// Our row reproduces a published one when the suite named the model as the
// card does (case aside: "KcBERT-Base" and "kcbert-base" are one model).
bool reproduces(const Row& ours, const Row& reference) {
  const auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  return !ours.reference && reference.reference && lower(ours.model_name) == lower(reference.model_name);
}

// The rows in display order: each reference row followed by our rows that
// reproduce it, then our other rows.
std::vector<Row> display_order(const std::vector<Row>& refs, const std::vector<Row>& ours) {
  std::vector<Row> out;
  std::vector<bool> placed(ours.size(), false);
  for (const auto& ref : refs) {
    out.push_back(ref);
    for (size_t i = 0; i < ours.size(); ++i)
      if (reproduces(ours[i], ref)) {
        out.push_back(ours[i]);
        placed[i] = true;
      }
  }
  for (size_t i = 0; i < ours.size(); ++i)
    if (!placed[i]) out.push_back(ours[i]);
  return out;
}

std::string render_markdown(const std::vector<Row>& refs, const std::vector<Row>& ours,
                            const std::vector<std::string>& notes) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header = {"", "Backbone<br/>Parameters(M)"};
  for (const auto& column : card_columns()) header.push_back(column.header);
  lines.push_back(header);
  const auto add = [&lines](const Row& row) {
    std::vector<std::string> line = {escape_markdown(row.label),
                                     row.parameters_text.empty() ? "" : row.parameters_text + "M"};
    for (const auto& cell : row.cells) {
      const std::string text = cell_text(row, cell);
      line.push_back(cell.best ? "**" + text + "**" : text);
    }
    lines.push_back(line);
  };
  // Our reproduction of a published row goes right under it; the rest of
  // ours (other models, or no reference) follow the separator.
  const std::vector<Row> rows = display_order(refs, ours);
  size_t rest = 0;  // the first of our rows that reproduces no published one
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].reference) {
      rest = i + 1;
      while (rest < rows.size() && reproduces(rows[rest], rows[i])) ++rest;
    }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == rest && !refs.empty()) {
      lines.push_back(std::vector<std::string>(header.size(), ""));
      lines.back()[0] = "Ours (deberta-bench)";
    }
    add(rows[i]);
  }

  std::vector<size_t> widths(header.size(), 3);
  for (const auto& line : lines)
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], display_width(line[i]));
  const auto pad = [](const std::string& text, size_t width) {
    return text + std::string(width - display_width(text), ' ');
  };
  std::string out;
  for (size_t l = 0; l < lines.size(); ++l) {
    out += "|";
    for (size_t i = 0; i < lines[l].size(); ++i) out += " " + pad(lines[l][i], widths[i]) + " |";
    out += "\n";
    if (l == 0) {
      out += "|";
      for (size_t i = 0; i < widths.size(); ++i)
        out += i == 0 ? ":" + std::string(widths[i] + 1, '-') + "|" : ":" + std::string(widths[i], '-') + ":|";
      out += "\n";
    }
  }
  out += "\n";
  for (const auto& note : notes) out += "- " + note + "\n";
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string render_csv(const std::vector<Row>& rows) {
  std::vector<std::string> header = {
      "row", "kind", "model", "protocol", "selection_rule", "source", "backbone_parameters_m"};
  for (const auto& column : card_columns()) {
    const std::string base = column.task + "_" + column.metric;
    header.insert(header.end(), {base, base + "_std", base + "_n"});
  }
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + header[i];
  out += "\n";
  for (const auto& row : rows) {
    std::vector<std::string> fields = {row.label,          row.reference ? "reference" : "ours",
                                       row.model_name,     row.protocol,
                                       row.selection_rule, row.source,
                                       row.parameters_text};
    for (const auto& cell : row.cells) {
      if (!cell.present) {
        fields.insert(fields.end(), {"", "", ""});
        continue;
      }
      fields.push_back(row.reference ? cell.text : percent_text(cell.mean));
      fields.push_back(cell.std_dev ? percent_text(*cell.std_dev) : "");
      fields.push_back(std::to_string(cell.n));
    }
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\n";
  }
  return out;
}

std::string render_json(const std::optional<ReferenceTable>& reference, const std::vector<Row>& rows,
                        const std::vector<std::string>& notes) {
  nlohmann::ordered_json out;
  out["unit"] = "percent";
  out["columns"] = nlohmann::ordered_json::array();
  for (const auto& column : card_columns())
    out["columns"].push_back({{"task", column.task}, {"metric", column.metric}, {"header", column.label}});
  if (reference) {
    nlohmann::ordered_json sources = nlohmann::ordered_json::object();
    for (const auto& [key, source] : reference->sources) sources[key] = {{"title", source.title}, {"url", source.url}};
    out["reference"] = {{"file", reference->path},
                        {"card", reference->card_title},
                        {"url", reference->card_url},
                        {"selection_rule", reference->selection_rule},
                        {"selection", reference->selection},
                        {"seeds", reference->seeds},
                        {"sources", sources}};
  } else {
    out["reference"] = nullptr;
  }
  out["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    nlohmann::ordered_json record;
    record["kind"] = row.reference ? "reference" : "ours";
    record["label"] = row.label;
    record["model"] = row.model_name;
    if (row.reference) record["source"] = row.source;
    record["protocol"] = row.protocol;
    record["selection_rule"] = row.selection_rule;
    if (!row.reference) {
      record["backbone_parameters"] = row.parameter_counts;
      record["weights"] = row.weights;
    }
    // Runs of one row that disagree on the count keep the list above and no single value here.
    record["backbone_parameters_m"] =
        row.parameters_m.size() == 1 ? nlohmann::ordered_json(row.parameters_m[0]) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json cells = nlohmann::ordered_json::object();
    for (size_t c = 0; c < card_columns().size(); ++c) {
      const Cell& cell = row.cells[c];
      if (!cell.present) {
        cells[card_columns()[c].task] = nullptr;
        continue;
      }
      nlohmann::ordered_json value = {{"n", cell.n}, {"mean", cell.mean}};
      value["std"] = cell.std_dev ? nlohmann::ordered_json(*cell.std_dev) : nlohmann::ordered_json(nullptr);
      value["best"] = cell.best;
      if (row.reference) {
        value["published"] = cell.text;
      } else {
        value["seeds"] = cell.seeds;
        value["runs"] = cell.runs;
      }
      cells[card_columns()[c].task] = value;
    }
    record["cells"] = cells;
    out["rows"].push_back(record);
  }
  out["notes"] = notes;
  return out.dump(2) + "\n";
}

}  // namespace

std::string render_table(const std::vector<RunResult>& runs, const std::optional<ReferenceTable>& reference,
                         TableFormat format) {
  std::map<std::string, size_t> other_tasks;
  std::vector<Row> refs = reference ? reference_rows(*reference) : std::vector<Row>{};
  std::vector<Row> ours = our_rows(runs, other_tasks);
  std::vector<Row> all = refs;
  all.insert(all.end(), ours.begin(), ours.end());
  mark_best(all);
  refs.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(refs.size()));
  ours.assign(all.begin() + static_cast<std::ptrdiff_t>(refs.size()), all.end());
  const auto notes = table_notes(reference, ours, other_tasks);
  switch (format) {
    case TableFormat::markdown:
      return render_markdown(refs, ours, notes);
    case TableFormat::csv:
      return render_csv(display_order(refs, ours));
    case TableFormat::json:
      return render_json(reference, display_order(refs, ours), notes);
  }
  return "";
}

}  // namespace deberta
