#include "tasks/task.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

namespace deberta {
namespace {

bool parse_count(const std::string& text, int64_t& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end && value >= 0;
}

void check_option_value(const TaskSpec& task, const OptionSpec& option, const std::string& value) {
  if (option.type == OptionType::kBool) {
    if (value != "true" && value != "false")
      throw std::invalid_argument(
          fmt::format("task {}: option {} must be true or false, not '{}'", task.name, option.name, value));
    return;
  }
  int64_t count = 0;
  if (!parse_count(value, count))
    throw std::invalid_argument(
        fmt::format("task {}: option {} must be an integer >= 0, not '{}'", task.name, option.name, value));
}

bool is_metric(std::string_view name, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

}  // namespace

std::vector<OptionSpec> dev_slice_options(int64_t default_size, int64_t default_seed) {
  return {{kDevSliceSizeOption, OptionType::kCount, std::to_string(default_size),
           "rows of train held out as dev (at most a tenth of train)"},
          {kDevSliceSeedOption, OptionType::kCount, std::to_string(default_seed), "seed that picks the dev rows"}};
}

std::string ColumnRef::describe() const {
  return name.empty() ? fmt::format("column {}", index + 1) : fmt::format("'{}'", name);
}

const SplitSpec* TaskSpec::find_split(std::string_view split_name) const {
  for (const auto& split : splits)
    if (split.name == split_name) return &split;
  return nullptr;
}

const OptionSpec* TaskSpec::find_option(std::string_view option_name) const {
  for (const auto& option : options)
    if (option.name == option_name) return &option;
  return nullptr;
}

std::string TaskSpec::label_display(size_t index) const {
  if (index < label_meanings.size() && !label_meanings[index].empty())
    return fmt::format("{} ({})", labels.at(index), label_meanings[index]);
  return labels.at(index);
}

void validate_task(const TaskSpec& task) {
  const auto fail = [&](const std::string& what) {
    throw std::invalid_argument(fmt::format("task '{}' ({}): {}", task.name, task.source, what));
  };
  if (task.name.empty()) fail("it needs a name");
  if (task.description.empty()) fail("it needs a one-line description");
  if (task.description.find('\n') != std::string::npos) fail("the description must be one line");

  std::set<std::string> split_names;
  for (const auto& split : task.splits) {
    if (split.name != "train" && split.name != "dev" && split.name != "test")
      fail(fmt::format("split '{}' is not one of train, dev, test", split.name));
    if (!split_names.insert(split.name).second) fail(fmt::format("split '{}' is declared twice", split.name));
    if (split.held_out_of_train && split.name != "dev") fail("only the dev split can be held out of train");
    if (split.held_out_of_train != split.default_file.empty())
      fail(fmt::format("split '{}' needs either a file or to be held out of train, not both", split.name));
  }
  if (split_names.count("train") == 0 || split_names.count("test") == 0) fail("it needs a train and a test split");
  const SplitSpec* dev = task.find_split("dev");
  if (dev == nullptr) fail("it needs a dev split: a file, or a slice held out of train");
  if (dev->held_out_of_train &&
      (task.find_option(kDevSliceSizeOption) == nullptr || task.find_option(kDevSliceSeedOption) == nullptr))
    fail("a dev slice held out of train needs the dev_slice_size and dev_slice_seed options");

  const ReaderSpec& reader = task.reader;
  if (!reader.text_a.is_set()) fail("the reader needs a text_a column");
  if (!reader.target.is_set()) fail("the reader needs a label or score column");
  if (task.is_pair != reader.text_b.is_set()) fail("is_pair must match whether the reader has a text_b column");
  if (!reader.format.has_header && reader.format.num_fields == 0)
    fail("a file without a header needs its field count declared");
  if (!reader.format.has_header)
    for (const ColumnRef* column : {&reader.text_a, &reader.text_b, &reader.target})
      if (!column->name.empty()) fail("columns can be named only when the files have a header");

  if (task.is_regression()) {
    if (!task.label_meanings.empty()) fail("a regression task has no label meanings");
    if (task.score_range && !(task.score_range->min < task.score_range->max)) fail("the score range needs min < max");
  } else {
    if (task.labels.size() < 2) fail("a classification task needs at least 2 labels");
    if (std::set<std::string>(task.labels.begin(), task.labels.end()).size() != task.labels.size())
      fail("a label is listed twice");
    if (!task.label_meanings.empty() && task.label_meanings.size() != task.labels.size())
      fail("label meanings must be one per label");
    if (task.score_range) fail("a classification task has no score range");
  }

  if (task.metrics.empty()) fail("it needs at least one metric");
  for (const auto& metric : task.metrics) {
    const bool ok = task.is_regression() ? is_metric(metric, {kMetricPearson, kMetricSpearman})
                                         : is_metric(metric, {kMetricAccuracy, kMetricMacroF1});
    if (!ok)
      fail(fmt::format("metric '{}' does not apply; {} tasks use {}", metric,
                       task.is_regression() ? "regression" : "classification",
                       task.is_regression() ? "pearson, spearman" : "accuracy, macro_f1"));
  }
  if (std::find(task.metrics.begin(), task.metrics.end(), task.headline_metric) == task.metrics.end())
    fail(fmt::format("the headline metric '{}' is not among its metrics", task.headline_metric));
  if (task.max_seq_len < 8) fail("max_seq_len must be at least 8");

  std::set<std::string> option_names;
  for (const auto& option : task.options) {
    if (!option_names.insert(option.name).second) fail(fmt::format("option '{}' is declared twice", option.name));
    check_option_value(task, option, option.default_value);
  }
}

TaskOptions resolve_options(const TaskSpec& task, const TaskOptions& overrides) {
  TaskOptions resolved;
  for (const auto& option : task.options) resolved[option.name] = option.default_value;
  for (const auto& [name, value] : overrides) {
    const OptionSpec* option = task.find_option(name);
    if (option == nullptr) {
      std::vector<std::string> known;
      for (const auto& o : task.options) known.push_back(o.name);
      throw std::invalid_argument(fmt::format("task {} has no option '{}'; its options are: {}", task.name, name,
                                              known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
    }
    check_option_value(task, *option, value);
    resolved[name] = value;
  }
  return resolved;
}

TaskOptions parse_option_assignments(const std::vector<std::string>& assignments) {
  TaskOptions options;
  for (const auto& assignment : assignments) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument(fmt::format("option '{}' must be written KEY=VALUE", assignment));
    options[assignment.substr(0, eq)] = assignment.substr(eq + 1);
  }
  return options;
}

bool option_bool(const TaskOptions& options, const std::string& name) {
  const auto it = options.find(name);
  if (it == options.end()) throw std::invalid_argument("option " + name + " is not set");
  return it->second == "true";
}

int64_t option_count(const TaskOptions& options, const std::string& name) {
  const auto it = options.find(name);
  int64_t value = 0;
  if (it == options.end() || !parse_count(it->second, value))
    throw std::invalid_argument("option " + name + " is not set to an integer >= 0");
  return value;
}

}  // namespace deberta
