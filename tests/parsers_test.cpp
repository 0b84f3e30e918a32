// The parsers that read text rather than a path (the ones the fuzz targets in
// tests/fuzz/ drive), and the inputs fuzzing found them to mishandle: each
// refusal is one line naming the file.
#include <catch2/catch.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "io/forward_inputs.h"
#include "io/safetensors_format.h"
#include "io/weights_index.h"
#include "model/config.h"
#include "tasks/tsv_task.h"
#include "test_support.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/tokenizer_settings.h"
#include "train/train_config.h"
#include "train/trainer_state.h"
#include "util/json_file.h"
#include "util/text.h"
#include "util/yaml_file.h"

namespace {

using Catch::Matchers::Contains;

// The message of what `parse` throws, checked to be one line.
template <typename Parse>
std::string refusal(Parse&& parse) {
  try {
    parse();
  } catch (const std::exception& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    return message;
  }
  return "(accepted)";
}

const std::string kConfig = deberta::test::read_text(deberta::test::fixture_dir("deberta-v3-tiny") + "/config.json");

std::string config_with(const std::string& key, const std::string& value) {
  nlohmann::json config = nlohmann::json::parse(kConfig);
  config[key] = nlohmann::json::parse(value);
  return config.dump();
}

}  // namespace

TEST_CASE("a JSON number too large for a double is refused as invalid JSON naming the file") {
  // nlohmann throws out_of_range, not parse_error, for it: once an exception of another type.
  CHECK_THAT(refusal([] { deberta::parse_json("{\"a\": 1e999}", "x.json"); }),
             Contains("x.json: not valid JSON (") && Contains("number overflow"));
  CHECK_THAT(refusal([] { deberta::parse_config("{\"vocab_size\": -1e999}", "config.json"); }),
             Contains("config.json: not valid JSON"));
  const std::string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e999],\"data_offsets\":[0,4]}}";
  std::string file(8, '\0');
  file[0] = static_cast<char>(header.size());
  CHECK_THAT(refusal([&] { deberta::parse_safetensors_header(file + header + "abcd", "m.safetensors"); }),
             Contains("m.safetensors: the header is not valid JSON"));
}

TEST_CASE("a YAML error quoting a control character stays on one line") {
  // yaml-cpp reports a NUL byte before a newline as "unknown escape character: " and the newline.
  const std::string bad(
      "a: {\xbc\x01\x00\n\x00"
      "b}",
      11);
  CHECK_THAT(refusal([&] { deberta::parse_yaml(bad, "f.yaml"); }),
             Contains("f.yaml:2: not valid YAML (unknown escape character: \\n)"));
  CHECK_THAT(refusal([&] { deberta::parse_config_layer(bad, "c.yaml"); }), Contains("c.yaml:2: not valid YAML"));
  CHECK_THAT(refusal([&] { deberta::parse_tsv_task(bad, "/t/task.yaml"); }),
             Contains("/t/task.yaml:2: not valid YAML: unknown escape character: \\n"));
}

TEST_CASE("one_line writes control characters as escapes and keeps other text") {
  CHECK(deberta::one_line("a\nb\tc\rd\x01 비행기") == "a\\nb\\tc\\rd\\x01 비행기");
}

TEST_CASE("a settings value that is not plain UTF-8 text is refused on one line naming the file and the key") {
  // Found by settings_yaml_fuzzer (regression-value-not-plain-text): such a
  // value did not read back the same from the run's config.yaml.
  deberta::ConfigValues values;
  for (const auto& setting : deberta::training_settings()) values[setting.key] = setting.default_value;
  const auto apply = [&](const std::string& yaml) {
    deberta::apply_layer(values, deberta::parse_config_layer(yaml, "c.yaml"), {}, "c.yaml");
  };
  CHECK_THAT(refusal([&] { apply("training:\n  epochs: \"3\\n4\"\n"); }),
             Contains("c.yaml: setting 'training.epochs': '3\\n4' is not plain UTF-8 text"));
  CHECK_THAT(refusal([&] { apply("training:\n  epochs: \"0.\\x15\"\n"); }),
             Contains("c.yaml: setting 'training.epochs': '0.\\x15' is not plain UTF-8 text"));
  CHECK_THAT(refusal([&] { apply("training:\n  epochs: 0.\xc5\xd3\n"); }),
             Contains("c.yaml: setting 'training.epochs'"));
  apply("evaluation:\n  selection: \"비행기\\t2\"\n");
  CHECK(values.at("evaluation.selection") == "비행기\t2");
}

