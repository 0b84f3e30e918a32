// Pre-training: one RTD+GDES step against scripts/rtd-golden.py's golden.
#include <torch/torch.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>

#include "golden.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/pretraining.h"
#include "model/weights.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tolerances.h"
#include "train/pretrain_data.h"
#include "util/resources.h"

using namespace deberta;

namespace {

torch::Tensor long_matrix(const nlohmann::json& node) {
  const auto shape = node.at("shape").get<std::vector<int64_t>>();
  const auto data = node.at("data").get<std::vector<int64_t>>();
  return torch::tensor(data, torch::kLong).view(shape);
}

DebertaConfig without_dropout(DebertaConfig config) {
  config.hidden_dropout_prob = 0.0;
  config.attention_probs_dropout_prob = 0.0;
  return config;
}

}  // namespace

TEST_CASE("one RTD step with GDES reproduces the golden MLM and RTD losses and every gradient norm", "[numeric]") {
  const std::string fixture = test::fixture_dir("deberta-v3-tiny");
  const std::string golden_dir = test::data_path("rtd");
  const auto golden = test::read_json(golden_dir + "/rtd_golden.json");

  RtdModel model(without_dropout(load_config(golden_dir + "/generator/config.json")),
                 without_dropout(load_config(fixture + "/config.json")));
  LoadOptions strict;
  strict.strict = true;
  strict.source = "generator";
  load_weights(*model->generator, read_safetensors(golden_dir + "/generator/model.safetensors"), strict);
  auto discriminator = read_safetensors(fixture + "/model.safetensors");
  for (const auto& [name, tensor] : read_safetensors(golden_dir + "/discriminator_head.safetensors"))
    discriminator[name] = tensor;
  // E_delta starts at zero; the pooler and classifier of the fixture have no place in it.
  discriminator["deberta.embeddings.word_embeddings.weight"].zero_();
  LoadOptions lenient;
  lenient.source = "discriminator";
  const auto report = load_weights(*model->discriminator, discriminator, lenient);
  INFO("expected every discriminator weight to come from the fixture or the golden head");
  REQUIRE(report.initialised.empty());

  RtdBatch batch;
  batch.original = long_matrix(golden.at("input_ids"));
  batch.masked.input_ids = long_matrix(golden.at("masked_input_ids"));
  batch.masked.attention_mask = long_matrix(golden.at("attention_mask"));
  batch.masked.token_type_ids = torch::zeros_like(batch.original);
  batch.mlm_labels = long_matrix(golden.at("mlm_labels"));
  const auto samples = long_matrix(golden.at("discriminator_input_ids"));

  const auto losses = rtd_losses(model, batch, golden.at("procedure").at("rtd_weight").get<double>(), samples);
  CHECK(torch::equal(losses.discriminator_inputs, samples));
  CHECK(losses.mlm.item<double>() == Approx(golden.at("mlm_loss").get<double>()).epsilon(deberta::test::kStepRelative));
  CHECK(losses.rtd.item<double>() == Approx(golden.at("rtd_loss").get<double>()).epsilon(deberta::test::kStepRelative));
  CHECK(losses.total.item<double>() ==
        Approx(golden.at("total_loss").get<double>()).epsilon(deberta::test::kStepRelative));

  losses.total.backward();
  std::map<std::string, double> norms;
  for (const auto& item : model->named_parameters())
    if (item.value().grad().defined()) norms[item.key()] = item.value().grad().norm().item<double>();
  for (const auto& [name, expected] : golden.at("grad_norms").items()) {
    INFO(name << ": expected a gradient norm of " << expected.get<double>() << " within "
              << deberta::test::kStepRelative << " relative");
    // A parameter the golden has but whose gradient is undefined here counts as 0.
    const double got = norms.count(name) ? norms.at(name) : 0.0;
    CHECK(
        got ==
        Approx(expected.get<double>()).epsilon(deberta::test::kStepRelative).margin(deberta::test::kZeroNormAbsolute));
  }
  INFO("expected the same set of parameters with gradients as the golden");
  CHECK(norms.size() == golden.at("grad_norms").size());
}

namespace {

namespace fs = std::filesystem;
using deberta::test::data_parallel_command;
using deberta::test::json_lines;
using deberta::test::read_text;
using deberta::test::run_cli;
using deberta::test::run_shell;
using deberta::test::ScratchDir;

// The NSMC sample's training texts, one per line: the corpus of these tests.
fs::path nsmc_corpus(const ScratchDir& scratch) {
  const fs::path corpus = scratch.file("nsmc-train.txt");
  std::ifstream in(std::string(DEBERTA_BENCH_TEST_DATA) + "/../../data/samples/nsmc/ratings_train.txt");
  REQUIRE(in.good());
  std::ofstream out(corpus);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    const auto first = line.find('\t'), second = line.find('\t', first + 1);
    if (first != std::string::npos && second != std::string::npos)
      out << line.substr(first + 1, second - first - 1) << '\n';
  }
  return corpus;
}

