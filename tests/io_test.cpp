#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "io/safetensors.h"
#include "io/safetensors_format.h"
#include "io/torch_pickle.h"
#include "model/checkpoint.h"
#include "test_support.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using deberta::TensorMap;

using deberta::test::kFixtures;
using deberta::test::ScratchDir;

namespace {

std::string fixture(const std::string& name, const std::string& file = "") {
  return deberta::test::data_path("fixtures/" + name + (file.empty() ? "" : "/" + file));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  REQUIRE(out);
}

// A safetensors file with this header text (unpadded) and data section.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

// Runs `f`, which must throw std::runtime_error with one line that starts
// with "<file>: ", and returns the message.
template <typename F>
std::string one_line_error(F&& f, const std::string& file) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.rfind(file + ": ", 0) == 0);
    return what;
  }
  FAIL("no std::runtime_error was thrown");
  return {};
}

void require_same(const TensorMap& actual, const TensorMap& expected) {
  REQUIRE(actual.size() == expected.size());
  for (const auto& [name, tensor] : expected) {
    INFO(name);
    const auto found = actual.find(name);
    REQUIRE(found != actual.end());
    CHECK(found->second.scalar_type() == tensor.scalar_type());
    REQUIRE(found->second.sizes() == tensor.sizes());
    CHECK(torch::equal(found->second, tensor));
  }
}

// Writes a checkpoint directory by hand: the fixture's config.json and `tensors`.
void make_checkpoint_dir(const std::string& dir, const TensorMap& tensors) {
  fs::create_directories(dir);
  fs::copy_file(fixture("deberta-v3-tiny", "config.json"), dir + "/config.json");
  deberta::write_safetensors(dir + "/model.safetensors", tensors);
}

}  // namespace

TEST_CASE("the model.safetensors and pytorch_model.bin of every fixture hold the same tensors") {
  for (const char* name : kFixtures) {
    INFO(name);
    const auto from_safetensors = deberta::read_safetensors(fixture(name, "model.safetensors"));
    const auto from_bin = deberta::read_pytorch_bin(fixture(name, "pytorch_model.bin"));
    require_same(from_safetensors, from_bin);

    const auto config = deberta::load_config(fixture(name, "config.json"));
    const auto& embeddings = from_safetensors.at("deberta.embeddings.word_embeddings.weight");
    CHECK(embeddings.sizes() == torch::IntArrayRef{config.vocab_size, config.embedding_size});
    CHECK(embeddings.scalar_type() == torch::kFloat32);
  }
}

TEST_CASE("writing a fixture's tensors reproduces its model.safetensors byte for byte") {
  const ScratchDir temp;
  for (const char* name : kFixtures) {
    INFO(name);
    const std::string original = fixture(name, "model.safetensors");
    deberta::write_safetensors(temp.file("model.safetensors"), deberta::read_safetensors(original));
    CHECK(read_bytes(temp.file("model.safetensors")) == read_bytes(original));
  }
}

TEST_CASE("a safetensors round trip keeps names, dtypes, shapes and values and pads the header to 8 bytes") {
  const ScratchDir temp;
  const TensorMap tensors = {
      {"f64", torch::randn({2, 3}, torch::kFloat64)},
      {"f32.transposed", torch::randn({3, 5}).t()},
      {"i64", torch::arange(-3, 3, torch::kInt64)},
      {"i32", torch::tensor({std::numeric_limits<int32_t>::min(), 7}, torch::kInt32)},
      {"i16", torch::tensor({-300, 300}, torch::kInt16)},
      {"i8", torch::tensor({-128, 127}, torch::kInt8)},
      {"u8", torch::tensor({0, 255}, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5)},
      {"empty", torch::zeros({0, 4})},
  };
  const std::string path = temp.file("round-trip.safetensors");
  deberta::write_safetensors(path, tensors, {{"note", "written by a test"}});
  require_same(deberta::read_safetensors(path), tensors);

  const std::string bytes = read_bytes(path);
  const auto header = deberta::parse_safetensors_header(bytes, path);
  CHECK((header.data_start - 8) % 8 == 0);
  CHECK(bytes.size() == header.data_start + header.tensors.back().end);  // entries sorted by name: "u8" is last
  CHECK(header.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"note", "written by a test"}});
  CHECK_FALSE(fs::exists(path + ".tmp-" + std::to_string(::getpid())));
}

