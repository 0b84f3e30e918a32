// The model-card table (deberta-bench table) and its reference rows.
#include <catch2/catch.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "eval/model_card.h"
#include "eval/run_results.h"
#include "eval/table.h"
#include "report_support.h"
#include "util/resources.h"

using deberta::test::FakeRun;
using deberta::test::run_cli;
using deberta::test::ScratchDir;
using deberta::test::write_fake_run;

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// The cells of a Markdown table line, trimmed, without the outer pipes.
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line.substr(1));
  std::string cell;
  while (std::getline(stream, cell, '|')) cells.push_back(trim(cell));
  if (!cells.empty() && cells.back().empty() && line.back() != '|') cells.pop_back();
  return cells;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

// The table row whose label starts with `label`; fails the test when there is none.
std::vector<std::string> row_starting(const std::string& table, const std::string& label) {
  for (const auto& line : lines_of(table)) {
    if (line.rfind("|", 0) == 0 && cells_of(line).at(0).rfind(label, 0) == 0) return cells_of(line);
  }
  FAIL("expected a table row labelled '" << label << "...' in:\n" << table);
  return {};
}

// Column indices of a table row: label, parameters, then the card's five tasks.
constexpr size_t kNsmc = 2, kPaws = 3, kKornli = 4, kKorsts = 5, kQuestionPair = 6;

std::string markdown_of(const ScratchDir& dir, bool with_reference) {
  const auto runs = deberta::find_run_results({dir.path()});
  std::optional<deberta::ReferenceTable> reference;
  if (with_reference) reference = deberta::load_reference(deberta::default_reference_path());
  return deberta::render_table(runs, reference, deberta::TableFormat::markdown);
}

}  // namespace

TEST_CASE("table groups the seeds of a model and task into mean and sample std with n") {
  ScratchDir dir;
  for (const auto& [seed, accuracy] : {std::pair{1, 0.70}, std::pair{2, 0.72}, std::pair{3, 0.74}}) {
    FakeRun run;
    run.seed = seed;
    run.test = accuracy;
    write_fake_run(dir, "nsmc-seed" + std::to_string(seed), run);
  }
  const std::string table = markdown_of(dir, false);
  INFO(table);
  const auto row = row_starting(table, "tiny-default");
  CHECK(row[0] == "tiny-default (dev-selected, n=3)");
  // mean 72.00; sample std sqrt(((-2)^2 + 0 + 2^2) / (3 - 1)) = 2.00 (the population std would be 1.63)
  CHECK(row[kNsmc] == "72.00 ± 2.00");
  CHECK(table.find("sample standard deviation (n−1)") != std::string::npos);
}

TEST_CASE("table names the Hub model and commit that made a row") {
  ScratchDir dir;
  for (const int seed : {1, 2}) {
    FakeRun run;
    run.seed = seed;
    run.model_name = "DeBERTa-base";
    run.hub_id = "team-lucid/deberta-v3-base-korean";
    run.commit = std::string(40, 'a');
    write_fake_run(dir, "base-seed" + std::to_string(seed), run);
  }
  write_fake_run(dir, "local", FakeRun{});
  const std::string table = markdown_of(dir, false);
  INFO(table);
  CHECK(table.find("- DeBERTa-base (dev-selected, n=2): weights team-lucid/deberta-v3-base-korean@" +
                   std::string(40, 'a') + ".") != std::string::npos);
  INFO("expected no weights note for a row without a Hub model");
  CHECK(table.find("tiny-default (dev-selected, n=1): weights") == std::string::npos);
}

TEST_CASE("table shows a single seed without a plus-minus") {
  ScratchDir dir;
  FakeRun run;
  run.test = 0.7123;
  write_fake_run(dir, "run", run);
  const std::string table = markdown_of(dir, false);
  INFO(table);
  const auto row = row_starting(table, "tiny-default");
  CHECK(row[0] == "tiny-default (dev-selected, n=1)");
  CHECK(row[kNsmc] == "71.23");
}

