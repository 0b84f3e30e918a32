// The trainer's step against the recorded Hugging Face Trainer runs of the
// fixtures, and its parts one by one: schedules, AdamW groups, clipping,
// accumulation and the non-finite guard.
#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/replay.h"
#include "golden.h"
#include "io/safetensors.h"
#include "model/deberta.h"
#include "model/weights.h"
#include "tolerances.h"
#include "train/optimizer.h"
#include "train/schedule.h"
#include "train/step.h"

using namespace deberta;
using deberta::test::golden_long_matrix;
using deberta::test::golden_tensor;
using deberta::test::json_lines;
using deberta::test::ScratchDir;

namespace {

using deberta::test::kStepLogitsAbsolute;
using deberta::test::kStepRelative;

const double kPi = std::acos(-1.0);

// Compares replay output with the record: one line per recorded step, then the final logits.
void check_replay_matches(const std::vector<nlohmann::json>& lines, const nlohmann::json& record) {
  const auto& steps = record.at("steps");
  REQUIRE(lines.size() == steps.size() + 1);
  for (size_t s = 0; s < steps.size(); ++s) {
    INFO("step " << s << ": got " << lines[s].dump() << ", expected " << steps[s].dump());
    CHECK(lines[s].at("step").get<size_t>() == s);
    for (const char* key : {"loss", "lr", "grad_norm_before_clip"})
      CHECK(lines[s].at(key).get<double>() == Approx(steps[s].at(key).get<double>()).epsilon(kStepRelative));
  }
  const auto logits = golden_tensor(lines.back().at("final_logits"));
  const auto expected = golden_tensor(record.at("final_logits"));
  INFO("final logits " << logits << "\nexpected " << expected);
  CHECK(test::max_abs_diff(logits, expected) < kStepLogitsAbsolute);
}

DebertaV2ForSequenceClassification fixture_model(const std::string& name) {
  const std::string dir = test::fixture_dir(name);
  auto config = load_config(dir + "/config.json");
  config.hidden_dropout_prob = 0.0;
  config.attention_probs_dropout_prob = 0.0;
  config.pooler_dropout = 0.0;
  config.cls_dropout = 0.0;
  DebertaV2ForSequenceClassification model(config);
  LoadOptions options;
  options.source = name;
  options.strict = true;
  load_weights(*model, read_safetensors(dir + "/model.safetensors"), options);
  return model;
}

// The first recorded batch of a fixture.
Batch fixture_batch(const std::string& name) {
  const auto record = test::read_json(test::fixture_dir(name) + "/train_golden.json");
  const auto& b = record.at("batches").at(0);
  return {{golden_long_matrix(b.at("input_ids")), golden_long_matrix(b.at("attention_mask")),
           golden_long_matrix(b.at("token_type_ids"))},
          torch::tensor(b.at("labels").get<std::vector<int64_t>>())};
}

Batch rows(const Batch& batch, int64_t begin, int64_t end) {
  return {{batch.inputs.input_ids.slice(0, begin, end), batch.inputs.attention_mask.slice(0, begin, end),
           batch.inputs.token_type_ids.slice(0, begin, end)},
          batch.labels.slice(0, begin, end)};
}

Optimization optimization_for(const DebertaV2ForSequenceClassification& model, double max_grad_norm) {
  AdamWConfig adamw;
  adamw.weight_decay = 0.01;
  LrSchedule schedule;
  schedule.lr = 1e-3;
  schedule.total_steps = 10;
  return {make_adamw(*model, adamw), schedule, max_grad_norm};
}

double global_norm(const std::vector<torch::Tensor>& tensors) {
  double squared = 0;
  for (const auto& t : tensors) squared += t.grad().pow(2).sum().item<double>();
  return std::sqrt(squared);
}

}  // namespace

