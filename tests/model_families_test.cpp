// The model families beside DeBERTa (BERT, ELECTRA, RoBERTa, XLM-R,
// DistilBERT): parity with the logits transformers gives for the fixtures of
// scripts/make-family-fixtures.py, their tensor names, and bad config.json.
#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "golden.h"
#include "io/safetensors.h"
#include "model/factory.h"
#include "model/weights.h"
#include "test_support.h"
#include "tolerances.h"

using namespace deberta;
using deberta::test::golden_long_matrix;
using deberta::test::golden_tensor;
using deberta::test::max_abs_diff;
using deberta::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

constexpr double kAbs = 1e-5;
const char* const kFamilies[] = {"bert", "electra", "roberta", "xlm-roberta", "distilbert"};

std::string family_dir(const std::string& family) { return test::data_path("families/" + family); }

ModelInputs golden_inputs(const nlohmann::json& golden) {
  const auto& in = golden.at("inputs");
  return {golden_long_matrix(in.at("input_ids")), golden_long_matrix(in.at("attention_mask")),
          golden_long_matrix(in.at("token_type_ids"))};
}

torch::Tensor logits_of(Model& model, const ModelInputs& inputs) {
  torch::InferenceMode guard;
  return model.classifier(inputs).logits;
}

ModelOptions strict_options() {
  ModelOptions options;
  options.strict = true;  // every tensor of the file is read, every parameter found
  options.require_classifier = true;
  return options;
}

std::vector<std::string> keys(const TensorMap& tensors) {
  std::vector<std::string> out;
  for (const auto& [name, tensor] : tensors) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("each family's classifier gives transformers' logits for a padded batch") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const auto golden = test::read_json(family_dir(family) + "/golden.json");
  Model model = load_model(family_dir(family), strict_options());
  CHECK(model.config.model_type == family);
  const auto inputs = golden_inputs(golden);
  REQUIRE(inputs.attention_mask.eq(0).any().item<bool>());  // the batch is padded
  const auto expected = golden_tensor(golden.at("logits"));
  const auto logits = logits_of(model, inputs);
  INFO("logits " << logits << "\nexpected (transformers) " << expected);
  CHECK(max_abs_diff(logits, expected) < kAbs);
}

TEST_CASE("a type vocabulary of one gives every token type 0, so a BERT-style pair's type 1 changes nothing") {
  // The roberta fixture ships a BertTokenizer, as KLUE's RoBERTa does: a pair's
  // second text is type 1, which its single-row type table has no entry for.
  Model model = load_model(family_dir("roberta"), strict_options());
  REQUIRE(model.config.type_vocab_size == 1);
  const auto golden = test::read_json(family_dir("roberta") + "/golden.json");
  ModelInputs inputs = golden_inputs(golden);
  const auto zeros = logits_of(model, inputs);
  inputs.token_type_ids = torch::ones_like(inputs.input_ids);
  const auto ones = logits_of(model, inputs);
  INFO("expected the same logits with types 1 as with types 0");
  CHECK(torch::equal(zeros, ones));
}

TEST_CASE("a family checkpoint in pytorch_model.bin gives the logits of its safetensors") {
  const ScratchDir scratch;
  const fs::path source = family_dir("bert");
  for (const char* file : {"config.json", "pytorch_model.bin", "vocab.txt", "tokenizer_config.json"})
    fs::copy_file(source / file, fs::path(scratch.path()) / file);
  Model model = load_model(scratch.path(), strict_options());
  CHECK(fs::path(model.weights_file).filename() == "pytorch_model.bin");
  const auto golden = test::read_json((source / "golden.json").string());
  CHECK(max_abs_diff(logits_of(model, golden_inputs(golden)), golden_tensor(golden.at("logits"))) < kAbs);
}

TEST_CASE("each family's model names its parameters as transformers' checkpoint does") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  Model model = load_model(family_dir(family), strict_options());
  const auto saved = keys(model_tensors(model.module()));
  const auto expected = keys(read_safetensors(family_dir(family) + "/model.safetensors"));
  CHECK(saved == expected);
}