TEST_CASE("table leaves a cell empty where there is no run") {
  ScratchDir dir;
  FakeRun korsts;
  korsts.task = "korsts";
  korsts.test = 0.163;
  write_fake_run(dir, "nsmc", FakeRun{});
  write_fake_run(dir, "korsts", korsts);
  const std::string table = markdown_of(dir, true);
  INFO(table);
  const auto row = row_starting(table, "tiny-default");
  CHECK(row[kNsmc] == "70.00");
  CHECK(row[kKorsts] == "16.30");
  for (size_t column : {kPaws, kKornli, kQuestionPair}) {
    INFO("expected an empty cell in column " << column);
    CHECK(row[column].empty());
  }
}

TEST_CASE("table bolds the best value of each column over reference rows and ours") {
  ScratchDir dir;
  FakeRun run;
  run.test = 0.95;
  write_fake_run(dir, "nsmc", run);
  const std::string table = markdown_of(dir, true);
  INFO(table);
  CHECK(row_starting(table, "tiny-default")[kNsmc] == "**95.00**");
  CHECK(row_starting(table, "DeBERTa-small")[kNsmc] == "91.34");
  // Columns we did not beat keep the card's bold.
  CHECK(row_starting(table, "DeBERTa-base")[kPaws] == "**85.5**");
  CHECK(row_starting(table, "KoELECTRA-Base-v3")[kKorsts] == "**85.53**");
  CHECK(row_starting(table, "DeBERTa-base")[kQuestionPair] == "**95.77**");
}

TEST_CASE("table puts the reference rows first then a separator then ours") {
  ScratchDir dir;
  write_fake_run(dir, "nsmc", FakeRun{});
  const std::string table = markdown_of(dir, true);
  INFO(table);
  const auto first_reference = table.find("| DistilKoBERT");
  const auto last_reference = table.find("| DeBERTa-base");
  const auto separator = table.find("| Ours (deberta-bench)");
  const auto ours = table.find("| tiny-default");
  REQUIRE(first_reference != std::string::npos);
  REQUIRE(separator != std::string::npos);
  REQUIRE(ours != std::string::npos);
  CHECK(first_reference < last_reference);
  CHECK(last_reference < separator);
  CHECK(separator < ours);
}

TEST_CASE("table puts our reproduction of a published row right under it, and other models after the separator") {
  ScratchDir dir;
  FakeRun kobert, other;
  kobert.model_name = "kobert";  // the card writes KoBERT: case does not matter
  kobert.selection_rule = "best-test";
  kobert.test = 0.8871;
  write_fake_run(dir, "kobert", kobert);
  write_fake_run(dir, "other", other);
  const std::string table = markdown_of(dir, true);
  INFO(table);
  const auto lines = lines_of(table);
  size_t published = lines.size(), ours = lines.size(), separator = lines.size(), other_row = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("| KoBERT ", 0) == 0) published = i;
    if (lines[i].rfind("| kobert (", 0) == 0) ours = i;
    if (lines[i].rfind("| Ours (deberta-bench)", 0) == 0) separator = i;
    if (lines[i].rfind("| tiny-default", 0) == 0) other_row = i;
  }
  REQUIRE(published < lines.size());
  INFO("expected our kobert row on the line after the card's KoBERT row");
  CHECK(ours == published + 1);
  CHECK(row_starting(table, "kobert (")[kNsmc] == "88.71");
  INFO("expected the separator after the card's last row, then the model the card lacks");
  CHECK(separator > published);
  CHECK(other_row == separator + 1);

  // CSV lists the rows in the same order.
  const std::string csv =
      deberta::render_table(deberta::find_run_results({dir.path()}),
                            deberta::load_reference(deberta::default_reference_path()), deberta::TableFormat::csv);
  const auto csv_lines = lines_of(csv);
  size_t csv_published = csv_lines.size();
  for (size_t i = 0; i < csv_lines.size(); ++i)
    if (csv_lines[i].rfind("KoBERT,", 0) == 0) csv_published = i;
  REQUIRE(csv_published + 1 < csv_lines.size());
  CHECK(csv_lines[csv_published + 1].rfind("\"kobert (", 0) == 0);
}