TEST_CASE("replay reproduces every recorded step and the final logits on every fixture", "[numeric]") {
  const std::string name = GENERATE(from_range(std::begin(test::kFixtures), std::end(test::kFixtures)));
  INFO(name);
  const std::string dir = test::fixture_dir(name);
  std::ostringstream out;
  replay_training_record(dir, dir + "/train_golden.json", "cpu", out);
  check_replay_matches(json_lines(out.str()), test::read_json(dir + "/train_golden.json"));
}

TEST_CASE("the replay command prints one JSON line per recorded step and then the final logits", "[numeric]") {
  const std::string dir = test::fixture_dir("deberta-v2-variant");
  const auto result = test::run_cli("replay --model '" + dir + "' --record '" + dir + "/train_golden.json'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  INFO("each step line is expected to list step, loss, lr and grad_norm_before_clip in that order");
  CHECK(result.output.rfind("{\"step\":0,\"loss\":", 0) == 0);
  CHECK(result.output.find(",\"lr\":0.0,\"grad_norm_before_clip\":") != std::string::npos);
  check_replay_matches(json_lines(result.output), test::read_json(dir + "/train_golden.json"));
}

TEST_CASE("a training record without a field is refused in one line naming the file and the field") {
  const std::string dir = test::fixture_dir("deberta-v3-tiny");
  auto record = test::read_json(dir + "/train_golden.json");
  record["procedure"]["optimizer"].erase("weight_decay");
  const ScratchDir scratch;
  const std::filesystem::path path = scratch.file("record-without-weight-decay.json");
  std::ofstream(path) << record.dump();
  std::ostringstream out;
  try {
    replay_training_record(dir, path.string(), "cpu", out);
    FAIL("expected the record to be refused");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message == path.string() + ": field procedure.optimizer.weight_decay is missing");
  }
  CHECK(out.str().empty());
}

TEST_CASE("the linear schedule warms up from zero then decays linearly to zero") {
  LrSchedule schedule;
  schedule.lr = 2e-3;
  schedule.warmup_steps = 4;
  schedule.total_steps = 14;
  CHECK(schedule.lr_at(0) == 0.0);
  CHECK(schedule.lr_at(1) == Approx(5e-4));
  CHECK(schedule.lr_at(4) == Approx(2e-3));
  CHECK(schedule.lr_at(9) == Approx(1e-3));
  CHECK(schedule.lr_at(13) == Approx(2e-4));
  CHECK(schedule.lr_at(14) == 0.0);
  CHECK(schedule.lr_at(20) == 0.0);
}

TEST_CASE("the linear schedule without warmup starts at the peak rate") {
  LrSchedule schedule;
  schedule.lr = 1.0;
  schedule.total_steps = 4;
  CHECK(schedule.lr_at(0) == 1.0);
  CHECK(schedule.lr_at(1) == 0.75);
  CHECK(schedule.lr_at(3) == 0.25);
}

TEST_CASE("a warmup ratio becomes the ceiling of total steps times the ratio as in HF") {
  LrSchedule schedule;
  schedule.total_steps = 10;
  schedule.warmup_ratio = 0.25;
  CHECK(schedule.resolved_warmup_steps() == 3);
  schedule.total_steps = 1000;
  schedule.warmup_ratio = 0.06;
  CHECK(schedule.resolved_warmup_steps() == 60);
  // Python's math.ceil(100 * 0.07) is 8: the product is 7.000000000000001.
  schedule.total_steps = 100;
  schedule.warmup_ratio = 0.07;
  CHECK(schedule.resolved_warmup_steps() == 8);
  schedule.warmup_steps = 5;
  INFO("positive warmup_steps are expected to win over warmup_ratio");
  CHECK(schedule.resolved_warmup_steps() == 5);
}

TEST_CASE("the constant schedule holds the peak rate after warmup") {
  LrSchedule schedule;
  schedule.type = ScheduleType::constant_with_warmup;
  schedule.lr = 1.0;
  schedule.warmup_steps = 2;
  schedule.total_steps = 10;
  CHECK(schedule.lr_at(0) == 0.0);
  CHECK(schedule.lr_at(1) == 0.5);
  CHECK(schedule.lr_at(2) == 1.0);
  CHECK(schedule.lr_at(10) == 1.0);
  CHECK(schedule.lr_at(100) == 1.0);
}

