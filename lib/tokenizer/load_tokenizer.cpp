// load_tokenizer: which file a model directory's tokenizer comes from, and
// the HF settings and special tokens around it.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/tokenizer_settings.h"
#include "util/atomic_file.h"

namespace deberta {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw std::runtime_error(path.string() + ": " + problem);
}

// The file's text, or std::nullopt when it is absent: both settings files are optional.
std::optional<std::string> read_optional_file(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  return read_file(path.string());
}

TokenizerSettings read_settings(const fs::path& dir) {
  const fs::path config_path = dir / "tokenizer_config.json";
  const fs::path map_path = dir / "special_tokens_map.json";
  return parse_tokenizer_settings(read_optional_file(config_path), config_path.string(), read_optional_file(map_path),
                                  map_path.string());
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

  TokenizerSettings settings = read_settings(dir);
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
