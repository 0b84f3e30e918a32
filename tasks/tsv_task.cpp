#include "tasks/tsv_task.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "util/text.h"

namespace deberta {
namespace {

class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
    // `what` quotes the file's text, which may hold a newline.
    throw std::invalid_argument(fmt::format("{}:{}: {}", path_, line, one_line(what)));
  }

  void require_map(const YAML::Node& node, const std::string& what, const std::set<std::string>& allowed) const {
    if (!node.IsMap()) fail(node, what + " must be a mapping");
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      if (allowed.count(key) == 0)
        fail(item.first, fmt::format("unknown key '{}' in {} (known keys: {})", key, what, fmt::join(allowed, ", ")));
    }
  }

  std::string string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, fmt::format("'{}' must be a single value", key));
    return node.as<std::string>();
  }

  int64_t integer(const YAML::Node& node, const std::string& key) const {
    const std::string text = string(node, key);
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0)
      fail(node, fmt::format("'{}' must be an integer >= 0, not '{}'", key, text));
    return value;
  }

  double number(const YAML::Node& node, const std::string& key) const {
    const std::string text = string(node, key);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
      fail(node, fmt::format("'{}' must be a number, not '{}'", key, text));
    return value;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) fail(node, fmt::format("'{}' must be a list", key));
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(string(item, key));
    return out;
  }

  // A plain number is a 0-based index; anything else, or a quoted number, is
  // a header name.
  ColumnRef column(const YAML::Node& node, const std::string& key) const {
    const std::string text = string(node, key);
    ColumnRef ref;
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (node.Tag() != "!" && !text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
      if (value < 0) fail(node, fmt::format("column '{}' must be a header name or an index >= 0", key));
      ref.index = value;
    } else {
      ref.name = text;
    }
    return ref;
  }

 private:
  std::string path_;
};

TaskSpec task_from_yaml(const YAML::Node& loaded, const std::string& yaml_path);

}  // namespace

