// suite: runs models x tasks x seeds into one directory each, resumably.
#include <catch2/catch.hpp>
#include <filesystem>

#include "commands/suite.h"
#include "test_support.h"
#include "train/train_config.h"
#include "util/atomic_file.h"
#include "util/resources.h"

namespace fs = std::filesystem;
using deberta::test::run_cli;
using deberta::test::ScratchDir;

namespace {
const char* kTinySuite = R"(description: two quick runs
models:
  - {name: tiny, path: builtin}
tasks: [korsts, question_pair]
seeds: [7]
threads: 1
set:
  training.max_steps: 6
  training.batch_size: 16
  training.max_train_examples: 96
  training.eval_batch_size: 256
task_set:
  korsts: {optimizer.lr: 1.0e-03}
)";

fs::path write_suite(const ScratchDir& scratch, const std::string& name, const std::string& text) {
  const fs::path path = scratch.file(name + ".yaml");
  deberta::write_file_atomically(path.string(), text);
  return path;
}
}  // namespace

TEST_CASE("a suite dry run prints every run with its step estimate and trains nothing", "[cli]") {
  const ScratchDir scratch;
  const auto suite = write_suite(scratch, "suite-dry", kTinySuite);
  const fs::path out = scratch.file("suite-dry-out");
  const auto result = run_cli("suite --dry-run --suite '" + suite.string() + "' --output-dir '" + out.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("2 runs: 1 models x 2 tasks x 1 seeds") != std::string::npos);
  CHECK(result.output.find("tiny / korsts / seed 7") != std::string::npos);
  CHECK(result.output.find("6 steps (96 train examples, 6 steps per epoch)") != std::string::npos);
  CHECK(result.output.find("total: 12 steps") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("a suite runs every run into its own directory and skips finished runs when run again", "[cli]") {
  const ScratchDir scratch;
  const auto suite = write_suite(scratch, "suite-run", kTinySuite);
  const fs::path out = scratch.file("suite-run-out");
  auto result = run_cli("suite --suite '" + suite.string() + "' --output-dir '" + out.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  for (const char* task : {"korsts", "question_pair"}) {
    const auto results = deberta::test::read_json((out / "tiny" / task / "seed7" / "results.json").string());
    CHECK(results.at("task") == task);
    CHECK(results.at("seed") == 7);
    CHECK(results.at("steps") == 6);
  }
  const std::string table = deberta::read_file((out / "table.md").string());
  INFO("expected table.md to hold the reference rows and a row for the suite's runs");
  CHECK(table.find("KoELECTRA-Base-v3") != std::string::npos);
  CHECK(table.find("| tiny (dev-selected, n=1)") != std::string::npos);
  const auto config = deberta::read_file((out / "tiny" / "korsts" / "seed7" / "config.yaml").string());
  CHECK(config.find("lr: 1.0e-03") != std::string::npos);

  result = run_cli("suite --suite '" + suite.string() + "' --output-dir '" + out.string() + "'");
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("tiny / korsts / seed 7: finished earlier, skipped") != std::string::npos);
  CHECK(result.output.find("tiny / question_pair / seed 7: finished earlier, skipped") != std::string::npos);
}

TEST_CASE("a suite resumes a run that was interrupted", "[cli]") {
  const ScratchDir scratch;
  const auto suite = write_suite(scratch, "suite-resume", kTinySuite);
  const fs::path out = scratch.file("suite-resume-out");
  const auto run_dir = out / "tiny" / "korsts" / "seed7";
  auto result = run_cli(
      "--threads 1 finetune --task korsts --seed 7 --stop-after-steps 3 --set training.max_steps=6 --set "
      "training.batch_size=16 --set training.max_train_examples=96 --set training.eval_batch_size=256 --set "
      "optimizer.lr=1e-3 --output-dir '" +
      run_dir.string() + "'");
  REQUIRE(result.exit_code == 0);
  result = run_cli("suite --suite '" + suite.string() + "' --output-dir '" + out.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("tiny / korsts / seed 7 (resuming)") != std::string::npos);
  INFO("expected the trainer to continue from the saved step 3, not to start again");
  CHECK(result.output.find("resuming " + run_dir.string() + " at step 3") != std::string::npos);
  CHECK(deberta::test::read_json((run_dir / "results.json").string()).at("steps") == 6);
}

TEST_CASE("a suite file with an unknown field is refused naming the file and the field", "[cli]") {
  const ScratchDir scratch;
  const auto suite = write_suite(scratch, "suite-bad", std::string(kTinySuite) + "epochs: 3\n");
  const auto result = run_cli("suite --dry-run --suite '" + suite.string() + "'");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(suite.string()) != std::string::npos);
  CHECK(result.output.find("unknown field 'epochs'") != std::string::npos);
}

TEST_CASE("a suite model's own settings apply to its runs only, after the suite's and the task's", "[cli]") {
  const ScratchDir scratch;
  std::string text = kTinySuite;
  text.replace(text.find("  - {name: tiny, path: builtin}"), 31,
               "  - {name: tiny, path: builtin}\n"
               "  - {name: scratch, path: builtin, set: {training.max_steps: 3, model.from_scratch: true}}");
  const auto suite = write_suite(scratch, "suite-models", text);
  const auto read = deberta::read_suite(suite.string());
  REQUIRE(read.models.size() == 2);
  CHECK(read.models[1].settings ==
        std::map<std::string, std::string>{{"model.from_scratch", "true"}, {"training.max_steps", "3"}});
  // The task's setting (korsts: 5 steps) comes after the suite's 6; the model's 3 after both.
  text.replace(text.find("korsts: {optimizer.lr: 1.0e-03}"), 31,
               "korsts: {optimizer.lr: 1.0e-03, training.max_steps: 5}");
  const auto ordered = write_suite(scratch, "suite-models-order", text);
  const auto result = run_cli("suite --dry-run --suite '" + ordered.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("total: 17 steps") != std::string::npos);  // tiny 5 + 6, scratch 3 + 3

  text.replace(text.find("set: {training.max_steps: 3"), 3, "sett");
  const auto bad = write_suite(scratch, "suite-models-bad", text);
  const auto refused = run_cli("suite --dry-run --suite '" + bad.string() + "'");
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("models: unknown field 'sett'") != std::string::npos);
}