TEST_CASE("F16 and BF16 tensors are read as written and read_checkpoint converts them to float32") {
  const ScratchDir temp;
  // Values that both half formats hold exactly.
  const auto values = torch::tensor({1.0f, -2.5f, 0.15625f, 1024.0f});
  const TensorMap tensors = {{"half", values.to(torch::kFloat16)}, {"bfloat", values.to(torch::kBFloat16)}};
  const std::string dir = temp.file("half-checkpoint");
  make_checkpoint_dir(dir, tensors);

  const std::string path = dir + "/model.safetensors";
  const std::string bytes = read_bytes(path);
  const auto header = deberta::parse_safetensors_header(bytes, path);
  REQUIRE(header.tensors.size() == 2);
  CHECK(header.tensors[0].name == "bfloat");
  CHECK(header.tensors[0].dtype == "BF16");
  CHECK(header.tensors[1].dtype == "F16");
  // 1.0 is 0x3F80 in bfloat16 and 0x3C00 in float16, stored little-endian.
  CHECK(bytes.substr(header.data_start + header.tensors[0].begin, 2) == std::string("\x80\x3f", 2));
  CHECK(bytes.substr(header.data_start + header.tensors[1].begin, 2) == std::string("\x00\x3c", 2));

  require_same(deberta::read_safetensors(path), tensors);
  const auto checkpoint = deberta::read_checkpoint(dir);
  require_same(checkpoint.tensors, {{"half", values}, {"bfloat", values}});
}

TEST_CASE("a sharded safetensors checkpoint reads the same as the single file") {
  const ScratchDir temp;
  const auto single = deberta::read_checkpoint(fixture("deberta-v3-tiny"));
  CHECK(single.weights_file == "model.safetensors");

  const std::string dir = temp.file("sharded");
  fs::create_directories(dir);
  fs::copy_file(fixture("deberta-v3-tiny", "config.json"), dir + "/config.json");
  TensorMap shards[2];
  nlohmann::json weight_map;
  const std::string shard_names[2] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
  size_t i = 0;
  for (const auto& [name, tensor] : single.tensors) {
    const size_t shard = i++ % 2;
    shards[shard][name] = tensor;
    weight_map[name] = shard_names[shard];
  }
  for (int shard = 0; shard < 2; ++shard) deberta::write_safetensors(dir + "/" + shard_names[shard], shards[shard]);
  write_bytes(dir + "/model.safetensors.index.json",
              nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump(2));

  const auto sharded = deberta::read_checkpoint(dir);
  require_same(sharded.tensors, single.tensors);
  CHECK(sharded.weights_file ==
        "model.safetensors.index.json (model-00001-of-00002.safetensors, model-00002-of-00002.safetensors)");
}

TEST_CASE("a sharded index that names a tensor its shard does not hold is rejected") {
  const ScratchDir temp;
  const std::string dir = temp.file("sharded");
  make_checkpoint_dir(dir, {});
  fs::remove(dir + "/model.safetensors");
  deberta::write_safetensors(dir + "/model-00001-of-00001.safetensors", {{"a", torch::ones({2})}});
  write_bytes(dir + "/model.safetensors.index.json",
              R"({"weight_map": {"a": "model-00001-of-00001.safetensors", "b": "model-00001-of-00001.safetensors"}})");
  const auto message = one_line_error([&] { deberta::read_checkpoint(dir); }, dir + "/model.safetensors.index.json");
  CHECK_THAT(message, Contains("\"b\"") && Contains("does not hold it"));
}

TEST_CASE("read_checkpoint falls back to pytorch_model.bin when there is no model.safetensors") {
  const ScratchDir temp;
  const std::string dir = temp.file("bin-only");
  fs::create_directories(dir);
  for (const char* file : {"config.json", "pytorch_model.bin"})
    fs::copy_file(fixture("deberta-v2-variant", file), dir + "/" + file);
  const auto checkpoint = deberta::read_checkpoint(dir);
  CHECK(checkpoint.weights_file == "pytorch_model.bin");
  CHECK(checkpoint.config.conv_kernel_size == 3);
  require_same(checkpoint.tensors, deberta::read_safetensors(fixture("deberta-v2-variant", "model.safetensors")));
}