TEST_CASE("the cosine schedule falls from the peak to zero along half a cosine after warmup") {
  LrSchedule schedule;
  schedule.type = ScheduleType::cosine;
  schedule.lr = 1.0;
  schedule.warmup_steps = 2;
  schedule.total_steps = 10;
  CHECK(schedule.lr_at(1) == 0.5);
  CHECK(schedule.lr_at(2) == 1.0);
  CHECK(schedule.lr_at(4) == Approx(0.5 * (1 + std::cos(kPi * 0.25))));
  CHECK(schedule.lr_at(6) == Approx(0.5));
  CHECK(schedule.lr_at(8) == Approx(0.5 * (1 + std::cos(kPi * 0.75))));
  CHECK(schedule.lr_at(10) == Approx(0.0).margin(1e-15));
}

TEST_CASE("biases and LayerNorm weights go to the no-decay group and every other parameter decays") {
  auto model = fixture_model("deberta-v2-variant");
  AdamWConfig config;
  config.weight_decay = 0.01;
  const auto optimizer = make_adamw(*model, config);
  REQUIRE(optimizer.param_groups().size() == 2);
  const auto& decay = optimizer.param_groups()[0];
  const auto& no_decay = optimizer.param_groups()[1];
  CHECK(static_cast<const torch::optim::AdamWOptions&>(decay.options()).weight_decay() == 0.01);
  CHECK(static_cast<const torch::optim::AdamWOptions&>(no_decay.options()).weight_decay() == 0.0);

  const auto in = [](const torch::optim::OptimizerParamGroup& group, const torch::Tensor& p) {
    return std::any_of(group.params().begin(), group.params().end(),
                       [&](const torch::Tensor& q) { return q.is_same(p); });
  };
  const auto parameters = model->named_parameters();
  CHECK(decay.params().size() + no_decay.params().size() == parameters.size());
  for (const auto& item : parameters) {
    const std::string& name = item.key();
    const bool expect_no_decay = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    const bool layer_norm_weight = name.find("LayerNorm.weight") != std::string::npos;
    INFO(name << " is expected in the " << (expect_no_decay || layer_norm_weight ? "no-decay" : "decay") << " group");
    CHECK(in(expect_no_decay || layer_norm_weight ? no_decay : decay, item.value()));
  }
  for (const char* name : {"deberta.embeddings.LayerNorm.weight", "deberta.encoder.conv.LayerNorm.weight",
                           "deberta.encoder.layer.0.attention.output.LayerNorm.weight", "classifier.bias"}) {
    INFO(name << " is expected in the no-decay group");
    CHECK(in(no_decay, parameters[name]));
  }
  for (const char* name : {"deberta.embeddings.word_embeddings.weight", "deberta.encoder.rel_embeddings.weight",
                           "deberta.encoder.conv.conv.weight", "classifier.weight"}) {
    INFO(name << " is expected in the decay group");
    CHECK(in(decay, parameters[name]));
  }
}