TEST_CASE("a suite model entry takes a Hub model id, and a dry run reads the cache without downloading", "[cli]") {
  const ScratchDir scratch;
  std::string text = kTinySuite;
  text.replace(text.find("  - {name: tiny, path: builtin}"), 31,
               "  - {name: tiny, path: builtin}\n  - {name: hub, id: someone/some-model@v2}");
  const auto suite = write_suite(scratch, "suite-id", text);
  const auto read = deberta::read_suite(suite.string());
  REQUIRE(read.models.size() == 2);
  CHECK(read.models[1].path == "someone/some-model@v2");
  // Port 9 on loopback: a download attempt would fail with another message.
  const auto result =
      run_cli("suite --dry-run --suite '" + suite.string() + "'",
              "env -u HF_HUB_OFFLINE -u HF_HOME DEBERTA_BENCH_CACHE=off HF_ENDPOINT=http://127.0.0.1:9 HF_HUB_CACHE='" +
                  scratch.file("hub") + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("the model is not in the Hugging Face cache: downloaded when the suite runs") !=
        std::string::npos);

  for (const char* entry : {"{name: hub, id: not-an-id}", "{name: hub, id: a/b, path: builtin}", "{name: hub}"}) {
    std::string bad_text = kTinySuite;
    bad_text.replace(bad_text.find("{name: tiny, path: builtin}"), 27, entry);
    const auto bad = write_suite(scratch, "suite-id-bad", bad_text);
    const auto refused = run_cli("suite --dry-run --suite '" + bad.string() + "'");
    INFO(entry << ": " << refused.output);
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find(bad.string()) != std::string::npos);
  }
}