TEST_CASE("is_plain_utf8_text accepts Korean and tabs and refuses control characters and malformed sequences") {
  CHECK(deberta::is_plain_utf8_text("비행기 ok\t"));
  CHECK(deberta::is_plain_utf8_text(""));
  CHECK_FALSE(deberta::is_plain_utf8_text("a\nb"));
  CHECK_FALSE(deberta::is_plain_utf8_text("\x7f"));
  CHECK_FALSE(deberta::is_plain_utf8_text("\xc2\x85"));          // U+0085, a C1 control
  CHECK_FALSE(deberta::is_plain_utf8_text("\xc5\xd3"));          // no continuation byte
  CHECK_FALSE(deberta::is_plain_utf8_text("\xe2\x82"));          // truncated
  CHECK_FALSE(deberta::is_plain_utf8_text("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(deberta::is_plain_utf8_text("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(deberta::is_plain_utf8_text("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("a task file value with a newline is quoted on one line in its error") {
  const std::string task =
      "name: t\ndescription: d\nsplits: {train: a.tsv}\ncolumns: {text_a: 0, label: 1}\nlabels: [a]\n"
      "metrics: [accuracy]\nmax_seq_len: \"1\\n2\"\n";
  CHECK_THAT(refusal([&] { deberta::parse_tsv_task(task, "/t/task.yaml"); }),
             Contains("/t/task.yaml:7: 'max_seq_len' must be an integer >= 0, not '1\\n2'"));
}

TEST_CASE("a task file with a dev slice and no train file is refused naming the file") {
  // Found by task_yaml_fuzzer (regression-dev-slice-without-train): the dev
  // split was inserted after a train split that was not there (undefined
  // behaviour).
  const std::string task =
      "name: t\ndescription: d\nsplits: {}\ndev_slice: {size: 11, seed: 1}\ncolumns: {text_a: 0, label: 1}\n"
      "labels: [a]\nmetrics: [accuracy]\n";
  CHECK_THAT(refusal([&] { deberta::parse_tsv_task(task, "/t/task.yaml"); }),
             Contains("/t/task.yaml:4: 'dev_slice' holds dev rows out of the train file: 'splits' needs 'train'"));
}

TEST_CASE("a task file key that is not a single value is refused naming the file") {
  CHECK_THAT(refusal([] { deberta::parse_tsv_task("? [a, b]\n: 1\n", "/t/task.yaml"); }), Contains("/t/task.yaml:"));
}

TEST_CASE("an added token with a negative id in tokenizer.json is refused naming the file") {
  // It used to index the piece list at -1.
  const std::string text =
      R"({"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]},
          "added_tokens": [{"id": -1, "content": "[X]"}],
          "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": true}})";
  CHECK_THAT(refusal([&] { deberta::parse_tokenizer_json(text, "tok/tokenizer.json"); }),
             Contains("tok/tokenizer.json: added token \"[X]\" has a negative id"));
}

TEST_CASE("an id of tokenizer.json that is a float is refused naming the file") {
  const std::string text = R"({"model": {"type": "Unigram", "unk_id": 1e300, "vocab": [["<unk>", 0.0]]}})";
  CHECK_THAT(refusal([&] { deberta::parse_tokenizer_json(text, "tokenizer.json"); }),
             Contains("tokenizer.json: unk_id is not an integer"));
}

TEST_CASE("tokenizer settings read from text follow special_tokens_map.json over tokenizer_config.json") {
  const auto settings = deberta::parse_tokenizer_settings(
      R"({"cls_token": "<s>", "do_lower_case": true, "model_max_length": 1e30})", "tokenizer_config.json",
      R"({"cls_token": {"content": "[C]"}})", "special_tokens_map.json");
  CHECK(settings.special.cls.text == "[C]");
  CHECK(settings.do_lower_case);
  CHECK_FALSE(settings.model_max_length);
  CHECK_THAT(refusal([] { deberta::parse_tokenizer_settings(std::nullopt, "a.json", "[1]", "b/map.json"); }),
             Contains("b/map.json: is not a JSON object"));
}

TEST_CASE("an integer field of config.json given as a float out of range is refused naming the field") {
  // Converting 1e300 to int64_t was undefined behaviour.
  CHECK_THAT(refusal([] { deberta::parse_config(config_with("vocab_size", "1e300"), "config.json"); }),
             Contains("config.json: vocab_size: is not an integer that fits"));
  CHECK_THAT(refusal([] { deberta::parse_config(config_with("hidden_size", "63.5"), "config.json"); }),
             Contains("config.json: hidden_size: is not an integer that fits"));
  CHECK(deberta::parse_config(config_with("max_position_embeddings", "512.0"), "config.json").max_position_embeddings ==
        512);
}

