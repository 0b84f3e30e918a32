// libFuzzer target for the TSV reader, alone and with each built-in task's
// format and rules. The first byte picks the reader: 0-4 a built-in task in
// registry order (with its boolean options from the second byte's bits),
// otherwise parse_tsv with a format from the second byte; the rest is the file.
#include <cstdint>
#include <string>

#include "data/tsv.h"
#include "fuzz_support.h"
#include "tasks/dataset.h"
#include "tasks/registry.h"

namespace {

const deberta::TaskRegistry& registry() {
  static const deberta::TaskRegistry tasks = deberta::builtin_tasks();
  return tasks;
}

void fuzz_task(const deberta::TaskSpec& task, uint8_t option_bits, std::string_view file) {
  using namespace deberta::fuzz;
  deberta::TaskOptions overrides;
  int bit = 0;
  for (const auto& option : task.options)
    if (option.type == deberta::OptionType::kBool)
      overrides[option.name] = (option_bits >> bit++) & 1 ? "true" : "false";
  const deberta::TaskOptions options = deberta::resolve_options(task, overrides);
  deberta::SplitData data;
  if (!parses([&] { deberta::read_examples(task, file, "fuzz/train.tsv", options, data); }, "fuzz/train.tsv")) return;
  for (const auto& example : data.examples) {
    require(example.line >= 1, "1-based lines");
    if (task.is_regression()) {
      require(!task.score_range || (example.score >= task.score_range->min && example.score <= task.score_range->max),
              "scores in the task's range");
    } else {
      require(example.label >= 0 && example.label < task.num_outputs(), "labels of the task");
    }
  }
}

void fuzz_reader(uint8_t format_bits, std::string_view file) {
  using namespace deberta::fuzz;
  deberta::TsvFormat format;
  format.has_header = format_bits & 1;
  if (format_bits & 2) format.header = {"id", "document", "label"};
  format.num_fields = format.has_header ? 0 : 1 + (format_bits >> 2) % 5;
  deberta::TsvTable table;
  if (!parses([&] { table = deberta::parse_tsv(file, "fuzz.tsv", format); }, "fuzz.tsv")) return;
  const size_t fields = format.has_header ? table.header.size() : format.num_fields;
  if (format.has_header && !format.header.empty()) require(table.header == format.header, "the expected header");
  int64_t previous = format.has_header ? 1 : 0;
  for (const auto& row : table.rows) {
    require(row.fields.size() == fields, "every row has the field count");
    require(row.line > previous, "rows in line order");
    previous = row.line;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view file = deberta::fuzz::bytes_of(data + 2, size - 2);
  const auto& tasks = registry().all();
  if (data[0] < tasks.size())
    fuzz_task(tasks[data[0]], data[1], file);
  else
    fuzz_reader(data[1], file);
  return 0;
}