TEST_CASE("AdamW decays the weights then takes the bias-corrected Adam step as torch.optim.AdamW", "[numeric]") {
  const bool fused = GENERATE(true, false);
  INFO((fused ? "the fused kernel" : "the per-parameter loop"));
  torch::nn::Linear layer(1, 1);
  {
    torch::NoGradGuard no_grad;
    layer->weight.fill_(2.0);
    layer->bias.fill_(-1.0);
  }
  AdamWConfig config;
  config.beta1 = 0.9;
  config.beta2 = 0.99;
  config.eps = 1e-6;
  config.weight_decay = 0.1;
  config.fused = fused;
  auto optimizer = make_adamw(*layer, config);
  const double lr = 0.05;
  set_learning_rate(optimizer, lr);

  // The update of torch/optim/adamw.py, in double precision.
  struct Expected {
    double p, m = 0, v = 0;
    void step(int t, double g, double lr, double wd, const AdamWConfig& c) {
      p *= 1 - lr * wd;
      m = c.beta1 * m + (1 - c.beta1) * g;
      v = c.beta2 * v + (1 - c.beta2) * g * g;
      const double denom = std::sqrt(v) / std::sqrt(1 - std::pow(c.beta2, t)) + c.eps;
      p -= lr / (1 - std::pow(c.beta1, t)) * m / denom;
    }
  };
  Expected weight{2.0}, bias{-1.0};
  const double grads[] = {0.5, -0.25, 1.5};
  for (int t = 1; t <= 3; ++t) {
    layer->weight.mutable_grad() = torch::full({1, 1}, grads[t - 1]);
    layer->bias.mutable_grad() = torch::full({1}, grads[t - 1]);
    optimizer.step();
    weight.step(t, grads[t - 1], lr, config.weight_decay, config);
    bias.step(t, grads[t - 1], lr, 0.0, config);
    // float32 against the exact update (tests/tolerances.h); the parameters
    // stay within 2.5 of zero.
    const double bound = test::adamw_bound(t, lr, config.beta1, config.beta2, 2.5);
    INFO("after step " << t << ": expected float32 within " << bound << " of the update in double");
    CHECK(layer->weight.item<double>() == Approx(weight.p).epsilon(0).margin(bound));
    CHECK(layer->bias.item<double>() == Approx(bias.p).epsilon(0).margin(bound));
  }
}

namespace {

constexpr int kSteps = 50;
constexpr double kLr = 1e-3;

AdamWConfig adamw_config(bool fused) {
  AdamWConfig config;
  config.eps = 1e-6;
  config.weight_decay = 0.01;
  config.fused = fused;
  return config;
}

}  // namespace

TEST_CASE("the fused AdamW stays within float32 round-off of the per-parameter loop over many steps", "[numeric]") {
  torch::manual_seed(3);
  // A vector longer than a few SIMD widths and one with a ragged tail.
  const std::vector<torch::Tensor> start = {torch::randn({1000}), torch::randn({37})};
  const auto run = [&](bool fused) {
    torch::nn::Module module;
    auto weight = module.register_parameter("weight", start[0].clone());
    auto bias = module.register_parameter("bias", start[1].clone());
    auto optimizer = make_adamw(module, adamw_config(fused));
    set_learning_rate(optimizer, kLr);
    torch::manual_seed(4);
    for (int t = 0; t < kSteps; ++t) {
      weight.mutable_grad() = torch::randn({1000});
      bias.mutable_grad() = torch::randn({37});
      optimizer.step();
    }
    return std::vector<torch::Tensor>{weight.detach().clone(), bias.detach().clone()};
  };
  const auto fused = run(true), loop = run(false);
  // Each implementation may be off the exact update by adamw_bound
  // (tests/tolerances.h), so the two by twice that, element by element. A
  // parameter moves at most lr * 2 per step (the Adam ratio stays below 2).
  const AdamWConfig config = adamw_config(true);
  for (size_t i = 0; i < fused.size(); ++i) {
    const auto largest = loop[i].abs() + kSteps * kLr * 2;
    const auto bound = 2 * test::adamw_bound(kSteps, kLr, config.beta1, config.beta2, 1.0) * largest +
                       2 * test::adamw_bound(kSteps, kLr, config.beta1, config.beta2, 0.0);
    const auto excess = ((fused[i] - loop[i]).abs() / bound).max().item<double>();
    INFO("tensor " << i << ": the largest difference after " << kSteps << " steps is " << excess
                   << " times its float32 round-off bound; expected at most 1");
    CHECK(excess <= 1.0);
    INFO("expected the two to differ by round-off only, not to be the same kernel");
    CHECK((fused[i] - loop[i]).abs().max().item<double>() < 1e-4);
  }
}