// 50 steps of a small generator/discriminator pair on 64-token sequences.
std::string quick_pretrain(const fs::path& corpus, const fs::path& run, int steps) {
  return "--threads 1 pretrain --corpus '" + corpus.string() + "' --output-dir '" + run.string() +
         "' --set training.max_steps=" + std::to_string(steps) +
         " --set training.batch_size=8 --set training.max_seq_len=64 --set training.logging_steps=1"
         " --set evaluation.every_steps=25 --set pretrain.eval_sequences=16 --set optimizer.lr=2e-3";
}

double mean_of(const std::vector<nlohmann::json>& lines, const char* key, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += lines[i].at(key).get<double>();
  return sum / static_cast<double>(to - from);
}

std::vector<nlohmann::json> training_lines(const fs::path& run) {
  std::vector<nlohmann::json> out;
  for (const auto& line : json_lines(read_text((run / "metrics.jsonl").string())))
    if (line.contains("loss")) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("pretrain on the NSMC sample lowers both losses over 50 steps and writes HF directories") {
  const ScratchDir scratch;
  const auto corpus = nsmc_corpus(scratch);
  const fs::path run = scratch.file("run");
  const auto result = run_cli(quick_pretrain(corpus, run, 50));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto lines = training_lines(run);
  REQUIRE(lines.size() == 50);
  const double mlm_first = mean_of(lines, "mlm_loss", 0, 10), mlm_last = mean_of(lines, "mlm_loss", 40, 50);
  const double rtd_first = mean_of(lines, "rtd_loss", 0, 10), rtd_last = mean_of(lines, "rtd_loss", 40, 50);
  INFO("mean of steps 1-10 against 41-50: MLM " << mlm_first << " -> " << mlm_last << ", RTD " << rtd_first << " -> "
                                                << rtd_last << "; expected both lower");
  CHECK(mlm_last < mlm_first);
  CHECK(rtd_last < rtd_first);
  for (const char* file :
       {"discriminator/config.json", "discriminator/model.safetensors", "discriminator/spm.model",
        "generator/config.json", "generator/model.safetensors", "results.json", "learning-curves.svg"})
    CHECK(fs::exists(run / file));
  CHECK_FALSE(fs::exists(run / "checkpoint-last"));
  const auto generator = deberta::read_safetensors((run / "generator/model.safetensors").string());
  CHECK(generator.count("lm_predictions.lm_head.bias") == 1);
  const auto discriminator = deberta::read_safetensors((run / "discriminator/model.safetensors").string());
  CHECK(discriminator.count("mask_predictions.classifier.weight") == 1);
  INFO("the discriminator's word embeddings are E + E_delta, not E_delta alone");
  CHECK(discriminator.at("deberta.embeddings.word_embeddings.weight").abs().sum().item<double>() > 0);

  SECTION("its discriminator fine-tunes with finetune --model") {
    const fs::path tuned = scratch.file("tuned");
    const auto finetune = run_cli("--threads 1 finetune --task nsmc --model '" + (run / "discriminator").string() +
                                  "' --output-dir '" + tuned.string() + "'" + deberta::test::kQuick);
    INFO(finetune.output);
    CHECK(finetune.exit_code == 0);
    CHECK(fs::exists(tuned / "results.json"));
  }
}

TEST_CASE("a pretrain run stopped and resumed ends bit-identical to an uninterrupted one", "[numeric]") {
  const ScratchDir scratch;
  const auto corpus = nsmc_corpus(scratch);
  const fs::path whole = scratch.file("whole"), split = scratch.file("split");
  // A shuffle buffer smaller than the corpus: the resumed run must replay its order.
  const std::string small_buffer = " --set pretrain.shuffle_buffer=16";
  auto result = run_cli(quick_pretrain(corpus, whole, 20) + small_buffer);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = run_cli(quick_pretrain(corpus, split, 20) + small_buffer + " --stop-after-steps 10");
  REQUIRE(result.exit_code == 0);
  REQUIRE(fs::exists(split / "checkpoint-last"));
  result = run_cli("--threads 1 pretrain --resume '" + split.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("resuming") != std::string::npos);
  INFO("expected the same metrics and the same weights, byte for byte");
  CHECK(read_text((whole / "metrics.jsonl").string()) == read_text((split / "metrics.jsonl").string()));
  for (const char* file : {"discriminator/model.safetensors", "generator/model.safetensors"})
    CHECK(read_text((whole / file).string()) == read_text((split / file).string()));

  // A finished run is refused, as finetune refuses one, and left as it was.
  const std::string metrics = read_text((whole / "metrics.jsonl").string());
  result = run_cli("--threads 1 pretrain --resume '" + whole.string() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(whole.string() + ": the run has finished (results.json exists); nothing to resume") !=
        std::string::npos);
  CHECK(read_text((whole / "metrics.jsonl").string()) == metrics);
}

TEST_CASE("pretrain runs as two processes on Gloo and lowers its loss") {
  const ScratchDir scratch;
  const auto corpus = nsmc_corpus(scratch);
  const fs::path run = scratch.file("two");
  const auto result = run_shell(data_parallel_command(2, quick_pretrain(corpus, run, 20)));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("2 process(es)") != std::string::npos);
  const auto lines = training_lines(run);
  REQUIRE(lines.size() == 20);
  CHECK(mean_of(lines, "loss", 15, 20) < mean_of(lines, "loss", 0, 5));
  CHECK(fs::exists(run / "discriminator/model.safetensors"));
}