TEST_CASE("write_checkpoint writes config, weights and tokenizer files that read back the same") {
  const ScratchDir temp;
  const auto source = deberta::read_checkpoint(fixture("deberta-c2p-embproj"));
  const std::string dir = temp.file("saved");
  deberta::write_checkpoint(dir, source.config, source.tensors, fixture("deberta-c2p-embproj"));

  const auto saved = deberta::read_checkpoint(dir);
  require_same(saved.tensors, source.tensors);
  CHECK(deberta::config_to_json(saved.config) == deberta::config_to_json(source.config));
  const std::string config_text = read_bytes(dir + "/config.json");
  CHECK(config_text.rfind("{\n  \"", 0) == 0);
  CHECK(config_text.back() == '\n');
  for (const char* file : {"spm.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
    INFO(file);
    CHECK(read_bytes(dir + "/" + file) == read_bytes(fixture("deberta-c2p-embproj", file)));
  }
  CHECK_FALSE(fs::exists(dir + "/added_tokens.json"));

  // Writing again replaces the checkpoint as a whole and leaves no temporary siblings.
  const TensorMap smaller = {{"classifier.bias", source.tensors.at("classifier.bias")}};
  deberta::write_checkpoint(dir, source.config, smaller, "");
  require_same(deberta::read_checkpoint(dir).tensors, smaller);
  CHECK_FALSE(fs::exists(dir + "/spm.model"));
  CHECK(std::distance(fs::directory_iterator(temp.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("write_checkpoint refuses to replace a directory that is not a checkpoint") {
  const ScratchDir temp;
  const std::string dir = temp.file("notes");
  fs::create_directories(dir);
  write_bytes(dir + "/notes.txt", "keep me");
  const auto config = deberta::load_config(fixture("deberta-v3-tiny", "config.json"));
  const auto message = one_line_error([&] { deberta::write_checkpoint(dir, config, {}, ""); }, dir);
  CHECK_THAT(message, Contains("not a checkpoint"));
  CHECK(read_bytes(dir + "/notes.txt") == "keep me");
  CHECK(std::distance(fs::directory_iterator(temp.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("a safetensors file shorter than 8 bytes is rejected with an error naming the file") {
  const ScratchDir temp;
  const std::string path = temp.file("short.safetensors");
  write_bytes(path, std::string("\x10\x00\x00", 3));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("too short"));
  write_bytes(path, "");
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("too short"));
}

TEST_CASE("a truncated safetensors file is rejected with an error naming the file and a tensor") {
  const ScratchDir temp;
  const std::string path = temp.file("truncated.safetensors");
  const std::string bytes = read_bytes(fixture("deberta-v3-tiny", "model.safetensors"));
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  const auto message = one_line_error([&] { deberta::read_safetensors(path); }, path);
  CHECK_THAT(message, Contains("tensor \"") && Contains("run past the end of the file"));
}

TEST_CASE("a header length past the end of the file is rejected") {
  const ScratchDir temp;
  const std::string path = temp.file("long-header.safetensors");
  std::string bytes = safetensors_bytes("{}", "");
  bytes[0] = 100;
  write_bytes(path, bytes);
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("header length 100 runs past the end of the file"));
  bytes = std::string(8, '\xff') + "{}";
  write_bytes(path, bytes);
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("over the limit"));
}

TEST_CASE("a safetensors header that is not valid JSON is rejected") {
  const ScratchDir temp;
  const std::string path = temp.file("broken.safetensors");
  write_bytes(path, safetensors_bytes(R"({"a": {"dtype": "F32",)", ""));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("not valid JSON"));
  write_bytes(path, safetensors_bytes("[1, 2]", ""));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("not a JSON object"));
}

TEST_CASE("an unknown dtype is rejected with an error naming the tensor") {
  const ScratchDir temp;
  const std::string path = temp.file("dtype.safetensors");
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", "ab"));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensor \"w\"") && Contains("unknown dtype \"F8_E4M3\""));
}

TEST_CASE("an entry missing dtype, shape or data_offsets is rejected with an error naming the tensor") {
  const ScratchDir temp;
  const std::string path = temp.file("entry.safetensors");
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", "abcd"));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensor \"w\"") && Contains("no \"shape\""));
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": "0-4"}})", "abcd"));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensor \"w\"") && Contains("data_offsets must be two non-negative integers"));
}

TEST_CASE("a shape that disagrees with the byte range is rejected with an error naming the tensor") {
  const ScratchDir temp;
  const std::string path = temp.file("shape.safetensors");
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}})",
                                      std::string(16, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensor \"w\"") && Contains("needs 24 bytes but data_offsets [0, 16) hold 16"));
}

TEST_CASE("a negative or overflowing shape is rejected without a crash") {
  const ScratchDir temp;
  const std::string path = temp.file("shape.safetensors");
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 16]}})",
                                      std::string(16, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("negative dimension"));
  // 2^32 * 2^32 * 4 bytes wraps to 0 in 64 bits, which would match an empty range.
  write_bytes(path, safetensors_bytes(
                        R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})", ""));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("overflows"));
  write_bytes(path, safetensors_bytes(
                        R"({"w": {"dtype": "U8", "shape": [0, 9223372036854775808], "data_offsets": [0, 0]}})", ""));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path), Contains("too large"));
}