TEST_CASE("clipping caps the global gradient norm at max_grad_norm and returns the norm before clipping", "[numeric]") {
  auto a = torch::zeros({2}, torch::requires_grad());
  auto b = torch::zeros({1}, torch::requires_grad());
  auto no_grad = torch::zeros({3}, torch::requires_grad());
  const std::vector<torch::Tensor> parameters = {a, b, no_grad};
  const auto set_grads = [&] {
    a.mutable_grad() = torch::tensor({3.0f, 0.0f});
    b.mutable_grad() = torch::tensor({4.0f});
  };

  set_grads();
  CHECK(clip_grad_norm(parameters, 1.0) == Approx(5.0));
  INFO("the clipped norm is expected to be max_grad_norm");
  CHECK(global_norm({a, b}) == Approx(1.0).epsilon(1e-5));
  CHECK(a.grad()[0].item<double>() == Approx(0.6).epsilon(1e-5));

  set_grads();
  CHECK(clip_grad_norm(parameters, 10.0) == Approx(5.0));
  INFO("a norm under max_grad_norm is expected to leave the gradients alone");
  CHECK(global_norm({a, b}) == Approx(5.0));

  set_grads();
  CHECK(clip_grad_norm(parameters, 0.0) == Approx(5.0));
  INFO("max_grad_norm 0 is expected to turn clipping off");
  CHECK(global_norm({a, b}) == Approx(5.0));
}

TEST_CASE("accumulating two half batches gives the step of the whole batch", "[numeric]") {
  const std::string name = "deberta-v3-tiny";
  const Batch batch = fixture_batch(name);
  auto whole_model = fixture_model(name);
  auto halves_model = fixture_model(name);
  auto whole = optimization_for(whole_model, 1.0);
  auto halves = optimization_for(halves_model, 1.0);

  const auto one =
      train_step(*whole_model, classification_objective(as_classifier(whole_model.ptr())), whole, 3, {batch});
  const auto two = train_step(*halves_model, classification_objective(as_classifier(halves_model.ptr())), halves, 3,
                              {rows(batch, 0, 2), rows(batch, 2, 4)});
  CHECK(two.finite);
  CHECK(two.lr == one.lr);
  CHECK(two.loss == Approx(one.loss).epsilon(test::kAccumulationRelative));
  CHECK(two.grad_norm_before_clip == Approx(one.grad_norm_before_clip).epsilon(test::kAccumulationNormRelative));
  const auto after_whole = model_tensors(*whole_model);
  const auto after_halves = model_tensors(*halves_model);
  for (const auto& [key, value] : after_whole) {
    INFO(key << " is expected to be updated as with the whole batch");
    CHECK(test::max_abs_diff(value, after_halves.at(key)) < test::kAccumulationWeightAbsolute);
  }
  for (const auto& p : halves_model->parameters()) {
    INFO("the gradients are expected to be cleared (set to none, as torch 2.x's zero_grad does) after the step");
    CHECK_FALSE(p.grad().defined());
  }
}

TEST_CASE("a non-finite loss is flagged and the update is not applied", "[numeric]") {
  const std::string name = "deberta-v3-tiny";
  auto model = fixture_model(name);
  auto optimization = optimization_for(model, 1.0);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["classifier.bias"][0].fill_(std::numeric_limits<float>::quiet_NaN());
  }
  TensorMap before;
  for (const auto& [key, value] : model_tensors(*model)) before[key] = value.clone();
  const auto result =
      train_step(*model, classification_objective(as_classifier(model.ptr())), optimization, 5, {fixture_batch(name)});
  CHECK_FALSE(result.finite);
  CHECK(std::isnan(result.loss));
  const auto after = model_tensors(*model);
  for (const char* key : {"classifier.weight", "deberta.embeddings.word_embeddings.weight"}) {
    INFO(key << " is expected to keep its value");
    CHECK(torch::equal(before.at(key), after.at(key)));
  }
}