TEST_CASE("a family's base checkpoint loads into its backbone and under a fresh head") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const ScratchDir scratch;
  const fs::path source = family_dir(family);
  Model task = load_model(source.string(), strict_options());
  // The base checkpoint: the backbone's tensors without the family's prefix,
  // as AutoModel's save_pretrained names them; no head.
  const std::string prefix = task.config.backbone_prefix();
  TensorMap base;
  for (auto& [name, tensor] : read_safetensors((source / "model.safetensors").string()))
    if (name.rfind(prefix, 0) == 0 && name.find("pooler.") == std::string::npos)
      base[name.substr(prefix.size())] = tensor;
  REQUIRE(!base.empty());
  write_safetensors(scratch.file("model.safetensors"), base);
  fs::copy_file(source / "config.json", fs::path(scratch.path()) / "config.json");

  Model backbone = load_model(scratch.path(), {});
  REQUIRE_FALSE(backbone.has_head());
  const auto golden = test::read_json((source / "golden.json").string());
  const auto inputs = golden_inputs(golden);
  torch::InferenceMode guard;
  const auto expected = task.classifier(inputs).last_hidden_state;
  CHECK(max_abs_diff(backbone.backbone(inputs), expected) < kAbs);

  ModelOptions fine_tune;
  fine_tune.labels = std::vector<std::string>{"negative", "positive"};
  Model fresh = load_model(scratch.path(), fine_tune);
  CHECK(max_abs_diff(fresh.classifier(inputs).last_hidden_state, expected) < kAbs);
  INFO("initialised: " << fresh.report.describe().front());
  CHECK_FALSE(fresh.report.initialised.empty());
  for (const auto& name : fresh.report.initialised) {
    INFO(name << " was drawn fresh; only the head should be");
    CHECK((name.rfind("classifier.", 0) == 0 || name.rfind("pre_classifier.", 0) == 0 ||
           name.find("pooler.") != std::string::npos));
  }
}

TEST_CASE("an unknown model_type is refused in one line naming config.json and the type") {
  const ScratchDir scratch;
  auto config = test::read_json(family_dir("bert") + "/config.json");
  config["model_type"] = "gpt2";
  const std::string path = scratch.write("config.json", config.dump(2));
  fs::copy_file(family_dir("bert") + "/model.safetensors", scratch.file("model.safetensors"));
  std::string message;
  try {
    load_model(scratch.path(), {});
  } catch (const std::runtime_error& error) {
    message = error.what();
  }
  INFO(message);
  CHECK(message.find(path + ": model_type: \"gpt2\" is not supported") == 0);
  CHECK(message.find("bert") != std::string::npos);  // the supported types are listed
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("a config.json without model_type whose architectures name another family is refused in one line") {
  const ScratchDir scratch;
  auto config = test::read_json(family_dir("bert") + "/config.json");
  config.erase("model_type");
  config["architectures"] = {"BertForMaskedLM"};
  const std::string path = scratch.write("config.json", config.dump(2));
  CHECK_THROWS_WITH(load_config(path), Catch::Contains(path + ": model_type: is missing, and architectures names "
                                                              "\"BertForMaskedLM\": add the model_type"));
  // A DeBERTa config may lack it: older files do.
  auto deberta = test::read_json(test::fixture_dir("deberta-v3-tiny") + "/config.json");
  deberta.erase("model_type");
  CHECK_NOTHROW(load_config(scratch.write("deberta.json", deberta.dump(2))));
}

TEST_CASE("DistilBERT's sinusoidal positions are refused naming the field") {
  auto config = test::read_json(family_dir("distilbert") + "/config.json");
  config["sinusoidal_pos_embds"] = true;
  CHECK_THROWS_WITH(parse_config(config.dump(), "config.json"),
                    Catch::Contains("config.json: sinusoidal_pos_embds: true is not supported"));
}

TEST_CASE("finetune runs on each family and saves transformers' tensor names and config") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const ScratchDir scratch;
  const fs::path run = scratch.file("run");
  const auto result = test::run_cli("--threads 1 finetune --model '" + family_dir(family) +
                                    "' --task nsmc --output-dir '" + run.string() + "'" + test::kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = test::read_json((run / "results.json").string());
  CHECK(results.at("steps") == 12);
  CHECK(results.at("test").contains("accuracy"));
  // (The fixtures have 40 positions, the task 128 tokens: without the bound
  // that the positions set, the run fails on an index out of range.)
  CHECK(results.at("backbone_parameters").get<int64_t>() > 0);
  CHECK(results.at("embedding_parameters").get<int64_t>() > 0);

  const fs::path best = run / "checkpoint-best";
  const auto saved = keys(read_safetensors((best / "model.safetensors").string()));
  const auto expected = keys(read_safetensors(family_dir(family) + "/model.safetensors"));
  CHECK(saved == expected);
  const auto config = test::read_json((best / "config.json").string());
  CHECK(config.at("model_type") == family);
  CHECK(config.at("id2label") == nlohmann::json{{"0", "0"}, {"1", "1"}});
  const auto original = test::read_json(family_dir(family) + "/config.json");
  for (const auto& [key, value] : original.items())
    if (key != "id2label" && key != "label2id" && key != "num_labels") {
      INFO("config.json keeps " << key);
      CHECK(config.at(key) == value);
    }

  // evaluate and predict read the fine-tuned checkpoint back.
  const auto evaluated = test::run_cli("--threads 1 evaluate --model '" + best.string() + "' --task nsmc");
  INFO(evaluated.output);
  CHECK(evaluated.exit_code == 0);
  const std::string input = scratch.write("in.tsv", "text\n재밌어요\n별로\n");
  const auto predicted =
      test::run_cli("--threads 1 predict --model '" + best.string() + "' --task nsmc --input '" + input + "'");
  INFO(predicted.output);
  CHECK(predicted.exit_code == 0);
  CHECK(predicted.output.find("p(1 (positive))") != std::string::npos);
}

TEST_CASE("info names each model family") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  const auto result = test::run_cli("info --model '" + family_dir(family) + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("(model_type " + family + ")") != std::string::npos);
  const std::string labels = family == "electra" ? "3 labels" : "2 labels";
  CHECK(result.output.find("head:                " + labels) != std::string::npos);
}