TEST_CASE("a pos_att_type entry that names no attention type is refused naming the field") {
  // split_lowered("|") is empty: its .at(0) threw std::out_of_range.
  CHECK_THAT(refusal([] { deberta::parse_config(config_with("pos_att_type", R"(["|"])"), "config.json"); }),
             Contains("config.json: pos_att_type: entry \"|\" names no attention type"));
}

TEST_CASE("a config.json string with a newline is quoted on one line in its error") {
  CHECK_THAT(refusal([] { deberta::parse_config(config_with("model_type", R"("bert\nx")"), "config.json"); }),
             Contains("config.json: model_type: \"bert\\nx\" is not supported"));
}

TEST_CASE("a trainer state count that is a float or negative is refused naming the file") {
  nlohmann::json state = deberta::state_to_json(deberta::TrainerState{});
  state["step"] = 1e300;  // converting it to int64_t was undefined behaviour
  CHECK_THAT(refusal([&] { deberta::state_from_json(state, "run/trainer_state.json"); }),
             Contains("run/trainer_state.json: not a trainer state ('step' is not an integer)"));
  state["step"] = -1;
  CHECK_THAT(refusal([&] { deberta::state_from_json(state, "s.json"); }), Contains("'step' is out of range"));
  state["step"] = 4;
  state["world_size"] = 0;
  CHECK_THAT(refusal([&] { deberta::state_from_json(state, "s.json"); }), Contains("'world_size' is out of range"));
}

TEST_CASE("a trainer state reads back what it wrote") {
  deberta::TrainerState state;
  state.step = 7;
  state.next_batch = 3;
  state.metrics_bytes = 1234;
  state.world_size = 2;
  state.warnings = {"w"};
  const auto again = deberta::state_from_json(deberta::state_to_json(state), "s.json");
  CHECK(again.step == 7);
  CHECK(again.next_batch == 3);
  CHECK(again.metrics_bytes == 1234);
  CHECK(again.world_size == 2);
  CHECK(again.warnings == state.warnings);
}

TEST_CASE("forward inputs in either layout read as matrices of one shape") {
  const auto flat =
      deberta::parse_forward_inputs(R"({"input_ids": [[1, 2, 3]], "attention_mask": [[1, 1, 0]]})", "in.json");
  CHECK_FALSE(flat.golden_layout);
  CHECK(flat.input_ids.rows == 1);
  CHECK(flat.input_ids.columns == 3);
  CHECK(flat.attention_mask->values == std::vector<int64_t>{1, 1, 0});
  CHECK_FALSE(flat.token_type_ids);
  const auto golden = deberta::parse_forward_inputs(R"({"model": {"inputs": {"input_ids": [[5], [6]]}}})", "g.json");
  CHECK(golden.golden_layout);
  CHECK(golden.input_ids.rows == 2);
}

TEST_CASE("forward inputs with empty rows, another mask shape or no input_ids are refused naming the file") {
  CHECK_THAT(refusal([] { deberta::parse_forward_inputs(R"({"input_ids": [[]]})", "in.json"); }),
             Contains("in.json: input_ids[0]: is empty"));
  CHECK_THAT(
      refusal([] { deberta::parse_forward_inputs(R"({"input_ids": [[1, 2]], "token_type_ids": [[0]]})", "in.json"); }),
      Contains("in.json: token_type_ids: is 1 x 1, input_ids is 1 x 2"));
  CHECK_THAT(refusal([] { deberta::parse_forward_inputs(R"({"input_ids": [[18446744073709551615]]})", "in.json"); }),
             Contains("in.json: input_ids[0]: 18446744073709551615 is out of range"));
  CHECK_THAT(refusal([] { deberta::parse_forward_inputs("[1]", "in.json"); }),
             Contains("in.json: input_ids is missing"));
}

TEST_CASE("a shard index maps tensors to shard files beside it") {
  const auto shards = deberta::parse_weights_index(
      R"({"metadata": {}, "weight_map": {"a": "model-1.safetensors", "b": "model-2.safetensors"}})", "i.json");
  CHECK(shards.at("b") == "model-2.safetensors");
}

TEST_CASE("a shard index naming a shard outside its directory is refused naming the file") {
  CHECK_THAT(
      refusal([] { deberta::parse_weights_index(R"({"weight_map": {"a": "../x.bin"}})", "m/i.json"); }),
      Contains("m/i.json: weight_map entry \"a\" names \"../x.bin\", which is not a file name beside the index"));
  CHECK_THAT(refusal([] { deberta::parse_weights_index(R"({"weight_map": {}})", "m/i.json"); }),
             Contains("m/i.json: weight_map is empty"));
}