TEST_CASE("table keeps runs of two protocols as separate labelled rows") {
  ScratchDir dir;
  FakeRun standard, offline;
  standard.test = 0.70;
  offline.protocol = "offline";
  offline.test = 0.99;
  write_fake_run(dir, "standard", standard);
  write_fake_run(dir, "offline", offline);
  const std::string table = markdown_of(dir, true);
  INFO(table);
  CHECK(row_starting(table, "tiny-default (dev-selected")[kNsmc] == "70.00");
  // Not comparable with the card, so it is labelled and not ranked for bold.
  CHECK(row_starting(table, "tiny-default (offline, dev-selected, n=1)")[kNsmc] == "99.00");
  CHECK(row_starting(table, "DeBERTa-small")[kNsmc] == "**91.34**");
  CHECK(table.find("not comparable") != std::string::npos);
}

TEST_CASE("table treats a run without a protocol field as the standard protocol") {
  ScratchDir dir;
  FakeRun old_record, standard;
  old_record.protocol = "";
  old_record.seed = 1;
  standard.seed = 2;
  write_fake_run(dir, "old", old_record);
  write_fake_run(dir, "new", standard);
  const std::string table = markdown_of(dir, false);
  INFO(table);
  CHECK(row_starting(table, "tiny-default")[0] == "tiny-default (dev-selected, n=2)");
}

TEST_CASE("table keeps the two selection rules as separate labelled rows") {
  ScratchDir dir;
  FakeRun dev, best_test;
  best_test.selection_rule = "best-test";
  best_test.test = 0.75;
  write_fake_run(dir, "dev", dev);
  write_fake_run(dir, "best-test", best_test);
  const std::string table = markdown_of(dir, false);
  INFO(table);
  CHECK(row_starting(table, "tiny-default (dev-selected, n=1)")[kNsmc] == "70.00");
  CHECK(row_starting(table, "tiny-default (best-test, n=1)")[kNsmc] == "**75.00**");
}

TEST_CASE("table gives each cell its n when a row's tasks have different seed counts") {
  ScratchDir dir;
  FakeRun a, b, korsts;
  a.seed = 1;
  b.seed = 2;
  korsts.task = "korsts";
  write_fake_run(dir, "a", a);
  write_fake_run(dir, "b", b);
  write_fake_run(dir, "korsts", korsts);
  const std::string table = markdown_of(dir, false);
  INFO(table);
  const auto row = row_starting(table, "tiny-default");
  CHECK(row[0] == "tiny-default (dev-selected, n=1–2)");
  CHECK(row[kNsmc] == "70.00 ± 0.00 (n=2)");
  CHECK(row[kKorsts] == "70.00 (n=1)");
}

TEST_CASE("table has the card's header cells in the card's order") {
  ScratchDir dir;
  write_fake_run(dir, "nsmc", FakeRun{});
  const std::string card = deberta::test::read_text(deberta::test::data_path("model-card/model-card.md"));
  std::vector<std::string> card_header;
  for (const auto& line : lines_of(card))
    if (line.find("Backbone<br/>") != std::string::npos) card_header = cells_of(line);
  REQUIRE(card_header.size() == 7);
  const std::string table = markdown_of(dir, true);
  INFO(table);
  CHECK(cells_of(lines_of(table).at(0)) == card_header);
}