TEST_CASE("pretrain refuses a model family other than DeBERTa in one line") {
  const std::string corpus = test::data_path("corpus/korsts-train-600.txt");
  const auto result = test::run_cli("pretrain --corpus '" + corpus + "' --model-config '" + family_dir("bert") +
                                    "/config.json' --output-dir /nonexistent");
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("config.json: model_type: pretrain builds DeBERTa-v2/v3") != std::string::npos);
}

TEST_CASE("a family run stopped halfway and resumed ends with the weights of an uninterrupted run", "[cli]") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const ScratchDir scratch;
  const fs::path whole = scratch.file("whole"), split = scratch.file("split");
  const std::string run = "--threads 1 finetune --model '" + family_dir(family) + "' --task nsmc" + test::kQuick +
                          " --set training.logging_steps=1 --set evaluation.every_steps=4";
  auto result = test::run_cli(run + " --stop-after-steps 10 --output-dir '" + whole.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = test::run_cli(run + " --stop-after-steps 5 --output-dir '" + split.string() + "'");
  REQUIRE(result.exit_code == 0);
  result = test::run_cli("--threads 1 finetune --resume '" + split.string() + "' --stop-after-steps 10");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  INFO("expected the weights and metrics at step 10 to be byte for byte the same");
  for (const char* file : {"checkpoint-last/model.safetensors", "metrics.jsonl"})
    CHECK(test::read_text((whole / file).string()) == test::read_text((split / file).string()));
}

// [cli], not [numeric]: the DeBERTa test of the same equivalence runs on
// every kernel path (test-isa.sh); the families share its data-parallel code.
TEST_CASE("two processes train each family as one process with the whole batch does, to round-off", "[cli]") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const ScratchDir scratch;
  const fs::path one = scratch.file("one"), two = scratch.file("two");
  const std::string run = "--threads 1 finetune --model '" + family_dir(family) +
                          "' --task nsmc --seed 5 --set training.max_steps=6 --set training.logging_steps=1"
                          " --set training.max_train_examples=96 --set optimizer.lr=1e-3"
                          " --set model.hidden_dropout_prob=0 --set model.attention_probs_dropout_prob=0"
                          " --set model.cls_dropout=0";
  auto result = test::run_cli(run + " --set training.batch_size=16 --output-dir '" + one.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = test::run_shell(
      test::data_parallel_command(2, run + " --set training.batch_size=8 --output-dir '" + two.string() + "'", 120));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto a = test::json_lines(test::read_text((one / "metrics.jsonl").string()));
  const auto b = test::json_lines(test::read_text((two / "metrics.jsonl").string()));
  REQUIRE(a.size() == b.size());
  int losses = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].contains("loss")) {
      ++losses;
      INFO("step " << a[i].at("step") << ": 1 process " << a[i].at("loss") << ", 2 processes " << b[i].at("loss"));
      CHECK(b[i].at("loss").get<double>() ==
            Approx(a[i].at("loss").get<double>()).epsilon(test::kDataParallelLossRelative));
    }
  CHECK(losses == 6);
}

TEST_CASE("each family fine-tunes under bf16 autocast on the CPU and records the precision", "[cli]") {
  const std::string family = GENERATE(from_range(std::begin(kFamilies), std::end(kFamilies)));
  INFO(family);
  const ScratchDir scratch;
  const fs::path run = scratch.file("run");
  const auto result =
      test::run_cli("--device cpu --threads 1 finetune --model '" + family_dir(family) +
                    "' --task nsmc --set training.precision=bf16 --output-dir '" + run.string() + "'" + test::kQuick);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = test::read_json((run / "results.json").string());
  CHECK(results.at("precision") == "bf16");
  CHECK(results.at("steps") == 12);
  for (const auto& line : test::json_lines(test::read_text((run / "metrics.jsonl").string())))
    if (line.contains("loss")) {
      INFO("expected a finite loss at step " << line.at("step"));
      CHECK(std::isfinite(line.at("loss").get<double>()));
    }
}
