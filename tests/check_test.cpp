// The regression gate (deberta-bench check) and its baseline file.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "report_support.h"

using deberta::test::FakeRun;
using deberta::test::run_cli;
using deberta::test::ScratchDir;
using deberta::test::write_fake_run;

namespace {

struct Fixture {
  ScratchDir dir;
  std::string results() const { return dir.file("runs"); }
  std::string baseline() const { return dir.file("baselines/ci.json"); }

  // Two runs, and a baseline written from them by --update.
  Fixture() {
    FakeRun korsts;
    korsts.task = "korsts";
    korsts.test = 0.163;
    write_fake_run(dir, "runs/nsmc", FakeRun{});
    write_fake_run(dir, "runs/korsts", korsts);
    const auto result = check("--update");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
  }

  deberta::test::CommandResult check(const std::string& flags = "") const {
    return run_cli("check --results '" + results() + "' --baseline '" + baseline() + "' " + flags);
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("check passes when the results equal the baseline", "[cli]") {
  Fixture f;
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(contains(result.output, "check passed: 2 run(s)"));
  CHECK(contains(result.output, "test accuracy (headline)"));
  CHECK(contains(result.output, "test macro_f1"));
  CHECK(contains(result.output, "dev spearman (headline)"));
}

TEST_CASE("check exits 1 on a fabricated regression and names the metric", "[cli]") {
  Fixture f;
  FakeRun worse;
  worse.test = 0.60;  // the baseline has 0.70; the default tolerance is 0.02
  write_fake_run(f.dir, "runs/nsmc", worse);
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output,
                 "regression in nsmc/tiny-default/seed42 [standard, dev]: test accuracy fell from "
                 "0.7000 to 0.6000 (-0.1000; allowed drop 0.02)"));
  CHECK(contains(result.output, "REGRESSION"));
  CHECK(contains(result.output, "check FAILED"));
}

TEST_CASE("check passes an improvement and shows it", "[cli]") {
  Fixture f;
  FakeRun better;
  better.test = 0.80;
  write_fake_run(f.dir, "runs/nsmc", better);
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(contains(result.output, "0.7000  0.8000  +0.1000"));
  CHECK(contains(result.output, "better"));
}

TEST_CASE("check passes a drop within the tolerance and fails it under a tighter tolerance flag", "[cli]") {
  Fixture f;
  FakeRun slightly_worse;
  slightly_worse.test = 0.69;
  write_fake_run(f.dir, "runs/nsmc", slightly_worse);
  const auto loose = f.check();
  INFO(loose.output);
  CHECK(loose.exit_code == 0);
  const auto tight = f.check("--tolerance 0.005");
  INFO(tight.output);
  CHECK(tight.exit_code == 1);
  CHECK(contains(tight.output, "test accuracy fell from 0.7000 to 0.6900"));
}

TEST_CASE("check lets a per-task tolerance flag override the global one", "[cli]") {
  Fixture f;
  FakeRun worse;
  worse.test = 0.60;
  write_fake_run(f.dir, "runs/nsmc", worse);
  const auto result = f.check("--tolerance 0.001 --per-task nsmc=0.2");
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("check uses the tolerance stored in the baseline when no flag is given", "[cli]") {
  Fixture f;
  auto baseline = nlohmann::json::parse(deberta::test::read_text(f.baseline()));
  baseline["tolerance"] = 0.2;
  f.dir.write("baselines/ci.json", baseline.dump(2));
  FakeRun worse;
  worse.test = 0.60;
  write_fake_run(f.dir, "runs/nsmc", worse);
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("check exits 1 when a baseline run is missing and names it", "[cli]") {
  Fixture f;
  std::filesystem::remove_all(f.dir.file("runs/korsts"));
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "missing run korsts/tiny-default/seed42 [standard, dev]"));
}

TEST_CASE("check matches runs by seed so another seed does not stand in for a missing one", "[cli]") {
  Fixture f;
  FakeRun other_seed;
  other_seed.seed = 7;
  write_fake_run(f.dir, "runs/nsmc", other_seed);
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "missing run nsmc/tiny-default/seed42 [standard, dev]"));
  CHECK(contains(result.output, "not in the baseline (--update adds it): nsmc/tiny-default/seed7"));
}

TEST_CASE("check update rewrites the baseline and prints old and new values", "[cli]") {
  Fixture f;
  FakeRun changed, added;
  changed.test = 0.75;
  added.task = "paws";
  added.test = 0.55;
  write_fake_run(f.dir, "runs/nsmc", changed);
  write_fake_run(f.dir, "runs/paws", added);
  std::filesystem::remove_all(f.dir.file("runs/korsts"));
  const auto update = f.check("--update");
  INFO(update.output);
  CHECK(update.exit_code == 0);
  CHECK(contains(update.output, "updated " + f.baseline()));
  CHECK(contains(update.output, "nsmc/tiny-default/seed42 [standard, dev] test accuracy: 0.7000 → 0.7500 (+0.0500)"));
  CHECK(contains(update.output, "added run paws/tiny-default/seed42 [standard, dev]: test accuracy 0.5500"));
  CHECK(contains(update.output, "removed run korsts/tiny-default/seed42 [standard, dev]"));

  const auto baseline = nlohmann::json::parse(deberta::test::read_text(f.baseline()));
  CHECK(baseline.at("version") == 1);
  CHECK(baseline.at("tolerance") == 0.02);
  CHECK(baseline.at("runs").size() == 2);
  const auto after = f.check();
  INFO(after.output);
  CHECK(after.exit_code == 0);
}

TEST_CASE("a baseline without a version is an error naming the file and field", "[cli]") {
  Fixture f;
  auto baseline = nlohmann::json::parse(deberta::test::read_text(f.baseline()));
  baseline.erase("version");
  f.dir.write("baselines/ci.json", baseline.dump(2));
  const auto result = f.check();
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, f.baseline() + ": field 'version' is missing"));
}

TEST_CASE("a per-task tolerance for a task the baseline lacks is an error naming it", "[cli]") {
  Fixture f;
  const auto result = f.check("--per-task nsmcc=0.1");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "the baseline has no run of task 'nsmcc'"));
}
