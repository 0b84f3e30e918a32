#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test_support.h"
#include "train/train_config.h"
#include "util/resources.h"

using namespace deberta;
using deberta::test::ScratchDir;

namespace {
std::string task_file(const std::string& task) { return config_dir() + "/tasks/" + task + ".yaml"; }
const std::map<std::string, std::string> kNsmcData = {{"unquote", "false"}, {"dev_slice_size", "5000"}};
}  // namespace

TEST_CASE("the layers apply in order defaults then recipe then config file then set") {
  const ScratchDir scratch;
  const std::filesystem::path file = scratch.file("layer.yaml");
  std::ofstream(file) << "optimizer:\n  lr: 1.0e-04\ntraining:\n  epochs: 7\n";
  ConfigSources sources{task_file("nsmc"), "", "kcbert", file.string(), {"training.epochs=2", "data.unquote=true"}};
  const auto values = resolve_config(sources, kNsmcData);
  CHECK(values.at("training.max_seq_len") == "50");  // kcbert recipe over the task defaults
  CHECK(values.at("training.batch_size") == "64");
  CHECK(values.at("optimizer.lr") == "1.0e-04");  // the config file over the recipe
  CHECK(values.at("training.epochs") == "2");     // --set over the config file
  CHECK(values.at("data.unquote") == "true");
  CHECK(values.at("data.dev_slice_size") == "5000");
}

TEST_CASE("every shipped task file has the koelectra kcbert and deberta recipes") {
  for (const char* task : {"nsmc", "paws", "kornli", "korsts", "question_pair"})
    for (const char* recipe : {"koelectra", "kcbert", "deberta"}) {
      INFO(task << " recipe " << recipe);
      const auto values = resolve_config({task_file(task), "", recipe, "", {}}, {});
      CHECK_NOTHROW(typed_settings(values));
    }
}

TEST_CASE("the koelectra recipe of nsmc has the published hyperparameters") {
  const auto s = typed_settings(resolve_config({task_file("nsmc"), "", "koelectra", "", {}}, kNsmcData));
  CHECK(s.max_seq_len == 128);
  CHECK(s.batch_size == 32);
  CHECK(s.lr == Approx(5e-5));
  CHECK(s.epochs == 10);
  CHECK(s.eps == Approx(1e-8));
  CHECK(s.weight_decay == 0.0);
}

TEST_CASE("the baselines' recipes carry their source files' values where the models differ") {
  const auto settings = [](const char* task, const char* recipe) {
    return typed_settings(resolve_config({task_file(task), "", recipe, "", {}}, {}));
  };
  // Beomi/KcBERT-Finetune: KcBERT-large's KorNLI is the one run with warmup,
  // 10000 steps; its PAWS was retried at 1e-5 and batch 16.
  CHECK(settings("kornli", "kcbert-large").warmup_steps == 10000);
  CHECK(settings("kornli", "kcbert-base").warmup_steps == 0);
  CHECK(settings("paws", "kcbert-large").lr == Approx(1e-5));
  CHECK(settings("paws", "kcbert-large").batch_size == 16);
  // XLM-R's question pairs at 1e-5, KoBERT's at 5e-5; NSMC at 50 tokens.
  CHECK(settings("question_pair", "xlm-roberta").lr == Approx(1e-5));
  CHECK(settings("question_pair", "kobert").lr == Approx(5e-5));
  CHECK(settings("nsmc", "distilkobert").max_seq_len == 50);
  // monologg/KoELECTRA: small-v3 trains PAWS at batch 64 and KorNLI at 128.
  CHECK(settings("paws", "koelectra-small-v3").batch_size == 64);
  CHECK(settings("kornli", "koelectra-small-v3").batch_size == 128);
  CHECK(settings("kornli", "koelectra-base-v3").batch_size == 64);
  // The family names stay the base models' recipes.
  CHECK(settings("kornli", "koelectra").batch_size == 64);
  CHECK(settings("kornli", "kcbert").batch_size == 128);
}

TEST_CASE("an unknown setting is an error that lists the valid keys") {
  CHECK_THROWS_WITH(resolve_config({task_file("nsmc"), "", "", "", {"optimiser.lr=1"}}, kNsmcData),
                    Catch::Contains("unknown setting 'optimiser.lr'") && Catch::Contains("optimizer.lr") &&
                        Catch::Contains("data.unquote"));
}

TEST_CASE("an unknown recipe is an error naming the task file") {
  CHECK_THROWS_WITH(resolve_config({task_file("nsmc"), "", "roberta", "", {}}, kNsmcData),
                    Catch::Contains("nsmc.yaml: has no 'recipes.roberta' section"));
}

TEST_CASE("a value that does not parse is an error naming the key") {
  CHECK_THROWS_WITH(typed_settings(resolve_config({"", "", "", "", {"training.epochs=three"}}, {})),
                    Catch::Contains("training.epochs: 'three' is not an integer"));
  CHECK_THROWS_WITH(typed_settings(resolve_config({"", "", "", "", {"schedule.type=step"}}, {})),
                    Catch::Contains("schedule.type: 'step' is not one of linear, constant, cosine"));
}

TEST_CASE("the resolved configuration written as YAML reads back to the same values") {
  const auto values = resolve_config({task_file("korsts"), "", "deberta", "", {"model.cls_dropout=0.2"}}, {});
  const ScratchDir scratch;
  const std::filesystem::path file = scratch.file("resolved.yaml");
  std::ofstream(file) << config_to_yaml(values);
  CHECK(read_config_layer(file.string()) == values);
}
