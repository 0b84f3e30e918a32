// Parity of the LibTorch model with the golden outputs of the HF-equivalent
// reference, for every fixture and both weight formats.
#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <filesystem>

#include "golden.h"
#include "io/safetensors.h"
#include "io/torch_pickle.h"
#include "model/checkpoint.h"
#include "model/deberta.h"
#include "model/factory.h"
#include "model/relative_position.h"
#include "model/weights.h"
#include "tolerances.h"

using namespace deberta;
using deberta::test::golden_long_matrix;
using deberta::test::golden_tensor;
using deberta::test::max_abs_diff;
using deberta::test::ScratchDir;

namespace {

using test::kForwardAbsolute;
using test::kLossRelative;
using test::kStepLogitsAbsolute;
using test::kStepRelative;
using test::kZeroNormAbsolute;

struct Fixture {
  std::string name;
  DebertaConfig config;
  TensorMap tensors;
  nlohmann::json golden;
  ModelInputs inputs;
};

Fixture load_fixture(const std::string& name, const std::string& weights_file = "model.safetensors") {
  Fixture f;
  f.name = name;
  const std::string dir = test::fixture_dir(name);
  f.config = load_config(dir + "/config.json");
  f.tensors = weights_file == "pytorch_model.bin" ? read_pytorch_bin(dir + "/" + weights_file)
                                                  : read_safetensors(dir + "/" + weights_file);
  f.golden = test::read_json(dir + "/golden.json");
  const auto& in = f.golden.at("model").at("inputs");
  f.inputs = {golden_long_matrix(in.at("input_ids")), golden_long_matrix(in.at("attention_mask")),
              golden_long_matrix(in.at("token_type_ids"))};
  return f;
}

DebertaV2ForSequenceClassification classifier_for(const DebertaConfig& config, const TensorMap& tensors) {
  DebertaV2ForSequenceClassification model(config);
  LoadOptions options;
  options.strict = true;
  options.source = "fixture";
  load_weights(*model, tensors, options);
  model->eval();
  return model;
}

}  // namespace

TEST_CASE("the classifier reproduces the golden hidden states, pooled output and logits", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  const std::string weights = GENERATE(as<std::string>(), "model.safetensors", "pytorch_model.bin");
  INFO(name << " loaded from " << weights);
  auto f = load_fixture(name, weights);
  auto model = classifier_for(f.config, f.tensors);
  torch::InferenceMode guard;
  const auto out = model(f.inputs);
  const auto& golden = f.golden.at("model").at("outputs");
  CHECK(max_abs_diff(out.last_hidden_state, golden_tensor(golden.at("last_hidden_state"))) < kForwardAbsolute);
  CHECK(max_abs_diff(out.pooled_output, golden_tensor(golden.at("pooled_output"))) < kForwardAbsolute);
  CHECK(max_abs_diff(out.logits, golden_tensor(golden.at("logits"))) < kForwardAbsolute);
}

TEST_CASE("the backbone alone loads a base checkpoint without the deberta prefix", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  INFO(name);
  auto f = load_fixture(name);
  TensorMap bare;
  for (const auto& [key, value] : f.tensors)
    if (key.rfind("deberta.", 0) == 0) bare[key.substr(8)] = value;
  DebertaV2Model model(f.config);
  const auto report = load_weights(*model, bare, {"bare"});
  CHECK(report.initialised.empty());
  CHECK(report.unexpected.empty());
  model->eval();
  torch::InferenceMode guard;
  const auto hidden = model(f.inputs);
  CHECK(max_abs_diff(hidden, golden_tensor(f.golden.at("model").at("outputs").at("last_hidden_state"))) <
        kForwardAbsolute);
}

TEST_CASE("the relative positions match the golden bucketed matrix", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  INFO(name);
  auto f = load_fixture(name);
  const int64_t length = f.inputs.input_ids.size(1);
  const auto positions =
      relative_positions(length, length, f.config.position_buckets, f.config.max_relative()).to(torch::kFloat);
  const auto golden = golden_tensor(f.golden.at("model").at("outputs").at("relative_position"));
  CHECK(max_abs_diff(positions, golden.reshape(positions.sizes())) == 0.0);
}

TEST_CASE("the regression head gives the golden logits and MSE loss", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  const std::string weights = GENERATE(as<std::string>(), "model.safetensors", "pytorch_model.bin");
  INFO(name << " loaded from " << weights);
  auto f = load_fixture(name, weights);
  const auto& golden = f.golden.at("model").at("regression");
  for (auto& [key, value] : read_safetensors(test::fixture_dir(name) + "/regression_head.safetensors"))
    f.tensors[key] = value;
  set_labels(f.config, {"LABEL_0"});
  auto model = classifier_for(f.config, f.tensors);
  const auto labels = torch::tensor(golden.at("labels").get<std::vector<float>>());
  torch::InferenceMode guard;
  const auto out = model(f.inputs);
  CHECK(max_abs_diff(out.logits, golden_tensor(golden.at("logits"))) < kForwardAbsolute);
  CHECK(sequence_classification_loss(out.logits, labels).item<double>() ==
        Approx(golden.at("mse_loss").get<double>()).epsilon(kLossRelative));
}

