// load_tokenizer: which file a model directory's tokenizer comes from, and
// the HF settings and special tokens around it.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "util/json_file.h"

namespace deberta {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw std::runtime_error(path.string() + ": " + problem);
}

// An absent file reads as an empty object: both settings files are optional.
json read_optional_json(const fs::path& path) {
  if (!fs::exists(path)) return json::object();
  const json root = read_json_file(path.string());
  if (!root.is_object()) fail(path, "is not a JSON object");
  return root;
}

// HF writes a special token either as its string or as an AddedToken object.
void read_token_text(const json& settings, const char* key, std::string& text, const fs::path& path) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return;
  if (it->is_string())
    text = it->get<std::string>();
  else if (it->is_object() && it->contains("content") && it->at("content").is_string())
    text = it->at("content").get<std::string>();
  else
    fail(path, std::string(key) + " is neither a string nor an object with a \"content\" string");
}

bool read_bool(const json& settings, const char* key, const fs::path& path) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return false;
  if (!it->is_boolean()) fail(path, std::string(key) + " is not true or false");
  return it->get<bool>();
}

struct Settings {
  SpecialTokens special{{"[PAD]"}, {"[CLS]"}, {"[SEP]"}, {"[UNK]"}, {"[MASK]"}};
  bool do_lower_case = false;
  bool split_by_punct = false;
  std::optional<int> model_max_length;
};

Settings read_settings(const fs::path& dir) {
  Settings settings;
  const fs::path config_path = dir / "tokenizer_config.json";
  const fs::path map_path = dir / "special_tokens_map.json";
  const json config = read_optional_json(config_path);
  const json map = read_optional_json(map_path);
  // special_tokens_map.json overrides tokenizer_config.json, as in HF's from_pretrained.
  for (const auto& [settings_json, path] : {std::pair{&config, &config_path}, std::pair{&map, &map_path}}) {
    read_token_text(*settings_json, "pad_token", settings.special.pad.text, *path);
    read_token_text(*settings_json, "cls_token", settings.special.cls.text, *path);
    read_token_text(*settings_json, "sep_token", settings.special.sep.text, *path);
    read_token_text(*settings_json, "unk_token", settings.special.unk.text, *path);
    read_token_text(*settings_json, "mask_token", settings.special.mask.text, *path);
  }
  settings.do_lower_case = read_bool(config, "do_lower_case", config_path);
  settings.split_by_punct = read_bool(config, "split_by_punct", config_path);
  // HF stores "no limit" as a huge number (1e30): only a usable length counts.
  const auto max_length = config.find("model_max_length");
  if (max_length != config.end() && max_length->is_number() && max_length->get<double>() >= 1 &&
      max_length->get<double>() <= INT_MAX)
    settings.model_max_length = max_length->get<int>();
  return settings;
}

}  // namespace

Tokenizer load_tokenizer(const std::string& model_dir) {
  const fs::path dir(model_dir);
  const fs::path spm_path = dir / "spm.model";
  const fs::path json_path = dir / "tokenizer.json";
  const bool from_spm = fs::exists(spm_path);
  if (!from_spm && !fs::exists(json_path))
    throw std::runtime_error(model_dir + ": no tokenizer found (looked for spm.model and tokenizer.json)");
  const fs::path& source = from_spm ? spm_path : json_path;

  Settings settings = read_settings(dir);
  auto spm = std::make_shared<sentencepiece::SentencePieceProcessor>();
  TokenizerJson tokenizer_json;
  if (from_spm) {
    const auto status = spm->Load(spm_path.string());
    if (!status.ok()) fail(spm_path, "cannot be loaded: " + status.ToString());
  } else {
    // tokenizer.json carries its own text rules; HF's fast tokenizer ignores
    // the do_lower_case and split_by_punct of tokenizer_config.json.
    tokenizer_json = read_tokenizer_json(json_path.string());
    settings.do_lower_case = tokenizer_json.lowercase;
    settings.split_by_punct = tokenizer_json.split_by_punct;
    const auto status = spm->Load(std::move(tokenizer_json.model));
    if (!status.ok()) fail(json_path, "does not make a valid SentencePiece model: " + status.ToString());
  }

  const int64_t piece_count = spm->GetPieceSize();
  const auto find_id = [&](const std::string& text) -> std::optional<int64_t> {
    if (const auto added = tokenizer_json.added_tokens.find(text); added != tokenizer_json.added_tokens.end())
      return added->second;
    const int id = spm->PieceToId(text);
    // PieceToId answers unk_id for text that is not a piece.
    if (id == spm->unk_id() && spm->IdToPiece(id) != text) return std::nullopt;
    return id;
  };
  SpecialTokens& special = settings.special;
  for (SpecialToken* token : {&special.pad, &special.cls, &special.sep, &special.unk}) {
    const auto id = find_id(token->text);
    if (!id) fail(source, "special token " + token->text + " is not in the vocab");
    token->id = *id;
  }
  // DeBERTa-v3's spm model has no [MASK]: HF appends it after the last piece.
  special.mask.id = find_id(special.mask.text).value_or(piece_count);

  int64_t vocab_size = std::max(piece_count, special.mask.id + 1);
  for (const auto& [text, id] : tokenizer_json.added_tokens) vocab_size = std::max(vocab_size, id + 1);

  Tokenizer tokenizer;
  tokenizer.spm_ = std::move(spm);
  tokenizer.kind_ = from_spm ? "spm.model" : "tokenizer.json";
  tokenizer.special_ = special;
  tokenizer.vocab_size_ = vocab_size;
  tokenizer.do_lower_case_ = settings.do_lower_case;
  tokenizer.split_by_punct_ = settings.split_by_punct;
  tokenizer.model_max_length_ = settings.model_max_length;
  // What HF's AutoTokenizer would give for this file.
  tokenizer.flavour_ = from_spm ? TruncationFlavour::slow : TruncationFlavour::fast;
  return tokenizer;
}

}  // namespace deberta
