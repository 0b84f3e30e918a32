// NSMC: Naver movie review sentiment, single text, binary.
#include <string>
#include <string_view>

#include "tasks/builtin_tasks.h"

namespace deberta {
namespace {

constexpr int kDocumentColumn = 1;

// Undoes one level of CSV quoting: "a ""b""" -> a "b".
std::string csv_unquote(std::string_view field) {
  if (field.size() < 2 || field.front() != '"' || field.back() != '"')
    throw FieldError(kDocumentColumn, "starts with a quote but is not CSV-quoted twice (unquote option)");
  std::string out;
  const std::string_view inner = field.substr(1, field.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '"') {
      if (i + 1 == inner.size() || inner[i + 1] != '"')
        throw FieldError(kDocumentColumn, "has a lone quote inside its CSV quoting (unquote option)");
      ++i;
    }
    out.push_back(inner[i]);
  }
  return out;
}

}  // namespace

TaskSpec nsmc_task() {
  TaskSpec task;
  task.name = "nsmc";
  task.description = "Naver movie review sentiment (NSMC v1.0): single text, negative or positive";
  task.data_subdir = "nsmc/";
  // There is no dev file: dev is a seeded slice of train.
  task.splits = {{"train", "ratings_train.txt", false}, {"dev", "", true}, {"test", "ratings_test.txt", false}};
  task.is_pair = false;
  task.reader.format.header = {"id", "document", "label"};
  task.reader.text_a.index = kDocumentColumn;
  task.reader.target.index = 2;
  task.labels = {"0", "1"};
  task.label_meanings = {"negative", "positive"};
  task.metrics = {"accuracy"};
  task.headline_metric = "accuracy";
  task.max_seq_len = 128;
  task.options = {{"unquote", OptionType::kBool, "false",
                   "undo the double CSV quoting of documents that contain '\"' (default: the raw field, as KoELECTRA "
                   "and KcBERT read it)"}};
  for (auto& option : dev_slice_options(5000, 42)) task.options.push_back(option);
  // Upstream pandas wrote the files twice, so a document with a quote is
  // quoted twice; the reference harnesses train on that raw text, so the
  // raw field is the default and unquoting is opt-in.
  task.row_rule = [](Example& example, const TaskOptions& options) -> std::string {
    if (option_bool(options, "unquote") && !example.text_a.empty() && example.text_a.front() == '"')
      example.text_a = csv_unquote(csv_unquote(example.text_a));
    return "";
  };
  task.fetch_command = "scripts/fetch-data.sh nsmc";
  return task;
}

}  // namespace deberta
