#include "tasks/dataset.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>

#include "data/random.h"
#include "data/sha256.h"
#include "data/tsv.h"

namespace deberta {
namespace {

std::string missing_file_hint(const TaskSpec& task) {
  if (task.fetch_command.empty()) return fmt::format("check the paths in {}", task.source);
  return fmt::format(
      "fetch it with `{0}` (or `scripts/fetch-data.sh --from DIR {1}` from a local copy), or point --data-dir or "
      "DEBERTA_BENCH_DATA at a directory that has it",
      task.fetch_command, task.name);
}

// The 0-based index of `column` in a file with `table`'s header.
size_t column_index(const ColumnRef& column, const TsvTable& table, size_t num_fields) {
  if (!column.name.empty()) {
    const auto it = std::find(table.header.begin(), table.header.end(), column.name);
    if (it == table.header.end())
      throw DataError(fmt::format("{}:1: the header has no column named '{}' (it has: {})", table.file, column.name,
                                  fmt::join(table.header, ", ")));
    return static_cast<size_t>(it - table.header.begin());
  }
  if (static_cast<size_t>(column.index) >= num_fields)
    throw DataError(fmt::format("{}: the task reads column {}, but the file has {} fields", table.file,
                                column.index + 1, num_fields));
  return static_cast<size_t>(column.index);
}

double parse_score(const std::string& text, const TaskSpec& task, const TsvTable& table, int64_t line, size_t column) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value))
    throw DataError(
        fmt::format("{}:{}: field {}: '{}' is not a number", table.file, line, table.field_name(column), text));
  if (task.score_range && (value < task.score_range->min || value > task.score_range->max))
    throw DataError(fmt::format("{}:{}: field {}: score {} is outside the task's range {} to {}", table.file, line,
                                table.field_name(column), text, task.score_range->min, task.score_range->max));
  return value;
}

int parse_label(const std::string& text, const TaskSpec& task, const TsvTable& table, int64_t line, size_t column) {
  const auto it = std::find(task.labels.begin(), task.labels.end(), text);
  if (it == task.labels.end())
    throw DataError(fmt::format("{}:{}: field {}: '{}' is not a label of task {} (expected one of: {})", table.file,
                                line, table.field_name(column), text, task.name, fmt::join(task.labels, ", ")));
  return static_cast<int>(it - task.labels.begin());
}

// Appends the examples of one file to `data`.
void read_file_into(const TaskSpec& task, const std::string& path, const TaskOptions& options, SplitData& data) {
  read_examples(task, read_file_bytes(path, missing_file_hint(task)), path, options, data);
}

}  // namespace

void read_examples(const TaskSpec& task, std::string_view bytes, const std::string& path, const TaskOptions& options,
                   SplitData& data) {
  const TsvTable table = parse_tsv(bytes, path, task.reader.format);
  data.files.push_back(SourceFile{path, sha256_hex(bytes), static_cast<int64_t>(table.rows.size())});

  const size_t num_fields = table.header.empty() ? task.reader.format.num_fields : table.header.size();
  const size_t a = column_index(task.reader.text_a, table, num_fields);
  const size_t target = column_index(task.reader.target, table, num_fields);
  const bool pair = task.reader.text_b.is_set();
  const size_t b = pair ? column_index(task.reader.text_b, table, num_fields) : 0;

  for (const TsvRow& row : table.rows) {
    Example example;
    example.line = row.line;
    example.text_a = row.fields[a];
    if (pair) example.text_b = row.fields[b];
    if (task.is_regression())
      example.score = parse_score(row.fields[target], task, table, row.line, target);
    else
      example.label = parse_label(row.fields[target], task, table, row.line, target);

    std::string drop_reason;
    if (task.row_rule) {
      try {
        drop_reason = task.row_rule(example, options);
      } catch (const FieldError& e) {
        throw DataError(fmt::format("{}:{}: field {}: {}", path, row.line,
                                    table.field_name(static_cast<size_t>(e.column())), e.what()));
      }
    }
    if (drop_reason.empty())
      data.examples.push_back(std::move(example));
    else
      ++data.dropped[drop_reason];
  }
}

