// The model commands end to end: info, tokenize, forward, and their errors.
#include <torch/torch.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

namespace fs = std::filesystem;
using deberta::test::fixture_dir;
using deberta::test::run_cli;

namespace {

// A scratch copy of a fixture directory that a test may damage.
struct ScratchModel {
  deberta::test::ScratchDir scratch;
  fs::path dir = scratch.path();
  explicit ScratchModel(const std::string& fixture) {
    for (const char* file : {"config.json", "model.safetensors", "spm.model", "tokenizer_config.json",
                             "special_tokens_map.json", "golden.json"})
      fs::copy_file(fixture_dir(fixture) + "/" + file, dir / file);
  }
  std::string path(const std::string& file) const { return (dir / file).string(); }
  std::string bytes(const std::string& file) const { return deberta::test::read_text(path(file)); }
  void write(const std::string& file, const std::string& content) const {
    std::ofstream(path(file), std::ios::binary | std::ios::trunc) << content;
  }
};

std::string forward_args(const ScratchModel& m) {
  return "forward --model '" + m.dir.string() + "' --inputs '" + m.path("golden.json") + "' --output '" +
         m.path("out.json") + "'";
}

}  // namespace

TEST_CASE("forward on a fixture's golden file writes the golden logits in the golden layout", "[numeric]") {
  const std::string name =
      GENERATE(from_range(std::begin(deberta::test::kFixtures), std::end(deberta::test::kFixtures)));
  INFO(name);
  ScratchModel m(name);
  const auto result = run_cli(forward_args(m));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto out = deberta::test::read_json(m.path("out.json"));
  const auto golden = deberta::test::read_json(m.path("golden.json"));
  for (const char* key : {"last_hidden_state", "pooled_output", "logits"}) {
    INFO(key);
    CHECK(deberta::test::max_abs_diff(deberta::test::golden_tensor(out["model"]["outputs"][key]),
                                      deberta::test::golden_tensor(golden["model"]["outputs"][key])) <
          deberta::test::kForwardAbsolute);
  }
}

TEST_CASE("tokenize prints the golden ids of a fixture sentence as one JSON line") {
  const auto result =
      run_cli("tokenize --model '" + fixture_dir("deberta-v3-tiny") + "' --text '비행기가 이륙하고 있다.'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output ==
        "{\"attention_mask\":[1,1,1,1,1,1,1,1,1,1],\"input_ids\":[1,601,11,4,8,1381,44,15,5,2],"
        "\"token_type_ids\":[0,0,0,0,0,0,0,0,0,0]}\n");
}

TEST_CASE("tokenize reads pairs from JSONL and names the line of a bad record") {
  ScratchModel m("deberta-v3-tiny");
  m.write("in.jsonl", "{\"text\": \"a\", \"pair\": \"b\"}\n{\"pair\": \"no text\"}\n");
  const auto result = run_cli("tokenize --model '" + m.dir.string() + "' --input '" + m.path("in.jsonl") + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("\"token_type_ids\":[0,0,0,0,1,1,1]") != std::string::npos);
  CHECK(result.output.find("in.jsonl:2: field \"text\" must be a string") != std::string::npos);
}

TEST_CASE("info names the weights file the parameter counts and the tokenizer") {
  const auto result = run_cli("info --model '" + fixture_dir("deberta-c2p-embproj") + "'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("weights:             model.safetensors") != std::string::npos);
  CHECK(result.output.find("embedding 16") != std::string::npos);
  // Counted from the fixture's safetensors header; the backbone is the encoder alone, as in the model card.
  CHECK(result.output.find("backbone (encoder) 0.02M (19776) + embeddings 0.03M (26176) = 0.05M (45952)") !=
        std::string::npos);
  CHECK(result.output.find("head:                3 labels") != std::string::npos);
  CHECK(result.output.find("tokenizer:           spm.model (1501 tokens") != std::string::npos);
}

TEST_CASE("a damaged checkpoint makes forward exit 1 with one line naming the file and the problem") {
  struct Damage {
    const char* what;
    const char* file;
    std::function<std::string(std::string)> apply;
    const char* expected;
  };
  const std::vector<Damage> damages = {
      {"truncated weights", "model.safetensors", [](std::string b) { return b.substr(0, b.size() / 2); },
       "model.safetensors"},
      {"header length past the end", "model.safetensors",
       [](std::string b) {
         b[6] = '\x7f';
         return b;
       },
       "model.safetensors"},
      {"broken header JSON", "model.safetensors",
       [](std::string b) {
         b[8] = '[';
         return b;
       },
       "model.safetensors"},
      {"unknown dtype", "model.safetensors",
       [](std::string b) {
         b.replace(b.find("\"F32\""), 5, "\"Q32\"");
         return b;
       },
       "Q32"},
      {"shape that disagrees with the bytes", "model.safetensors",
       [](std::string b) {
         b.replace(b.find("\"shape\":[32]"), 12, "\"shape\":[31]");
         return b;
       },
       "model.safetensors"},
      {"config without hidden_size", "config.json",
       [](std::string b) {
         b.replace(b.find("\"hidden_size\""), 13, "\"hidden_sizes\"");
         return b;
       },
       "config.json: hidden_size: required field is missing"},
      {"config whose hidden size disagrees with the weights", "config.json",
       [](std::string b) {
         b.replace(b.find("\"hidden_size\": 32"), 17, "\"hidden_size\": 64");
         b.replace(b.find("\"pooler_hidden_size\": 32"), 24, "\"pooler_hidden_size\": 64");
         return b;
       },
       "has shape"},
  };
  for (const auto& damage : damages) {
    ScratchModel m("deberta-v3-tiny");
    m.write(damage.file, damage.apply(m.bytes(damage.file)));
    const auto result = run_cli(forward_args(m));
    INFO(damage.what << ": " << result.output);
    CHECK(result.exit_code == 1);
    CHECK(result.output.find(damage.expected) != std::string::npos);
    CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(m.path("out.json")));
  }
}
