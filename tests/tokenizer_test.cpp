#include "tokenizer/tokenizer.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"
#include "tokenizer/text_rules.h"

namespace {

namespace fs = std::filesystem;
using deberta::Encoding;
using deberta::load_tokenizer;
using deberta::Tokenizer;
using deberta::TruncationFlavour;
using deberta::TruncationStrategy;
using deberta::test::fixture_dir;
using deberta::test::kFixtures;
using deberta::test::read_json;
using deberta::test::ScratchDir;
using nlohmann::json;

constexpr int kGoldenMaxLength = 32;

void write_json(const fs::path& path, const json& value) { std::ofstream(path) << value.dump(); }

json golden_cases(const std::string& fixture) {
  return read_json(fs::path(fixture_dir(fixture)) / "golden.json").at("tokenizer").at("cases");
}

std::optional<std::string> pair_of(const json& golden_case) {
  if (!golden_case.contains("pair") || golden_case.at("pair").is_null()) return std::nullopt;
  return golden_case.at("pair").get<std::string>();
}

std::vector<int64_t> ids_of(const json& values) { return values.get<std::vector<int64_t>>(); }

// A copy of a fixture's tokenizer files without spm.model, so that
// load_tokenizer has to read tokenizer.json.
void copy_without_spm_model(const std::string& fixture, const fs::path& to) {
  for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    fs::copy_file(fs::path(fixture_dir(fixture)) / file, to / file);
}

std::string load_error(const std::string& dir) {
  try {
    load_tokenizer(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("spm.model tokenizers give the golden slow-tokenizer tokens, ids, token types and masks") {
  for (const char* fixture : kFixtures) {
    const Tokenizer tokenizer = load_tokenizer(fixture_dir(fixture));
    REQUIRE(tokenizer.kind() == "spm.model");
    REQUIRE(tokenizer.truncation_flavour() == TruncationFlavour::slow);
    for (const json& golden : golden_cases(fixture)) {
      INFO(fixture << " case " << golden.at("id").get<std::string>() << ": expected the golden slow values");
      const std::string text = golden.at("text").get<std::string>();
      const auto pair = pair_of(golden);
      CHECK(tokenizer.tokenize(text) == golden.at("tokens").get<std::vector<std::string>>());
      if (pair) CHECK(tokenizer.tokenize(*pair) == golden.at("pair_tokens").get<std::vector<std::string>>());
      const Encoding encoding = tokenizer.encode(text, pair, kGoldenMaxLength);
      CHECK(encoding.input_ids == ids_of(golden.at("input_ids")));
      CHECK(encoding.token_type_ids == ids_of(golden.at("token_type_ids")));
      CHECK(encoding.attention_mask == ids_of(golden.at("attention_mask")));
    }
  }
}

TEST_CASE("tokenizer.json tokenizers give the golden fast-tokenizer ids, token types and masks") {
  for (const char* fixture : kFixtures) {
    const ScratchDir dir;
    copy_without_spm_model(fixture, dir.path());
    const Tokenizer tokenizer = load_tokenizer(dir.path());
    REQUIRE(tokenizer.kind() == "tokenizer.json");
    REQUIRE(tokenizer.truncation_flavour() == TruncationFlavour::fast);
    for (const json& golden : golden_cases(fixture)) {
      INFO(fixture << " case " << golden.at("id").get<std::string>() << ": expected the golden fast values");
      const bool differs = golden.contains("input_ids_fast");
      const Encoding encoding =
          tokenizer.encode(golden.at("text").get<std::string>(), pair_of(golden), kGoldenMaxLength);
      CHECK(encoding.input_ids == ids_of(golden.at(differs ? "input_ids_fast" : "input_ids")));
      CHECK(encoding.token_type_ids == ids_of(golden.at(differs ? "token_type_ids_fast" : "token_type_ids")));
      CHECK(encoding.attention_mask == std::vector<int64_t>(encoding.input_ids.size(), 1));
    }
  }
}

TEST_CASE("tokenizer.json and spm.model give identical untruncated ids for every fixture sentence and pair") {
  for (const char* fixture : kFixtures) {
    const ScratchDir dir;
    copy_without_spm_model(fixture, dir.path());
    const Tokenizer from_json = load_tokenizer(dir.path());
    const Tokenizer from_spm = load_tokenizer(fixture_dir(fixture));
    CHECK(from_json.vocab_size() == from_spm.vocab_size());
    for (const json& golden : golden_cases(fixture)) {
      INFO(fixture << " case " << golden.at("id").get<std::string>() << ": expected the same ids from both files");
      const std::string text = golden.at("text").get<std::string>();
      const auto pair = pair_of(golden);
      CHECK(from_json.encode(text, pair, 0).input_ids == from_spm.encode(text, pair, 0).input_ids);
      CHECK(from_json.tokenize(text) == from_spm.tokenize(text));
    }
  }
}

TEST_CASE("the truncation flavour can be overridden to give the other tokenizer's golden ids") {
  const std::string fixture = "deberta-v3-tiny";
  Tokenizer tokenizer = load_tokenizer(fixture_dir(fixture));
  tokenizer.set_truncation_flavour(TruncationFlavour::fast);
  int differing_cases = 0;
  for (const json& golden : golden_cases(fixture)) {
    if (!golden.contains("input_ids_fast")) continue;
    ++differing_cases;
    INFO("case " << golden.at("id").get<std::string>() << ": expected input_ids_fast from spm.model with fast");
    const Encoding encoding = tokenizer.encode(golden.at("text").get<std::string>(), pair_of(golden), kGoldenMaxLength);
    CHECK(encoding.input_ids == ids_of(golden.at("input_ids_fast")));
  }
  CHECK(differing_cases > 0);
}

TEST_CASE("special token ids match the golden ones and [MASK] comes after the last spm piece") {
  for (const char* fixture : kFixtures) {
    const json tokenizer_golden = read_json(fs::path(fixture_dir(fixture)) / "golden.json").at("tokenizer");
    const json& expected = tokenizer_golden.at("special_ids");
    const int64_t piece_count = tokenizer_golden.at("spm_piece_count").get<int64_t>();
    const ScratchDir dir;
    copy_without_spm_model(fixture, dir.path());
    for (const Tokenizer& tokenizer : {load_tokenizer(fixture_dir(fixture)), load_tokenizer(dir.path())}) {
      INFO(fixture << " from " << tokenizer.kind() << ": expected golden special_ids and vocab size pieces + 1");
      const auto& special = tokenizer.special_tokens();
      CHECK(special.pad.id == expected.at("[PAD]").get<int64_t>());
      CHECK(special.cls.id == expected.at("[CLS]").get<int64_t>());
      CHECK(special.sep.id == expected.at("[SEP]").get<int64_t>());
      CHECK(special.unk.id == expected.at("[UNK]").get<int64_t>());
      CHECK(special.mask.id == expected.at("[MASK]").get<int64_t>());
      CHECK(special.mask.id == piece_count);
      CHECK(tokenizer.vocab_size() == piece_count + 1);
      CHECK(tokenizer.model_max_length() ==
            read_json(fs::path(fixture_dir(fixture)) / "tokenizer_config.json").at("model_max_length").get<int>());
    }
  }
}

TEST_CASE("only_second truncation cuts only the second text") {
  Tokenizer tokenizer = load_tokenizer(fixture_dir("deberta-v3-tiny"));
  tokenizer.set_truncation_strategy(TruncationStrategy::only_second);
  const std::string first = "그들은 통제가 현재의 위험을 해결하고 불필요한 운영을 방해하지 않기 위해";
  const std::string second = "서울 지하철 2호선은 순환선으로 운행되며, 출퇴근 시간에는 열차가 2~3분 간격으로 도착한다.";
  const Encoding full = tokenizer.encode(first, second, 0);
  const size_t first_end = tokenizer.encode(first, std::nullopt, 0).input_ids.size();  // [CLS] first [SEP]
  REQUIRE(full.input_ids.size() > 40);
  REQUIRE(first_end < 39);

  const Encoding cut = tokenizer.encode(first, second, 40);
  REQUIRE(cut.input_ids.size() == 40);
  INFO("expected the first segment whole, the second cut at its end, then [SEP]");
  CHECK(std::vector<int64_t>(cut.input_ids.begin(), cut.input_ids.begin() + first_end) ==
        std::vector<int64_t>(full.input_ids.begin(), full.input_ids.begin() + first_end));
  CHECK(std::vector<int64_t>(cut.input_ids.begin(), cut.input_ids.end() - 1) ==
        std::vector<int64_t>(full.input_ids.begin(), full.input_ids.begin() + 39));
  CHECK(cut.input_ids.back() == tokenizer.special_tokens().sep.id);
  CHECK(cut.token_type_ids[first_end - 1] == 0);
  CHECK(cut.token_type_ids[first_end] == 1);
}

TEST_CASE("only_second truncation is an error when the first text leaves no room for the second") {
  Tokenizer tokenizer = load_tokenizer(fixture_dir("deberta-v3-tiny"));
  tokenizer.set_truncation_strategy(TruncationStrategy::only_second);
  const std::string first = "그들은 통제가 현재의 위험을 해결하고 불필요한 운영을 방해하지 않기 위해";
  const size_t first_end = tokenizer.encode(first, std::nullopt, 0).input_ids.size();
  INFO("expected std::invalid_argument once the first text with its specials takes max_length - 1 or more");
  CHECK_THROWS_AS(tokenizer.encode(first, std::string_view("짧은 문장."), static_cast<int>(first_end)),
                  std::invalid_argument);
  CHECK_THROWS_AS(tokenizer.encode(first, std::string_view("짧은 문장."), static_cast<int>(first_end) - 5),
                  std::invalid_argument);
  CHECK_NOTHROW(tokenizer.encode(first, std::string_view("짧은 문장."), static_cast<int>(first_end) + 2));
}

TEST_CASE("a max_length too small for the special tokens is an error") {
  const Tokenizer tokenizer = load_tokenizer(fixture_dir("deberta-v3-tiny"));
  CHECK_THROWS_AS(tokenizer.encode("문장", std::nullopt, 1), std::invalid_argument);
  CHECK_THROWS_AS(tokenizer.encode("문장", std::string_view("문장"), 2), std::invalid_argument);
  INFO("expected [CLS] [SEP] [SEP] when max_length is exactly the special-token count");
  CHECK(tokenizer.encode("문장", std::string_view("문장"), 3).input_ids.size() == 3);
}

TEST_CASE("encode_batch gives the same encodings as encode, one by one") {
  const Tokenizer tokenizer = load_tokenizer(fixture_dir("deberta-v3-tiny"));
  std::vector<std::string> texts, pairs;
  for (const json& golden : golden_cases("deberta-v3-tiny")) {
    texts.push_back(golden.at("text").get<std::string>());
    pairs.push_back(pair_of(golden).value_or("두 번째 문장."));
  }
  const auto singles = tokenizer.encode_batch(texts, kGoldenMaxLength);
  const auto doubles = tokenizer.encode_batch(texts, pairs, kGoldenMaxLength);
  REQUIRE(singles.size() == texts.size());
  REQUIRE(doubles.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO("example " << i << ": expected encode_batch to equal encode");
    CHECK(singles[i].input_ids == tokenizer.encode(texts[i], std::nullopt, kGoldenMaxLength).input_ids);
    CHECK(doubles[i].input_ids == tokenizer.encode(texts[i], pairs[i], kGoldenMaxLength).input_ids);
    CHECK(doubles[i].token_type_ids == tokenizer.encode(texts[i], pairs[i], kGoldenMaxLength).token_type_ids);
  }
  CHECK_THROWS_AS(tokenizer.encode_batch(texts, std::vector<std::string>{"one"}, kGoldenMaxLength),
                  std::invalid_argument);
}

TEST_CASE("lower_case follows Python's str.lower") {
  // Expected values are Python 3.11's str.lower() of the same text.
  CHECK(deberta::lower_case("DeBERTa-V3 ÀÉÎÕÜ ĀĂĄ Ÿ") == "deberta-v3 àéîõü āăą ÿ");
  CHECK(deberta::lower_case("ΑΒΓ ДЖЯ ＦＵＬＬ Ⅻ Ⓐ 𐐀") == "αβγ джя ｆｕｌｌ ⅻ ⓐ 𐐨");
  CHECK(deberta::lower_case("İ") == "i\xCC\x87");
  CHECK(deberta::lower_case("한국어 ㅋㅋ 漢字 ß ǅ") == "한국어 ㅋㅋ 漢字 ß ǆ");
  INFO("expected invalid UTF-8 bytes to pass through unchanged");
  CHECK(deberta::lower_case("A\xFF"
                            "B") ==
        "a\xFF"
        "b");
}

TEST_CASE("split_on_punctuation isolates every punctuation character as HF's slow tokenizer does") {
  using Words = std::vector<std::string_view>;
  CHECK(deberta::split_on_punctuation("Hello, world!") == Words{"Hello", ",", " world", "!"});
  CHECK(deberta::split_on_punctuation("가격은 ₩12,000원 (약 $9.99)") ==
        Words{"가격은 ₩12", ",", "000원 ", "(", "약 ", "$", "9", ".", "99", ")"});
  CHECK(deberta::split_on_punctuation("「인용」…끝") == Words{"「", "인용", "」", "…", "끝"});
  CHECK(deberta::split_on_punctuation("").empty());
}

TEST_CASE("do_lower_case and split_by_punct in tokenizer_config.json follow HF's slow tokenizer") {
  const ScratchDir dir;
  fs::copy_file(fs::path(fixture_dir("deberta-v3-tiny")) / "spm.model", dir.file("spm.model"));
  write_json(dir.file("tokenizer_config.json"), {{"do_lower_case", true}, {"split_by_punct", true}});
  const Tokenizer tokenizer = load_tokenizer(dir.path());
  CHECK(tokenizer.do_lower_case());
  CHECK(tokenizer.split_by_punct());
  // Expected: the reference DebertaV2TokenizerRef(do_lower_case=True, split_by_punct=True).
  using Pieces = std::vector<std::string>;
  CHECK(tokenizer.tokenize("Hello, World!") ==
        Pieces{"▁", "h", "e", "l", "l", "o", "▁", ",", "▁", "w", "or", "l", "d", "▁", "!"});
  CHECK(tokenizer.tokenize("한국어 (괄호) 문장.") ==
        Pieces{"▁한국", "어", "▁", "(", "▁", "[UNK]", "호", "▁", ")", "▁", "문", "장", "▁", "."});
}

TEST_CASE("Lowercase and Punctuation in tokenizer.json turn on do_lower_case and split_by_punct") {
  const ScratchDir dir;
  json spec = read_json(fs::path(fixture_dir("deberta-v3-tiny")) / "tokenizer.json");
  auto& normalizers = spec.at("normalizer").at("normalizers");
  normalizers.insert(normalizers.begin(), json{{"type", "Lowercase"}});
  auto& pre_tokenizers = spec.at("pre_tokenizer").at("pretokenizers");
  pre_tokenizers.insert(pre_tokenizers.begin(), json{{"type", "Punctuation"}, {"behavior", "Isolated"}});
  write_json(dir.file("tokenizer.json"), spec);
  const Tokenizer tokenizer = load_tokenizer(dir.path());
  CHECK(tokenizer.do_lower_case());
  CHECK(tokenizer.split_by_punct());
  using Pieces = std::vector<std::string>;
  CHECK(tokenizer.tokenize("Hello, World!") ==
        Pieces{"▁", "h", "e", "l", "l", "o", "▁", ",", "▁", "w", "or", "l", "d", "▁", "!"});
}

TEST_CASE("a tokenizer.json with a BPE model is rejected as unsupported, naming the file") {
  const ScratchDir dir;
  write_json(
      dir.file("tokenizer.json"),
      {{"version", "1.0"}, {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", json::array()}}}});
  const std::string message = load_error(dir.path());
  INFO("got: " << message);
  CHECK(message.find(dir.file("tokenizer.json")) != std::string::npos);
  CHECK(message.find("BPE") != std::string::npos);
  CHECK(message.find("unsupported") != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("a directory without spm.model or tokenizer.json is an error naming the directory and both files") {
  const ScratchDir dir;
  const std::string message = load_error(dir.path());
  INFO("got: " << message);
  CHECK(message.find(dir.path()) != std::string::npos);
  CHECK(message.find("spm.model") != std::string::npos);
  CHECK(message.find("tokenizer.json") != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
}
