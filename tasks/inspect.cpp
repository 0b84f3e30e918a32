#include "tasks/inspect.h"

#include <algorithm>
#include <stdexcept>

#include "tasks/registry.h"

namespace deberta {
namespace {

// One path as a JSON string, several as an array (KorNLI with include_snli).
nlohmann::ordered_json one_or_many(const std::vector<std::string>& values) {
  if (values.size() == 1) return values.front();
  return values;
}

}  // namespace

nlohmann::ordered_json split_summary(const TaskSpec& task, const SplitData& split) {
  nlohmann::ordered_json out;
  std::vector<std::string> files, hashes;
  for (const auto& file : split.files) {
    files.push_back(file.path);
    hashes.push_back(file.sha256);
  }
  out["file"] = one_or_many(files);
  out["sha256"] = one_or_many(hashes);
  if (split.held_out_of_train) {
    out["from"] = "train";
    out["seed"] = split.slice_seed;
  }
  out["rows"] = split.examples.size();
  out["dropped"] = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : split.dropped) out["dropped"][reason] = count;

  if (task.is_regression()) {
    if (split.examples.empty()) {
      out["score_min"] = nullptr;
      out["score_max"] = nullptr;
    } else {
      const auto [lo, hi] = std::minmax_element(split.examples.begin(), split.examples.end(),
                                                [](const Example& a, const Example& b) { return a.score < b.score; });
      out["score_min"] = lo->score;
      out["score_max"] = hi->score;
    }
  } else {
    std::vector<int64_t> counts(task.labels.size(), 0);
    for (const auto& example : split.examples) ++counts.at(static_cast<size_t>(example.label));
    out["labels"] = nlohmann::ordered_json::object();
    for (size_t i = 0; i < task.labels.size(); ++i) out["labels"][task.labels[i]] = counts[i];
  }
  return out;
}

InspectReport inspect_data(const TaskSpec& task, const std::string& data_dir, const TaskOptions& options) {
  const TaskOptions resolved = resolve_options(task, options);
  InspectReport report;
  auto& json = report.json;
  json["task"] = task.name;
  json["data_dir"] = data_dir;
  json["options"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : resolved) {
    if (task.find_option(name)->type == OptionType::kBool)
      json["options"][name] = option_bool(resolved, name);
    else
      json["options"][name] = option_count(resolved, name);
  }
  json["splits"] = nlohmann::ordered_json::object();
  json["missing"] = nlohmann::ordered_json::array();

  const auto note_missing = [&](const MissingFileError& e, std::vector<std::string> splits) {
    report.missing.push_back(e.what());
    nlohmann::ordered_json entry;
    entry["file"] = e.file();
    entry["splits"] = std::move(splits);
    entry["fetch"] =
        task.fetch_command.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(task.fetch_command);
    json["missing"].push_back(entry);
  };

  const SplitSpec* dev = task.find_split("dev");
  const bool dev_from_train = dev != nullptr && dev->held_out_of_train;
  for (const auto& spec : task.splits) {
    if (spec.held_out_of_train) continue;  // it comes with train
    SplitData data;
    try {
      data = read_split(task, spec.name, data_dir, resolved);
    } catch (const MissingFileError& e) {
      std::vector<std::string> blocked{spec.name};
      if (spec.name == "train" && dev_from_train) blocked.push_back("dev");
      note_missing(e, blocked);
      continue;
    }
    if (spec.name == "train" && dev_from_train) {
      const int64_t size =
          dev_slice_rows(static_cast<int64_t>(data.examples.size()), option_count(resolved, kDevSliceSizeOption));
      TrainDevSplit parts = hold_out_dev(std::move(data), size, option_count(resolved, kDevSliceSeedOption));
      json["splits"]["train"] = split_summary(task, parts.train);
      json["splits"]["dev"] = split_summary(task, parts.dev);
      report.splits_read += 2;
    } else {
      json["splits"][spec.name] = split_summary(task, data);
      ++report.splits_read;
    }
  }
  return report;
}

int run_inspect_data(const std::string& task_argument, const std::string& data_dir_flag,
                     const std::vector<std::string>& option_assignments, std::ostream& out, std::ostream& err) {
  const TaskSpec task = resolve_task(task_argument);
  const InspectReport report =
      inspect_data(task, resolve_data_dir(data_dir_flag), parse_option_assignments(option_assignments));
  for (const auto& message : report.missing) err << "deberta-bench inspect-data: " << message << '\n';
  out << report.json.dump(2) << '\n';
  if (report.splits_read == 0) {
    err << "deberta-bench inspect-data: no split of task " << task.name << " could be read\n";
    return 1;
  }
  return 0;
}

void print_split_texts(const std::string& task_argument, const std::string& data_dir_flag,
                       const std::vector<std::string>& option_assignments, const std::string& split,
                       std::ostream& out) {
  const TaskSpec task = resolve_task(task_argument);
  const SplitData data =
      load_split(task, split, resolve_data_dir(data_dir_flag), parse_option_assignments(option_assignments));
  for (const auto& example : data.examples) {
    out << example.text_a << '\n';
    if (example.text_b && !example.text_b->empty()) out << *example.text_b << '\n';
  }
}

}  // namespace deberta