TEST_CASE("table in csv carries the rounded cells with std and n") {
  ScratchDir dir;
  for (int seed : {1, 2}) {
    FakeRun run;
    run.seed = seed;
    run.test = seed == 1 ? 0.70 : 0.72;
    write_fake_run(dir, "run" + std::to_string(seed), run);
  }
  const auto csv =
      deberta::render_table(deberta::find_run_results({dir.path()}),
                            deberta::load_reference(deberta::default_reference_path()), deberta::TableFormat::csv);
  INFO(csv);
  const auto lines = lines_of(csv);
  REQUIRE(lines.size() == 1 + 11 + 1);  // the header, the card's ten rows and DeBERTa-xlarge, ours
  CHECK(lines[0].rfind("row,kind,model,protocol,selection_rule,source,backbone_parameters_m,nsmc_accuracy,"
                       "nsmc_accuracy_std,nsmc_accuracy_n,",
                       0) == 0);
  CHECK(lines[10] ==
        "DeBERTa-base,reference,DeBERTa-base,standard,best-test,card-authors,86,91.22,,1,85.5,,1,82.81,,1,84.46,,"
        "1,95.77,,1");
  CHECK(lines[11] == "DeBERTa-xlarge,reference,DeBERTa-xlarge,standard,best-test,card-authors,,,,,,,,,,,,,,,,");
  // std of 70 and 72 with n-1: sqrt(2) = 1.41
  CHECK(lines[12] ==
        "\"tiny-default (dev-selected, n=2)\",ours,tiny-default,standard,dev,,1.2,71.00,1.41,2,,,,,,,,,,,,");
}

TEST_CASE("table in json carries unrounded means with n and std per cell") {
  ScratchDir dir;
  for (int seed : {1, 2, 3}) {
    FakeRun run;
    run.seed = seed;
    run.test = 0.7 + 0.001 * seed;
    write_fake_run(dir, "run" + std::to_string(seed), run);
  }
  const auto text =
      deberta::render_table(deberta::find_run_results({dir.path()}), std::nullopt, deberta::TableFormat::json);
  const auto json = nlohmann::json::parse(text);
  INFO(text);
  CHECK(json.at("unit") == "percent");
  CHECK(json.at("reference").is_null());
  REQUIRE(json.at("rows").size() == 1);
  const auto& row = json.at("rows")[0];
  CHECK(row.at("protocol") == "standard");
  CHECK(row.at("selection_rule") == "dev");
  const auto& cell = row.at("cells").at("nsmc");
  CHECK(cell.at("n") == 3);
  CHECK(cell.at("mean").get<double>() == Approx(70.2).epsilon(1e-12));
  CHECK(cell.at("std").get<double>() == Approx(0.1).epsilon(1e-9));
  CHECK(cell.at("seeds") == nlohmann::json::array({1, 2, 3}));
  CHECK(row.at("cells").at("paws").is_null());
}