TEST_CASE("overlapping byte ranges are rejected with an error naming both tensors") {
  const ScratchDir temp;
  const std::string path = temp.file("overlap.safetensors");
  write_bytes(path, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                                      R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                      std::string(12, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensors \"a\" [0, 8) and \"b\" [4, 12) overlap"));
}

TEST_CASE("a gap between byte ranges is rejected naming the bytes and the tensor after it") {
  const ScratchDir temp;
  const std::string path = temp.file("gap.safetensors");
  write_bytes(path, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                                      R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                                      std::string(12, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("bytes [4, 8) of the data belong to no tensor (a gap before \"b\")"));
}

TEST_CASE("data bytes after the last tensor are rejected as the safetensors library does") {
  const ScratchDir temp;
  const std::string path = temp.file("trailing.safetensors");
  write_bytes(path, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                                      std::string(6, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("2 bytes after the last tensor's data belong to no tensor"));
}

TEST_CASE("a byte range past the end of the file is rejected") {
  const ScratchDir temp;
  const std::string path = temp.file("range.safetensors");
  write_bytes(path, safetensors_bytes(R"({"w": {"dtype": "I64", "shape": [2], "data_offsets": [8, 24]}})",
                                      std::string(16, '\0')));
  CHECK_THAT(one_line_error([&] { deberta::read_safetensors(path); }, path),
             Contains("tensor \"w\"") && Contains("[8, 24) run past the end of the file"));
}

TEST_CASE("a garbage pytorch_model.bin is rejected with one line naming the file") {
  const ScratchDir temp;
  const std::string path = temp.file("pytorch_model.bin");
  write_bytes(path, "this is not a zip archive, nor a pickle");
  CHECK_THAT(one_line_error([&] { deberta::read_pytorch_bin(path); }, path),
             Contains("not a readable PyTorch checkpoint ("));
  // A real zip cut short.
  write_bytes(path, read_bytes(fixture("deberta-v3-tiny", "pytorch_model.bin")).substr(0, 5000));
  CHECK_THAT(one_line_error([&] { deberta::read_pytorch_bin(path); }, path),
             Contains("not a readable PyTorch checkpoint ("));
}

TEST_CASE("a pickle that is not a dict of tensors is rejected") {
  const ScratchDir temp;
  const std::string path = temp.file("pytorch_model.bin");
  const auto save = [&](const torch::IValue& value) {
    const auto bytes = torch::pickle_save(value);
    write_bytes(path, std::string(bytes.begin(), bytes.end()));
  };
  save(torch::IValue(std::vector<int64_t>{1, 2}));
  CHECK_THAT(one_line_error([&] { deberta::read_pytorch_bin(path); }, path), Contains("not a state dict"));

  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("weight", torch::ones({2}));
  dict.insert("step", 3);
  save(torch::IValue(dict));
  CHECK_THAT(one_line_error([&] { deberta::read_pytorch_bin(path); }, path),
             Contains("\"step\" is not a tensor (it is Int)"));
}

TEST_CASE("a config.json without hidden_size is rejected naming the file and the field") {
  const ScratchDir temp;
  const std::string dir = temp.file("no-hidden-size");
  make_checkpoint_dir(dir, {{"w", torch::ones({1})}});
  auto config = nlohmann::json::parse(read_bytes(dir + "/config.json"));
  config.erase("hidden_size");
  write_bytes(dir + "/config.json", config.dump(2));
  CHECK_THAT(one_line_error([&] { deberta::read_checkpoint(dir); }, dir + "/config.json"),
             Contains("hidden_size: required field is missing"));
}

TEST_CASE("a directory without weights is rejected with an error listing the files to provide") {
  const ScratchDir temp;
  const std::string dir = temp.file("no-weights");
  make_checkpoint_dir(dir, {});
  fs::remove(dir + "/model.safetensors");
  CHECK_THAT(one_line_error([&] { deberta::read_checkpoint(dir); }, dir),
             Contains("no weights found") && Contains("model.safetensors") && Contains("pytorch_model.bin"));
}

TEST_CASE("a missing checkpoint directory or config.json is rejected naming the path") {
  const ScratchDir temp;
  const std::string dir = temp.file("absent");
  CHECK_THAT(one_line_error([&] { deberta::read_checkpoint(dir); }, dir), Contains("no such checkpoint directory"));
  fs::create_directories(dir);
  CHECK_THAT(one_line_error([&] { deberta::read_checkpoint(dir); }, dir + "/config.json"),
             Contains("needs the model's config.json"));
}
