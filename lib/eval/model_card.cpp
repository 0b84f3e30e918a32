#include "eval/model_card.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>
#include <stdexcept>

#include "util/yaml_file.h"

namespace deberta {

const std::vector<CardColumn>& card_columns() {
  static const std::vector<CardColumn> columns = {
      {"nsmc", "accuracy", "**NSMC**<br/>(acc)", "NSMC (acc)"},
      {"paws", "accuracy", "**PAWS**<br/>(acc)", "PAWS (acc)"},
      {"kornli", "accuracy", "**KorNLI**<br/>(acc)", "KorNLI (acc)"},
      {"korsts", "spearman", "**KorSTS**<br/>(spearman)", "KorSTS (spearman)"},
      {"question_pair", "accuracy", "**Question Pair**<br/>(acc)", "Question Pair (acc)"},
  };
  return columns;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const auto mark = node.Mark();
    if (mark.line >= 0) throw std::runtime_error(fmt::format("{}:{}: {}", path_, mark.line + 1, message));
    throw std::runtime_error(fmt::format("{}: {}", path_, message));
  }

  YAML::Node require(const YAML::Node& map, const std::string& key, const std::string& where) const {
    const YAML::Node value = map[key];
    if (!value) fail(map, fmt::format("{}: field '{}' is missing", where, key));
    return value;
  }

  std::string scalar(const YAML::Node& map, const std::string& key, const std::string& where) const {
    const YAML::Node value = require(map, key, where);
    if (!value.IsScalar() || value.Scalar().empty())
      fail(value, fmt::format("{}: field '{}' must be a non-empty string", where, key));
    return value.Scalar();
  }

  double number(const YAML::Node& value, const std::string& where) const {
    if (!value.IsScalar()) fail(value, where + " must be a number");
    const std::string& text = value.Scalar();
    size_t used = 0;
    double parsed = 0.0;
    try {
      parsed = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(parsed))
      fail(value, fmt::format("{} must be a number, not '{}'", where, text));
    return parsed;
  }

  void only_keys(const YAML::Node& map, const std::set<std::string>& keys, const std::string& where) const {
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      if (keys.count(key) == 0) {
        std::string valid;
        for (const auto& k : keys) valid += (valid.empty() ? "" : ", ") + k;
        fail(entry.first, fmt::format("{}: unknown field '{}' (the fields are {})", where, key, valid));
      }
    }
  }

 private:
  std::string path_;
};

}  // namespace

ReferenceTable load_reference(const std::string& path) {
  const YAML::Node root = load_yaml_file(path, "cannot read the reference file");
  const Reader r(path);
  if (!root.IsMap()) r.fail(root, "expected a mapping with version, card, selection_rule, sources and rows");
  r.only_keys(root, {"version", "card", "selection_rule", "selection", "seeds", "sources", "rows"}, "the file");

  ReferenceTable table;
  table.path = path;
  const YAML::Node version = r.require(root, "version", "the file");
  if (r.number(version, "field 'version'") != 1) r.fail(version, "field 'version': only version 1 is understood");
  const YAML::Node card = r.require(root, "card", "the file");
  if (!card.IsMap()) r.fail(card, "field 'card' must be a mapping with title and url");
  table.card_title = r.scalar(card, "title", "card");
  table.card_url = r.scalar(card, "url", "card");
  table.selection_rule = r.scalar(root, "selection_rule", "the file");
  table.selection = r.scalar(root, "selection", "the file");
  table.seeds = static_cast<int>(r.number(r.require(root, "seeds", "the file"), "field 'seeds'"));

  const YAML::Node sources = r.require(root, "sources", "the file");
  if (!sources.IsMap()) r.fail(sources, "field 'sources' must map a source key to its title and url");
  for (const auto& entry : sources) {
    const std::string key = entry.first.as<std::string>();
    const std::string where = "sources." + key;
    if (!entry.second.IsMap()) r.fail(entry.second, where + " must be a mapping with title and url");
    r.only_keys(entry.second, {"title", "url"}, where);
    table.sources[key] = {r.scalar(entry.second, "title", where), r.scalar(entry.second, "url", where)};
  }

  std::set<std::string> tasks;
  std::string task_list;
  for (const auto& column : card_columns()) {
    tasks.insert(column.task);
    task_list += (task_list.empty() ? "" : ", ") + column.task;
  }
  const YAML::Node rows = r.require(root, "rows", "the file");
  if (!rows.IsSequence() || rows.size() == 0) r.fail(rows, "field 'rows' must be a non-empty list");
  std::set<std::string> names;
  for (size_t i = 0; i < rows.size(); ++i) {
    const YAML::Node row = rows[i];
    std::string where = fmt::format("rows[{}]", i);
    if (!row.IsMap()) r.fail(row, where + " must be a mapping");
    ReferenceRow out;
    out.name = r.scalar(row, "name", where);
    where += " (" + out.name + ")";
    if (!names.insert(out.name).second) r.fail(row, where + ": the name appears twice");
    r.only_keys(row, {"name", "source", "backbone_parameters_m", "scores"}, where);
    out.source = r.scalar(row, "source", where);
    if (table.sources.count(out.source) == 0)
      r.fail(row["source"], fmt::format("{}: field 'source': '{}' is not one of sources", where, out.source));
    if (const YAML::Node params = row["backbone_parameters_m"]) {
      out.backbone_parameters_m = r.number(params, where + ": field 'backbone_parameters_m'");
      out.backbone_parameters_text = params.Scalar();
    }
    const YAML::Node scores = r.require(row, "scores", where);
    if (!scores.IsMap()) r.fail(scores, where + ": field 'scores' must map a task to its score");
    for (const auto& entry : scores) {
      const std::string task = entry.first.as<std::string>();
      if (tasks.count(task) == 0)
        r.fail(entry.first,
               fmt::format("{}: unknown task column '{}' in scores (the columns are {})", where, task, task_list));
      const std::string field = fmt::format("{}: field 'scores.{}'", where, task);
      const double percent = r.number(entry.second, field);
      if (percent < -100.0 || percent > 100.0)
        r.fail(entry.second, fmt::format("{} is {}, outside the percentages -100 to 100", field, percent));
      out.scores[task] = {percent, entry.second.Scalar()};
    }
    table.rows.push_back(std::move(out));
  }
  return table;
}

}  // namespace deberta