TEST_CASE("masking chooses about mask_prob of the tokens, never a special one, 80/10/10, and whole words together") {
  const int64_t length = 64, rows = 200;
  std::vector<int32_t> packed_ids;
  std::vector<uint8_t> starts;
  // [CLS] 62 pieces [SEP]; every third piece starts a word; piece ids 10..99.
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < length; ++c) {
      const bool edge = c == 0 || c == length - 1;
      packed_ids.push_back(edge ? (c == 0 ? 1 : 2) : static_cast<int32_t>(10 + (r * 7 + c) % 90));
      starts.push_back(edge || c % 3 == 1 ? 1 : 0);
    }
  }
  const PackedCorpus corpus(length, packed_ids, starts);
  MaskingOptions options;
  options.mask_id = 100;
  options.pad_id = 0;
  options.vocab_size = 101;
  options.special_ids = {0, 1, 2, 3, 100};
  std::vector<int64_t> all(rows);
  std::iota(all.begin(), all.end(), 0);

  const Batch batch = mask_rows(corpus, all, options, 7);
  const auto chosen = batch.labels.ge(0);
  const double share = chosen.sum().item<double>() / (rows * 62.0);
  INFO("chosen share " << share << ", expected about 0.15");
  CHECK(share == Approx(0.15).margin(0.01));
  CHECK_FALSE(chosen.select(1, 0).any().item<bool>());
  CHECK_FALSE(chosen.select(1, 63).any().item<bool>());
  const auto ids = batch.inputs.input_ids;
  const double masked = (ids.eq(100) & chosen).sum().item<double>() / chosen.sum().item<double>();
  const double kept = (ids.eq(batch.labels) & chosen).sum().item<double>() / chosen.sum().item<double>();
  INFO("[MASK] share " << masked << ", kept share " << kept << "; expected about 0.8 and 0.1 (plus chance repeats)");
  CHECK(masked == Approx(0.8).margin(0.03));
  CHECK(kept == Approx(0.1).margin(0.03));
  INFO("the same rows and seed mask the same; another seed does not");
  CHECK(torch::equal(mask_rows(corpus, all, options, 7).inputs.input_ids, ids));
  CHECK_FALSE(torch::equal(mask_rows(corpus, all, options, 8).inputs.input_ids, ids));

  options.whole_word = true;
  const Batch words = mask_rows(corpus, all, options, 7);
  const auto word_chosen = words.labels.ge(0);
  // Pieces 1, 2, 3 form a word, 4, 5, 6 the next, ...: all or none of each is chosen.
  for (int64_t start = 1; start + 2 < 63; start += 3) {
    const auto first = word_chosen.select(1, start);
    CHECK(torch::equal(first, word_chosen.select(1, start + 1)));
    CHECK(torch::equal(first, word_chosen.select(1, start + 2)));
  }
}