namespace {

const SplitSpec& require_split(const TaskSpec& task, const std::string& split) {
  const SplitSpec* spec = task.find_split(split);
  if (spec == nullptr) throw std::invalid_argument(fmt::format("task {} has no split '{}'", task.name, split));
  return *spec;
}

bool has_held_out_dev(const TaskSpec& task) {
  const SplitSpec* dev = task.find_split("dev");
  return dev != nullptr && dev->held_out_of_train;
}

TrainDevSplit split_train(const TaskSpec& task, const std::string& data_dir, const TaskOptions& options) {
  SplitData train = read_split(task, "train", data_dir, options);
  const int64_t size =
      dev_slice_rows(static_cast<int64_t>(train.examples.size()), option_count(options, kDevSliceSizeOption));
  return hold_out_dev(std::move(train), size, option_count(options, kDevSliceSeedOption));
}

}  // namespace

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("DEBERTA_BENCH_DATA");
  if (env != nullptr && *env != '\0') return env;
  return "data";
}

std::string task_file_path(const TaskSpec& task, const std::string& data_dir, const std::string& file) {
  return (std::filesystem::path(data_dir) / task.data_subdir / file).lexically_normal().string();
}

std::vector<std::string> split_file_paths(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                                          const TaskOptions& options) {
  const SplitSpec& spec = require_split(task, split);
  if (spec.held_out_of_train) return split_file_paths(task, "train", data_dir, options);
  const std::vector<std::string> files =
      task.split_files ? task.split_files(spec, options) : std::vector<std::string>{spec.default_file};
  std::vector<std::string> paths;
  for (const auto& file : files) paths.push_back(task_file_path(task, data_dir, file));
  return paths;
}

SplitData read_split(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                     const TaskOptions& options) {
  const SplitSpec& spec = require_split(task, split);
  if (spec.held_out_of_train)
    throw std::invalid_argument(
        fmt::format("task {}: split {} is held out of train and has no file of its own", task.name, split));
  SplitData data;
  data.name = split;
  for (const auto& path : split_file_paths(task, split, data_dir, options)) read_file_into(task, path, options, data);
  return data;
}

int64_t dev_slice_rows(int64_t train_rows, int64_t requested) { return std::min(requested, train_rows / 10); }

TrainDevSplit hold_out_dev(SplitData train, int64_t size, int64_t seed) {
  const size_t n = train.examples.size();
  if (size < 0 || static_cast<size_t>(size) > n)
    throw std::invalid_argument(fmt::format("a dev slice of {} rows cannot come out of {} train rows", size, n));
  const size_t k = static_cast<size_t>(size);

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  for (size_t i = 0; i < k; ++i) std::swap(order[i], order[i + uniform_below(rng, n - i)]);
  std::vector<bool> in_dev(n, false);
  for (size_t i = 0; i < k; ++i) in_dev[order[i]] = true;

  TrainDevSplit out;
  out.dev.name = "dev";
  out.dev.files = train.files;
  out.dev.held_out_of_train = true;
  out.dev.slice_seed = seed;
  out.train.name = train.name;
  out.train.files = train.files;
  out.train.dropped = train.dropped;
  for (size_t i = 0; i < n; ++i) (in_dev[i] ? out.dev : out.train).examples.push_back(std::move(train.examples[i]));
  return out;
}

SplitData load_split(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                     const TaskOptions& options) {
  const TaskOptions resolved = resolve_options(task, options);
  const SplitSpec& spec = require_split(task, split);
  if (spec.held_out_of_train) return split_train(task, data_dir, resolved).dev;
  if (split == "train" && has_held_out_dev(task)) return split_train(task, data_dir, resolved).train;
  return read_split(task, split, data_dir, resolved);
}

std::vector<SplitData> load_task_data(const TaskSpec& task, const std::string& data_dir, const TaskOptions& options) {
  const TaskOptions resolved = resolve_options(task, options);
  std::optional<TrainDevSplit> train_dev;
  if (has_held_out_dev(task)) train_dev = split_train(task, data_dir, resolved);
  std::vector<SplitData> splits;
  for (const auto& spec : task.splits) {
    if (train_dev && spec.name == "train")
      splits.push_back(std::move(train_dev->train));
    else if (train_dev && spec.name == "dev")
      splits.push_back(std::move(train_dev->dev));
    else
      splits.push_back(read_split(task, spec.name, data_dir, resolved));
  }
  return splits;
}

TrainDevSplit split_dev_file_offline(SplitData dev_file, int64_t seed) {
  const int64_t rows = static_cast<int64_t>(dev_file.examples.size());
  TrainDevSplit parts = hold_out_dev(std::move(dev_file), dev_slice_rows(rows, rows / 10), seed);
  parts.train.name = "train";
  parts.dev.name = "dev";
  return parts;
}

}  // namespace deberta