TEST_CASE("one training step reproduces the golden loss, gradient norms and post-step logits", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  const std::string weights = GENERATE(as<std::string>(), "model.safetensors", "pytorch_model.bin");
  INFO(name << " loaded from " << weights);
  auto f = load_fixture(name, weights);
  const auto& golden = f.golden.at("model").at("training");
  auto model = classifier_for(f.config, f.tensors);  // eval(): dropout off, as the record
  const auto labels = torch::tensor(golden.at("labels").get<std::vector<int64_t>>());

  const auto loss = sequence_classification_loss(model(f.inputs).logits, labels);
  CHECK(loss.item<double>() == Approx(golden.at("loss").get<double>()).epsilon(kLossRelative));
  loss.backward();

  double squared_sum = 0;
  for (const auto& item : model->named_parameters()) {
    const auto& expected = golden.at("grad_norms").at(item.key());
    const double norm = item.value().grad().norm().item<double>();
    squared_sum += norm * norm;
    INFO("gradient norm of " << item.key());
    // Some norms are mathematically zero and come out as round-off noise.
    CHECK(norm == Approx(expected.get<double>()).epsilon(kStepRelative).margin(kZeroNormAbsolute));
  }
  CHECK(std::sqrt(squared_sum) == Approx(golden.at("global_grad_norm").get<double>()).epsilon(kStepRelative));

  {
    torch::NoGradGuard no_grad;
    const double lr = golden.at("lr").get<double>();
    for (auto& p : model->parameters()) p.sub_(lr * p.grad());
  }
  torch::InferenceMode guard;
  const auto after = model(f.inputs).logits;
  CHECK(sequence_classification_loss(after, labels).item<double>() ==
        Approx(golden.at("loss_after_sgd_step").get<double>()).epsilon(kStepRelative));
  CHECK(max_abs_diff(after, golden_tensor(golden.at("logits_after_sgd_step"))) < kStepLogitsAbsolute);
}

TEST_CASE("the classification loss ignores every negative label, as HF does", "[numeric]") {
  auto f = load_fixture("deberta-v3-tiny");
  const auto& golden = f.golden.at("model").at("training").at("ignored_label_case");
  auto model = classifier_for(f.config, f.tensors);
  torch::InferenceMode guard;
  const auto labels = torch::tensor(golden.at("labels").get<std::vector<int64_t>>());
  CHECK(sequence_classification_loss(model(f.inputs).logits, labels).item<double>() ==
        Approx(golden.at("loss").get<double>()).epsilon(kLossRelative));
}

TEST_CASE("a missing classifier is initialised fresh and reported, or refused with strict") {
  auto f = load_fixture("deberta-v3-tiny");
  for (auto it = f.tensors.begin(); it != f.tensors.end();)
    it = (it->first.rfind("classifier.", 0) == 0) ? f.tensors.erase(it) : std::next(it);
  DebertaV2ForSequenceClassification model(f.config);
  const auto report = load_weights(*model, f.tensors, {"ckpt"});
  CHECK(report.initialised == std::vector<std::string>{"classifier.weight", "classifier.bias"});
  CHECK(model->named_parameters()["classifier.bias"].abs().max().item<double>() == 0.0);
  LoadOptions strict{"ckpt"};
  strict.strict = true;
  CHECK_THROWS_WITH(load_weights(*model, f.tensors, strict),
                    Catch::Contains("ckpt: missing tensor(s) classifier.weight, classifier.bias"));
}

TEST_CASE("weights whose hidden size disagrees with the config are refused naming the tensor") {
  auto f = load_fixture("deberta-v3-tiny");
  auto wider = f.config.source;
  wider["hidden_size"] = 64;
  wider["pooler_hidden_size"] = 64;
  DebertaV2ForSequenceClassification model(parse_config(wider.dump(), "config.json"));
  CHECK_THROWS_WITH(load_weights(*model, f.tensors, {"model.safetensors"}),
                    Catch::Contains("model.safetensors: deberta.embeddings.word_embeddings.weight has shape"));
}

TEST_CASE("pre-training heads in a checkpoint are ignored and counted") {
  auto f = load_fixture("deberta-v3-tiny");
  f.tensors["lm_predictions.lm_head.bias"] = torch::zeros({10});
  f.tensors["lm_predictions.lm_head.dense.weight"] = torch::zeros({2, 2});
  DebertaV2ForSequenceClassification model(f.config);
  const auto report = load_weights(*model, f.tensors, {"ckpt"});
  CHECK(report.ignored.at("lm_predictions.") == 2);
  CHECK(report.unexpected.empty());
}

TEST_CASE("a checkpoint written and read back gives identical outputs", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  INFO(name);
  auto f = load_fixture(name);
  auto model = classifier_for(f.config, f.tensors);
  const ScratchDir scratch;
  const std::filesystem::path dir = scratch.file("roundtrip-" + name);
  write_checkpoint(dir.string(), f.config, model_tensors(*model), test::fixture_dir(name));
  ModelOptions strict;
  strict.strict = true;
  auto reloaded = load_model(dir.string(), strict);
  REQUIRE(reloaded.has_head());
  CHECK(reloaded.config.labels == f.config.labels);
  torch::InferenceMode guard;
  const auto before = model(f.inputs);
  const auto after = reloaded.classifier(f.inputs);
  CHECK(torch::equal(before.last_hidden_state, after.last_hidden_state));
  CHECK(torch::equal(before.logits, after.logits));
}
