// What a task plugin declares. One plugin per benchmark lives beside this file;
// dataset.h turns a TaskSpec and a data directory into examples.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/example.h"
#include "data/tsv.h"

namespace deberta {

struct SplitSpec {
  std::string name;                // train, dev or test
  std::string default_file;        // relative to the task's data directory; empty for a held-out slice
  bool held_out_of_train = false;  // a seeded slice of train, for a task without a dev file
};

// Option values by name, as a config's `data:` section or `--option` sets
// them. resolve_options() fills in the defaults and checks every value.
using TaskOptions = std::map<std::string, std::string>;

enum class OptionType {
  kBool,   // true or false
  kCount,  // an integer >= 0
};

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::kBool;
  std::string default_value;
  std::string help;  // one line, shown by `deberta-bench tasks`
};

// The options of a task that holds a dev slice out of train.
inline constexpr const char* kDevSliceSizeOption = "dev_slice_size";
inline constexpr const char* kDevSliceSeedOption = "dev_slice_seed";
std::vector<OptionSpec> dev_slice_options(int64_t default_size, int64_t default_seed);

// A column of the data files: a header name, or a 0-based index.
struct ColumnRef {
  std::string name;
  int index = -1;
  bool is_set() const { return index >= 0 || !name.empty(); }
  std::string describe() const;  // "'score'" or "column 5"
};

struct ReaderSpec {
  TsvFormat format;  // header and field count, checked on every line
  ColumnRef text_a;
  ColumnRef text_b;  // unset for a single-text task
  ColumnRef target;  // the label (classification) or the score (regression)
};

struct ScoreRange {
  double min = 0.0;
  double max = 0.0;
};

// Looks at one parsed row and returns why it is dropped, or "" to keep it.
// It may rewrite the texts (NSMC's unquote option). It throws FieldError for a
// field it cannot accept; the loader adds the file and the line.
using RowRule = std::function<std::string(Example& example, const TaskOptions& options)>;

// The files a split reads, relative to the task's data directory, when an
// option changes them (KorNLI's include_snli).
using SplitFiles = std::function<std::vector<std::string>(const SplitSpec& split, const TaskOptions& options)>;

// The metric names that lib/eval computes.
inline constexpr std::string_view kMetricAccuracy = "accuracy";
inline constexpr std::string_view kMetricMacroF1 = "macro_f1";
inline constexpr std::string_view kMetricPearson = "pearson";
inline constexpr std::string_view kMetricSpearman = "spearman";

struct TaskSpec {
  std::string name;
  std::string description;  // one line, shown by `deberta-bench tasks`
  std::string data_subdir;  // e.g. nsmc/, under --data-dir; an absolute path ignores --data-dir
  std::vector<SplitSpec> splits;
  bool is_pair = false;  // sentence pair, or a single text
  ReaderSpec reader;
  std::vector<std::string> labels;          // the label column's values, in index order; empty means regression
  std::vector<std::string> label_meanings;  // optional, one per label: what the label means
  std::optional<ScoreRange> score_range;    // regression: scores outside it are an error
  std::vector<std::string> metrics;
  std::string headline_metric;  // the model-card column
  int max_seq_len = 128;
  std::vector<OptionSpec> options;
  RowRule row_rule;                // empty: every row is kept
  SplitFiles split_files;          // empty: a split reads its default_file
  std::string fetch_command;       // the command that fetches missing files; empty for user data
  std::string source = "builtin";  // "builtin", or the YAML file that defined the task

  bool is_regression() const { return labels.empty(); }
  // The head's outputs: one per label, or 1 for regression.
  int num_outputs() const { return is_regression() ? 1 : static_cast<int>(labels.size()); }
  const SplitSpec* find_split(std::string_view split_name) const;
  const OptionSpec* find_option(std::string_view option_name) const;
  // The label with its meaning when there is one: "0 (same question)".
  std::string label_display(size_t index) const;
};

// Checks that a spec is complete and consistent; throws std::invalid_argument
// naming the task and what is wrong.
void validate_task(const TaskSpec& task);

// Every option of the task, with `overrides` applied over the defaults.
// Throws std::invalid_argument for an unknown option or a bad value.
TaskOptions resolve_options(const TaskSpec& task, const TaskOptions& overrides = {});

// Parses KEY=VALUE strings (the CLI's --option). Throws std::invalid_argument.
TaskOptions parse_option_assignments(const std::vector<std::string>& assignments);

// Typed reads of a resolved option; throw std::invalid_argument when absent.
bool option_bool(const TaskOptions& options, const std::string& name);
int64_t option_count(const TaskOptions& options, const std::string& name);

}  // namespace deberta