TEST_CASE("table refuses two runs of one row with the same seed and names both", "[cli]") {
  ScratchDir dir;
  const auto a = write_fake_run(dir, "a", FakeRun{});
  const auto b = write_fake_run(dir, "b", FakeRun{});
  const auto result = run_cli("table --reference none --results '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(a) != std::string::npos);
  CHECK(result.output.find(b) != std::string::npos);
}

TEST_CASE("the table command prints reference rows from the shipped file by default", "[cli]") {
  ScratchDir dir;
  write_fake_run(dir, "nsmc", FakeRun{});
  const auto result = run_cli("table --results '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("| KoELECTRA-Base-v3") != std::string::npos);
  CHECK(result.output.find("| tiny-default (dev-selected, n=1)") != std::string::npos);
}

TEST_CASE("a results file without a task is an error naming the file and field", "[cli]") {
  ScratchDir dir;
  const auto path = dir.write("run/results.json", R"({"model_name": "m", "seed": 1, "headline_metric": "accuracy",
      "dev": {"accuracy": 0.5}, "test": {"accuracy": 0.5}})");
  const auto result = run_cli("table --reference none --results '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(path + ": field 'task' is missing") != std::string::npos);
}

TEST_CASE("a results directory with no run is an error naming it", "[cli]") {
  ScratchDir dir;
  const auto result = run_cli("table --reference none --results '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(dir.path() + ": no run under it") != std::string::npos);
}

TEST_CASE("the reference file holds every row of the card with the card's numbers") {
  // The card's table, copied byte for byte into tests/data so the test needs nothing outside the repository.
  const std::string card = deberta::test::read_text(deberta::test::data_path("model-card/model-card.md"));
  std::vector<std::vector<std::string>> card_rows;
  for (const auto& line : lines_of(card)) {
    if (line.rfind("|", 0) != 0 || line.find("Backbone") != std::string::npos || line.find(":---") != std::string::npos)
      continue;
    auto cells = cells_of(line);
    if (cells.at(0) == "Ours") continue;
    for (auto& cell : cells) {
      if (cell.size() > 4 && cell.rfind("**", 0) == 0) cell = cell.substr(2, cell.size() - 4);
    }
    card_rows.push_back(cells);
  }
  REQUIRE(card_rows.size() == 10);

  const auto reference = deberta::load_reference(deberta::default_reference_path());
  INFO("expected the card's ten rows, then DeBERTa-xlarge, the card's own model, with no figures");
  REQUIRE(reference.rows.size() == card_rows.size() + 1);
  CHECK(reference.rows.back().name == "DeBERTa-xlarge");
  CHECK(reference.rows.back().scores.empty());
  CHECK_FALSE(reference.rows.back().backbone_parameters_m);
  const std::vector<std::string> tasks = {"nsmc", "paws", "kornli", "korsts", "question_pair"};
  for (size_t i = 0; i < card_rows.size(); ++i) {
    const auto& expected = card_rows[i];
    const auto& row = reference.rows[i];
    INFO("card row " << i << ": " << expected.at(0));
    CHECK(row.name == expected.at(0));
    CHECK(row.backbone_parameters_text + "M" == expected.at(1));
    for (size_t t = 0; t < tasks.size(); ++t) {
      INFO("task " << tasks[t]);
      REQUIRE(row.scores.count(tasks[t]) == 1);
      CHECK(row.scores.at(tasks[t]).text == expected.at(2 + t));
      CHECK(row.scores.at(tasks[t]).percent == std::stod(expected.at(2 + t)));
    }
  }
  CHECK(reference.selection_rule == "best-test");
  CHECK(reference.seeds == 1);
  CHECK(reference.sources.at("kcbert-finetune").url == "https://github.com/Beomi/KcBERT-Finetune");
  CHECK(reference.sources.at("koelectra").url == "https://github.com/monologg/KoELECTRA");
}

TEST_CASE("a reference file with an unknown task column is an error naming the file line and column") {
  ScratchDir dir;
  const std::string shipped = deberta::test::read_text(deberta::default_reference_path());
  std::string broken = shipped;
  const auto at = broken.find("{nsmc: 88.41");
  REQUIRE(at != std::string::npos);
  broken.replace(at, 6, "{nsmcc:");
  const auto path = dir.write("card.yaml", broken);
  try {
    deberta::load_reference(path);
    FAIL("expected load_reference to reject the column 'nsmcc'");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.rfind(path + ":", 0) == 0);
    CHECK(message.find("rows[0] (DistilKoBERT): unknown task column 'nsmcc'") != std::string::npos);
  }
}

TEST_CASE("a reference row without a name is an error naming the file and field", "[cli]") {
  ScratchDir dir;
  std::string broken = deberta::test::read_text(deberta::default_reference_path());
  const auto at = broken.find("  - name: KoBERT\n    source: kcbert-finetune\n");
  REQUIRE(at != std::string::npos);
  broken.replace(at, std::string("  - name: KoBERT\n    source").size(), "  - source");
  const auto path = dir.write("card.yaml", broken);
  const auto result = run_cli("table --reference '" + path + "' --results '" + dir.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(path + ":") != std::string::npos);
  CHECK(result.output.find("rows[1]: field 'name' is missing") != std::string::npos);
}