TEST_CASE("every shipped suite file reads and names the five tasks") {
  for (const char* name : {"ci", "offline", "model-card", "pretrained-vs-scratch"}) {
    const auto suite =
        deberta::read_suite(std::string(DEBERTA_BENCH_TEST_DATA) + "/../../configs/suites/" + name + ".yaml");
    INFO(name);
    CHECK(suite.tasks == std::vector<std::string>{"nsmc", "paws", "kornli", "korsts", "question_pair"});
  }
}

TEST_CASE("a suite model's recipe replaces the suite's for that model's runs", "[cli]") {
  const ScratchDir scratch;
  std::string text = kTinySuite;
  text.replace(text.find("  - {name: tiny, path: builtin}"), 31,
               "  - {name: tiny, path: builtin}\n  - {name: kc, path: builtin, recipe: kcbert-base}");
  const auto read = deberta::read_suite(write_suite(scratch, "suite-recipe", text).string());
  REQUIRE(read.models.size() == 2);
  CHECK(read.models[0].recipe.empty());
  CHECK(read.models[1].recipe == "kcbert-base");
  // kcbert-base's korsts and question_pair recipes run 5 epochs at batch 32:
  // the suite's max_steps of 6 still bounds them, so the step counts agree,
  // and an unknown recipe is reported for its runs only.
  text.replace(text.find("recipe: kcbert-base"), 19, "recipe: nonesuch");
  const auto result =
      run_cli("suite --dry-run --suite '" + write_suite(scratch, "suite-recipe-bad", text).string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("kc / korsts / seed 7") != std::string::npos);
  CHECK(result.output.find("has no 'recipes.nonesuch' section") != std::string::npos);
}

TEST_CASE("the model-card suite runs the card's eleven models, each baseline with a recipe of every task") {
  const auto suite = deberta::read_suite(deberta::config_dir() + "/suites/model-card.yaml");
  std::vector<std::string> ids;
  for (const auto& model : suite.models) ids.push_back(model.path);
  CHECK(ids == std::vector<std::string>{"monologg/distilkobert", "monologg/kobert", "FacebookAI/xlm-roberta-base",
                                        "beomi/kcbert-base", "beomi/kcbert-large",
                                        "monologg/koelectra-small-v3-discriminator",
                                        "monologg/koelectra-base-v3-discriminator",
                                        "team-lucid/deberta-v3-xsmall-korean", "team-lucid/deberta-v3-small-korean",
                                        "team-lucid/deberta-v3-base-korean", "team-lucid/deberta-v3-xlarge-korean"});
  for (const auto& model : suite.models) {
    const std::string recipe = model.recipe.empty() ? suite.recipe : model.recipe;
    INFO(model.name << " expects its own recipe, or the suite's deberta for the DeBERTa rows");
    CHECK((model.name.rfind("DeBERTa", 0) == 0) == model.recipe.empty());
    for (const auto& task : suite.tasks) {
      INFO(task << " recipe " << recipe);
      CHECK_NOTHROW(deberta::typed_settings(
          deberta::resolve_config({deberta::config_dir() + "/tasks/" + task + ".yaml", "", recipe, "", {}}, {})));
    }
  }
}

TEST_CASE("a dry run of the model-card suite lists its eleven models x five tasks", "[cli]") {
  const ScratchDir scratch;
  // Port 9 on loopback and an empty cache: nothing is downloaded by a dry run.
  const auto result = run_cli("suite --dry-run --suite '" + deberta::config_dir() + "/suites/model-card.yaml'",
                              "env -u HF_HUB_OFFLINE -u HF_HOME DEBERTA_BENCH_CACHE=off HF_ENDPOINT=http://127.0.0.1:9 "
                              "HF_HUB_CACHE='" +
                                  scratch.file("hub") + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("(55 runs: 11 models x 5 tasks x 1 seeds)") != std::string::npos);
  for (const char* row : {"DistilKoBERT / nsmc", "KcBERT-Large / kornli", "KoELECTRA-Small-v3 / paws",
                          "XLM-Roberta-Base / question_pair", "DeBERTa-xlarge / korsts"}) {
    INFO("expected the run " << row);
    CHECK(result.output.find(row) != std::string::npos);
  }
}