TaskSpec load_tsv_task(const std::string& yaml_path) {
  std::error_code ec;
  if (!std::filesystem::exists(yaml_path, ec)) throw MissingFileError(yaml_path, yaml_path + ": task file not found");
  std::ifstream in(yaml_path, std::ios::binary);
  if (!in) throw std::invalid_argument(yaml_path + ": cannot open the task file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_tsv_task(text.str(), yaml_path);
}

TaskSpec parse_tsv_task(const std::string& yaml_text, const std::string& yaml_path) {
  YAML::Node loaded;
  try {
    loaded = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(fmt::format("{}:{}: not valid YAML: {}", yaml_path, e.mark.line + 1, one_line(e.msg)));
  }
  try {
    return task_from_yaml(loaded, yaml_path);
  } catch (const YAML::Exception& e) {
    // A key that is not a single value, say: yaml-cpp's message names no file.
    throw std::invalid_argument(fmt::format("{}:{}: {}", yaml_path, e.mark.line + 1, one_line(e.msg)));
  }
}

namespace {

TaskSpec task_from_yaml(const YAML::Node& loaded, const std::string& yaml_path) {
  // Const from here on: a non-const operator[] may add the keys it looks up.
  const YAML::Node root = loaded;
  const YamlReader yaml(yaml_path);
  yaml.require_map(root, "the task file",
                   {"name", "description", "splits", "dev_slice", "header", "num_fields", "columns", "labels",
                    "label_meanings", "score_range", "metrics", "headline", "max_seq_len"});
  for (const char* key : {"name", "description", "splits", "columns", "metrics"})
    if (!root[key]) yaml.fail(root, fmt::format("the task file needs '{}'", key));

  TaskSpec task;
  task.source = yaml_path;
  task.name = yaml.string(root["name"], "name");
  for (char c : task.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      yaml.fail(root["name"], "'name' may use only letters, digits, '-' and '_'");
  task.description = yaml.string(root["description"], "description");
  task.data_subdir =
      std::filesystem::absolute(std::filesystem::path(yaml_path).parent_path()).lexically_normal().string();

  const YAML::Node splits = root["splits"];
  yaml.require_map(splits, "'splits'", {"train", "dev", "test"});
  for (const char* name : {"train", "dev", "test"})
    if (splits[name]) task.splits.push_back({name, yaml.string(splits[name], name), false});
  if (const YAML::Node slice = root["dev_slice"]) {
    yaml.require_map(slice, "'dev_slice'", {"size", "seed"});
    if (splits["dev"]) yaml.fail(slice, "give either a dev file in 'splits' or 'dev_slice', not both");
    if (!slice["size"]) yaml.fail(slice, "'dev_slice' needs 'size'");
    // The dev rows are held out of the train file, which comes first.
    if (!splits["train"]) yaml.fail(slice, "'dev_slice' holds dev rows out of the train file: 'splits' needs 'train'");
    const int64_t seed = slice["seed"] ? yaml.integer(slice["seed"], "seed") : 42;
    task.options = dev_slice_options(yaml.integer(slice["size"], "size"), seed);
    task.splits.insert(task.splits.begin() + 1, SplitSpec{"dev", "", true});
  }

  if (const YAML::Node header = root["header"]) {
    if (header.IsSequence())
      task.reader.format.header = yaml.strings(header, "header");
    else if (yaml.string(header, "header") == "false")
      task.reader.format.has_header = false;
    else if (yaml.string(header, "header") != "true")
      yaml.fail(header, "'header' must be true, false or the list of column names");
  }
  if (const YAML::Node fields = root["num_fields"]) {
    if (task.reader.format.has_header) yaml.fail(fields, "'num_fields' is for files without a header");
    task.reader.format.num_fields = static_cast<size_t>(yaml.integer(fields, "num_fields"));
  }

  const YAML::Node columns = root["columns"];
  yaml.require_map(columns, "'columns'", {"text_a", "text_b", "label", "score"});
  if (!columns["text_a"]) yaml.fail(columns, "'columns' needs 'text_a'");
  task.reader.text_a = yaml.column(columns["text_a"], "text_a");
  if (columns["text_b"]) task.reader.text_b = yaml.column(columns["text_b"], "text_b");
  task.is_pair = task.reader.text_b.is_set();
  if (columns["label"].IsDefined() == columns["score"].IsDefined())
    yaml.fail(columns, "'columns' needs exactly one of 'label' (classification) and 'score' (regression)");
  if (columns["label"]) {
    task.reader.target = yaml.column(columns["label"], "label");
    if (!root["labels"]) yaml.fail(root, "a task with a label column needs 'labels', in index order");
    task.labels = yaml.strings(root["labels"], "labels");
    if (root["label_meanings"]) task.label_meanings = yaml.strings(root["label_meanings"], "label_meanings");
    if (root["score_range"]) yaml.fail(root["score_range"], "'score_range' is for a task with a score column");
  } else {
    task.reader.target = yaml.column(columns["score"], "score");
    if (root["labels"]) yaml.fail(root["labels"], "'labels' is for a task with a label column");
    if (root["label_meanings"]) yaml.fail(root["label_meanings"], "'label_meanings' is for a task with labels");
    if (const YAML::Node range = root["score_range"]) {
      if (!range.IsSequence() || range.size() != 2) yaml.fail(range, "'score_range' must be [min, max]");
      task.score_range = ScoreRange{yaml.number(range[0], "score_range"), yaml.number(range[1], "score_range")};
    }
  }

  task.metrics = yaml.strings(root["metrics"], "metrics");
  if (task.metrics.empty()) yaml.fail(root["metrics"], "'metrics' needs at least one metric");
  task.headline_metric = root["headline"] ? yaml.string(root["headline"], "headline") : task.metrics.front();
  if (root["max_seq_len"]) task.max_seq_len = static_cast<int>(yaml.integer(root["max_seq_len"], "max_seq_len"));

  try {
    validate_task(task);  // its messages name the task file through task.source
  } catch (const std::invalid_argument& e) {
    // They quote the file's labels and metrics, which may hold a newline.
    throw std::invalid_argument(one_line(e.what()));
  }
  return task;
}

}  // namespace

}  // namespace deberta