TEST_CASE("a corpus is packed to a file once, mapped again by a later run, and packed again when the file is damaged") {
  const ScratchDir scratch;
  const std::string model_dir = deberta::builtin_model_dir();
  const Tokenizer tokenizer = load_tokenizer(model_dir);
  const fs::path text = scratch.file("corpus.txt");
  const std::vector<std::string> lines = {"영화 정말 재미있어요", "", "배우들의 연기가 좋았다", "다시 보고 싶은 영화"};
  {
    std::ofstream out(text);
    for (int copy = 0; copy < 20; ++copy)
      for (const auto& line : lines) out << line << "\n";
  }
  std::vector<int32_t> expected;  // the pieces of every non-blank line, in order
  for (int copy = 0; copy < 20; ++copy)
    for (const auto& line : lines)
      if (!line.empty()) {
        const auto ids = tokenizer.encode(line, std::nullopt, 0).input_ids;
        expected.insert(expected.end(), ids.begin() + 1, ids.end() - 1);
      }
  const std::string cache = scratch.file("cache");
  std::ostringstream log;
  const PackedCorpus packed = pack_corpus({text.string()}, tokenizer, model_dir, 16, cache, log);
  const auto& special = tokenizer.special_tokens();
  std::vector<int32_t> got;
  for (int64_t r = 0; r < packed.sequences(); ++r) {
    const int32_t* row = packed.ids(r);
    INFO("row " << r << ": expected [CLS] first");
    REQUIRE(row[0] == special.cls.id);
    int64_t c = 1;
    for (; c < packed.length() && row[c] != special.sep.id; ++c) got.push_back(row[c]);
    INFO("row " << r << ": expected [SEP] then only padding");
    REQUIRE(c < packed.length());
    for (++c; c < packed.length(); ++c) CHECK(row[c] == special.pad.id);
  }
  INFO("expected the rows to hold the corpus's pieces in order, 14 to a row");
  CHECK(got == expected);
  CHECK(packed.sequences() == static_cast<int64_t>((expected.size() + 13) / 14));
  CHECK(log.str().find("packed from 1 file") != std::string::npos);

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(cache)) files.push_back(entry.path());
  INFO("expected one packed file and no temporary one in the cache");
  REQUIRE(files.size() == 1);
  log.str("");
  const PackedCorpus again = pack_corpus({text.string()}, tokenizer, model_dir, 16, cache, log);
  CHECK(log.str().find("from " + files[0].string()) != std::string::npos);
  CHECK(std::equal(again.ids(0), again.ids(0) + 16, packed.ids(0)));

  fs::resize_file(files[0], fs::file_size(files[0]) - 7);
  log.str("");
  const PackedCorpus repacked = pack_corpus({text.string()}, tokenizer, model_dir, 16, cache, log);
  CHECK(log.str().find("damaged or truncated") != std::string::npos);
  CHECK(repacked.sequences() == packed.sequences());
}

TEST_CASE("pretrain batches split each global batch between processes and replay an epoch's order on resume",
          "[numeric]") {
  const int64_t length = 16, rows = 300;
  std::vector<int32_t> ids;
  std::vector<uint8_t> starts(static_cast<size_t>(rows * length), 1);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < length; ++c) ids.push_back(static_cast<int32_t>(c == 0 ? 1 : 10 + r % 50));
  const PackedCorpus corpus(length, ids, starts);
  MaskingOptions masking;
  masking.mask_id = 100;
  masking.vocab_size = 101;
  masking.special_ids = {0, 1, 2, 3, 100};
  const auto batches = [&](size_t batch_size, int rank, int world) {
    PretrainBatches::Options options;
    options.batch_size = batch_size;
    options.held_out = 20;
    options.rank = rank;
    options.world = world;
    options.shuffle_buffer = 32;  // smaller than the corpus: the order is a stream
    return PretrainBatches(corpus, masking, options);
  };
  const auto ids_at = [](PretrainBatches& source, int64_t epoch, size_t batch) {
    TrainerState state;
    state.epoch = epoch;
    state.next_batch = batch;
    return source.next(state).micro_batches.at(0).inputs.input_ids;
  };
  auto whole = batches(16, 0, 1), first = batches(8, 0, 2), second = batches(8, 1, 2);
  INFO("expected 280 training rows in batches of 16: 17 a step");
  REQUIRE(whole.steps_per_epoch() == 17);
  std::vector<torch::Tensor> sequential;
  for (int64_t epoch = 0; epoch < 2; ++epoch)
    for (size_t b = 0; b < 17; ++b) {
      sequential.push_back(ids_at(whole, epoch, b));
      INFO("epoch " << epoch << " batch " << b << ": expected the two processes' halves to make the whole batch");
      CHECK(torch::equal(torch::cat({ids_at(first, epoch, b), ids_at(second, epoch, b)}), sequential.back()));
    }
  INFO("expected another epoch to take another order");
  CHECK_FALSE(torch::equal(sequential[0], sequential[17]));
  auto resumed = batches(16, 0, 1);
  INFO("expected a fresh source at epoch 1, batch 5 (a resumed run) to give what the sequential one gave");
  CHECK(torch::equal(ids_at(resumed, 1, 5), sequential[17 + 5]));
  CHECK(torch::equal(ids_at(resumed, 0, 3), sequential[3]));
}
