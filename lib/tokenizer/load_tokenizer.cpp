// load_tokenizer: which tokenizer a model directory holds (by its files and
// tokenizer_config.json's tokenizer_class), and the HF settings and special
// tokens around it.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>

#include "tokenizer/precompiled.h"
#include "tokenizer/spm_piece_model.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/tokenizer_settings.h"
#include "tokenizer/wordpiece.h"
#include "util/atomic_file.h"
#include "util/json_file.h"
#include "util/text.h"

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

TokenizerSettings read_settings(const fs::path& dir, const SpecialTokens& defaults) {
  const fs::path config_path = dir / "tokenizer_config.json";
  const fs::path map_path = dir / "special_tokens_map.json";
  return parse_tokenizer_settings(read_optional_file(config_path), config_path.string(), read_optional_file(map_path),
                                  map_path.string(), defaults);
}

enum class Family { deberta, wordpiece, xlmr, kobert };

constexpr const char* kKoBertModel = "tokenizer_78b3253a26.model";

// The family of a tokenizer_class, with or without its "Fast" suffix.
std::optional<Family> family_of_class(std::string name) {
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Fast") == 0) name.resize(name.size() - 4);
  if (name == "DebertaV2Tokenizer") return Family::deberta;
  if (name == "BertTokenizer" || name == "ElectraTokenizer") return Family::wordpiece;
  if (name == "XLMRobertaTokenizer") return Family::xlmr;
  if (name == "KoBertTokenizer") return Family::kobert;
  return std::nullopt;
}

// tokenizer.json's model type, to pick a family when tokenizer_class does not say.
std::string json_model_type(const fs::path& path) {
  const nlohmann::json root = read_json_file(path.string());
  if (!root.is_object() || !root.contains("model") || !root.at("model").is_object()) return "";
  return root.at("model").value("type", "");
}

Family pick_family(const fs::path& dir, const std::string& tokenizer_class) {
  if (!tokenizer_class.empty()) {
    if (const auto family = family_of_class(tokenizer_class)) return *family;
    fail(dir / "tokenizer_config.json",
         "tokenizer_class " + json_quoted(tokenizer_class) +
             " is unsupported (supported: DebertaV2Tokenizer, BertTokenizer, ElectraTokenizer, XLMRobertaTokenizer, "
             "KoBertTokenizer, each also with Fast)");
  }
  if (fs::exists(dir / kKoBertModel) && fs::exists(dir / "vocab.txt")) return Family::kobert;
  if (fs::exists(dir / "spm.model")) return Family::deberta;
  if (fs::exists(dir / "sentencepiece.bpe.model")) return Family::xlmr;
  if (fs::exists(dir / "tokenizer.json")) {
    const fs::path path = dir / "tokenizer.json";
    if (json_model_type(path) == "WordPiece") return Family::wordpiece;
    return read_tokenizer_json(path.string()).roberta_template ? Family::xlmr : Family::deberta;
  }
  if (fs::exists(dir / "vocab.txt")) return Family::wordpiece;
  throw std::runtime_error(dir.string() +
                           ": no tokenizer found (looked for spm.model, tokenizer.json, vocab.txt, "
                           "sentencepiece.bpe.model and " +
                           kKoBertModel + ")");
}

// The first of `names` that `dir` holds; an error naming them all when none is there.
fs::path first_present(const fs::path& dir, const std::vector<std::string>& names, const std::string& what) {
  std::string listed;
  for (const std::string& name : names) {
    if (fs::exists(dir / name)) return dir / name;
    listed += (listed.empty() ? "" : " or ") + name;
  }
  throw std::runtime_error(dir.string() + ": no " + what + " tokenizer found (looked for " + listed + ")");
}

std::shared_ptr<sentencepiece::SentencePieceProcessor> load_spm(const fs::path& path) {
  auto spm = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const auto status = spm->Load(path.string());
  if (!status.ok()) fail(path, "cannot be loaded: " + status.ToString());
  return spm;
}

std::shared_ptr<sentencepiece::SentencePieceProcessor> load_spm(std::unique_ptr<sentencepiece::ModelProto> proto,
                                                                const fs::path& source) {
  auto spm = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const auto status = spm->Load(std::move(proto));
  if (!status.ok()) fail(source, "does not make a valid SentencePiece model: " + status.ToString());
  return spm;
}

// Moves the model's normalization out into the tokenizers library's
// Precompiled normalizer (HF's pipeline for XLM-R), leaving spm's identity.
std::shared_ptr<const PrecompiledCharsmap> take_precompiled(sentencepiece::ModelProto& proto, const fs::path& source) {
  auto* normalizer = proto.mutable_normalizer_spec();
  std::shared_ptr<const PrecompiledCharsmap> charsmap;
  if (!normalizer->precompiled_charsmap().empty())
    charsmap = std::make_shared<PrecompiledCharsmap>(normalizer->precompiled_charsmap(), source.string());
  normalizer->set_name("identity");
  normalizer->clear_precompiled_charsmap();
  normalizer->set_add_dummy_prefix(true);
  normalizer->set_remove_extra_whitespaces(false);
  normalizer->set_escape_whitespaces(true);
  return charsmap;
}

// Looks every special token up with `find_id`; [MASK] may be missing, and
// then gets `mask_fallback` (HF appends it after the vocabulary).
void assign_special_ids(SpecialTokens& special, const fs::path& source,
                        const std::function<std::optional<int64_t>(const std::string&)>& find_id,
                        int64_t mask_fallback) {
  for (SpecialToken* token : {&special.pad, &special.cls, &special.sep, &special.unk}) {
    const auto id = find_id(token->text);
    if (!id) fail(source, "special token " + json_quoted(token->text) + " is not in the vocab");
    token->id = *id;
  }
  special.mask.id = find_id(special.mask.text).value_or(mask_fallback);
}

// The text rules, id offset and unknown token of a SentencePiece piece model.
SpmPieceModel::Options spm_options(bool do_lower_case, bool split_by_punct, int64_t id_offset,
                                   const SpecialToken& unk) {
  SpmPieceModel::Options options;
  options.do_lower_case = do_lower_case;
  options.split_by_punct = split_by_punct;
  options.id_offset = id_offset;
  options.unk_text = unk.text;
  options.unk_id = unk.id;
  return options;
}

// The special tokens of a SentencePiece vocabulary, looked up among
// tokenizer.json's added tokens first, then the pieces; a missing [MASK] is
// appended after the last piece, as HF does for DeBERTa-v3. Returns the
// vocabulary size: the pieces, or the largest added id past them.
int64_t assign_spm_special_ids(SpecialTokens& special, const fs::path& source,
                               const sentencepiece::SentencePieceProcessor& spm,
                               const std::map<std::string, int64_t>& added_tokens) {
  const int64_t piece_count = spm.GetPieceSize();
  const auto find_id = [&](const std::string& text) -> std::optional<int64_t> {
    if (const auto added = added_tokens.find(text); added != added_tokens.end()) return added->second;
    const int id = spm.PieceToId(text);
    // PieceToId answers unk_id for text that is not a piece.
    if (id == spm.unk_id() && spm.IdToPiece(id) != text) return std::nullopt;
    return id;
  };
  assign_special_ids(special, source, find_id, piece_count);
  int64_t vocab_size = piece_count;
  for (const auto& [text, id] : added_tokens) vocab_size = std::max(vocab_size, id + 1);
  return vocab_size;
}

}  // namespace

// Tokenizer's private parts are set here, one builder per family.
struct TokenizerBuilder {
  static Tokenizer make(std::shared_ptr<const PieceModel> model, std::string kind, const SpecialTokens& special,
                        int64_t vocab_size, SpecialTemplate special_template, TruncationFlavour flavour,
                        const TokenizerSettings& settings) {
    Tokenizer tokenizer;
    tokenizer.model_ = std::move(model);
    tokenizer.kind_ = std::move(kind);
    tokenizer.special_ = special;
    tokenizer.vocab_size_ = std::max(vocab_size, special.mask.id + 1);
    tokenizer.template_ = special_template;
    tokenizer.flavour_ = flavour;
    tokenizer.do_lower_case_ = settings.do_lower_case;
    tokenizer.split_by_punct_ = settings.split_by_punct;
    tokenizer.model_max_length_ = settings.model_max_length;
    return tokenizer;
  }

  static Tokenizer deberta(const fs::path& dir, TokenizerSettings settings);
  static Tokenizer wordpiece(const fs::path& dir, TokenizerSettings settings);
  static Tokenizer xlmr(const fs::path& dir, TokenizerSettings settings);
  static Tokenizer xlmr_json(const fs::path& source, TokenizerSettings settings);
  static Tokenizer kobert(const fs::path& dir, TokenizerSettings settings);
};

Tokenizer TokenizerBuilder::deberta(const fs::path& dir, TokenizerSettings settings) {
  const fs::path source = first_present(dir, {"spm.model", "tokenizer.json"}, "DeBERTa");
  const bool from_spm = source.filename() == "spm.model";
  std::shared_ptr<sentencepiece::SentencePieceProcessor> spm;
  TokenizerJson tokenizer_json;
  if (from_spm) {
    spm = load_spm(source);
  } else {
    // tokenizer.json carries its own text rules; HF's fast tokenizer ignores
    // the do_lower_case and split_by_punct of tokenizer_config.json.
    tokenizer_json = read_tokenizer_json(source.string());
    settings.do_lower_case = tokenizer_json.lowercase;
    settings.split_by_punct = tokenizer_json.split_by_punct;
    spm = std::make_shared<sentencepiece::SentencePieceProcessor>();
    const auto status = spm->Load(std::move(tokenizer_json.model));
    if (!status.ok()) fail(source, "does not make a valid SentencePiece model: " + status.ToString());
  }

  SpecialTokens& special = settings.special;
  const int64_t vocab_size = assign_spm_special_ids(special, source, *spm, tokenizer_json.added_tokens);

  auto options = spm_options(settings.do_lower_case, settings.split_by_punct, 0, special.unk);
  options.split_on_white_space = tokenizer_json.whitespace_split;
  auto model = std::make_shared<SpmPieceModel>(spm, options);
  // What HF's AutoTokenizer would give for this file.
  return make(std::move(model), from_spm ? "spm.model" : "tokenizer.json", special, vocab_size, SpecialTemplate::bert,
              from_spm ? TruncationFlavour::slow : TruncationFlavour::fast, settings);
}

Tokenizer TokenizerBuilder::wordpiece(const fs::path& dir, TokenizerSettings settings) {
  // HF's AutoTokenizer prefers tokenizer.json when both are there.
  const fs::path source = first_present(dir, {"tokenizer.json", "vocab.txt"}, "WordPiece");
  WordPieceJson parts;
  if (source.filename() == "tokenizer.json") {
    parts = parse_wordpiece_json(read_file(source.string()), source.string());
  } else {
    parts.vocab = read_vocab_txt(source.string());
    parts.unk = settings.special.unk.text;
    parts.prefix = "##";
    // BertTokenizer lower-cases unless told not to.
    parts.rules.lowercase = settings.do_lower_case_given ? settings.do_lower_case : true;
    parts.rules.strip_accents = settings.strip_accents;
    parts.rules.handle_chinese_chars = settings.tokenize_chinese_chars;
  }
  settings.do_lower_case = parts.rules.lowercase;
  const auto find_id = [&](const std::string& text) -> std::optional<int64_t> {
    for (const Vocab* vocab : {&parts.added_tokens, &parts.vocab})
      if (const auto it = vocab->find(text); it != vocab->end()) return it->second;
    return std::nullopt;
  };
  if (!parts.vocab.count(parts.unk))
    fail(source, "the unknown token " + json_quoted(parts.unk) + " is not in the vocab");
  int64_t vocab_size = 0;
  for (const Vocab* vocab : {&parts.added_tokens, &parts.vocab})
    for (const auto& [text, id] : *vocab) vocab_size = std::max(vocab_size, id + 1);
  assign_special_ids(settings.special, source, find_id, vocab_size);
  auto model = std::make_shared<WordPieceModel>(std::move(parts.vocab), parts.rules, parts.unk, parts.prefix,
                                                parts.max_word_chars);
  const std::string kind = source.filename() == "vocab.txt" ? "vocab.txt" : "tokenizer.json (WordPiece)";
  return make(std::move(model), kind, settings.special, vocab_size, SpecialTemplate::bert, TruncationFlavour::fast,
              settings);
}

Tokenizer TokenizerBuilder::xlmr(const fs::path& dir, TokenizerSettings settings) {
  const fs::path source = first_present(dir, {"sentencepiece.bpe.model", "tokenizer.json"}, "XLM-R");
  if (source.filename() == "tokenizer.json") return xlmr_json(source, std::move(settings));
  auto proto = std::make_unique<sentencepiece::ModelProto>(load_spm(source)->model_proto());
  auto precompiled = take_precompiled(*proto, source);
  const auto spm = load_spm(std::move(proto), source);
  const int64_t piece_count = spm->GetPieceSize();
  // fairseq's dictionary: four specials first, then the spm pieces shifted by one, <mask> last.
  static const std::map<std::string, int64_t> kFairseqIds{{"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}};
  SpecialTokens& special = settings.special;
  const auto find_id = [&](const std::string& text) -> std::optional<int64_t> {
    if (const auto it = kFairseqIds.find(text); it != kFairseqIds.end()) return it->second;
    if (text == special.mask.text) return piece_count + 1;
    const int id = spm->PieceToId(text);
    if (id == spm->unk_id()) return std::nullopt;
    return id + 1;
  };
  assign_special_ids(special, source, find_id, piece_count + 1);
  auto options = spm_options(false, false, 1, special.unk);
  options.split_on_white_space = true;
  options.unk_as_surface = true;
  options.precompiled = std::move(precompiled);
  return make(std::make_shared<SpmPieceModel>(spm, options), "sentencepiece.bpe.model", special, piece_count + 2,
              SpecialTemplate::roberta, TruncationFlavour::fast, settings);
}

Tokenizer TokenizerBuilder::xlmr_json(const fs::path& source, TokenizerSettings settings) {
  TokenizerJson tokenizer_json = read_tokenizer_json(source.string());
  if (!tokenizer_json.whitespace_split)
    fail(source, "an XLM-R tokenizer.json needs a WhitespaceSplit pre-tokenizer, as XLMRobertaTokenizer writes");
  auto precompiled = take_precompiled(*tokenizer_json.model, source);
  const auto spm = load_spm(std::move(tokenizer_json.model), source);
  SpecialTokens& special = settings.special;
  const int64_t vocab_size = assign_spm_special_ids(special, source, *spm, tokenizer_json.added_tokens);
  settings.do_lower_case = tokenizer_json.lowercase;
  auto options = spm_options(tokenizer_json.lowercase, tokenizer_json.split_by_punct, 0, special.unk);
  options.split_on_white_space = true;
  options.unk_as_surface = true;
  options.precompiled = std::move(precompiled);
  return make(std::make_shared<SpmPieceModel>(spm, options), "tokenizer.json (XLM-R)", special, vocab_size,
              SpecialTemplate::roberta, TruncationFlavour::fast, settings);
}

Tokenizer TokenizerBuilder::kobert(const fs::path& dir, TokenizerSettings settings) {
  const fs::path model_path = first_present(dir, {kKoBertModel}, "KoBERT");
  const fs::path vocab_path = first_present(dir, {"vocab.txt"}, "KoBERT");
  const auto spm = load_spm(model_path);
  Vocab vocab = read_vocab_txt(vocab_path.string());
  const auto vocab_size = static_cast<int64_t>(vocab.size());
  const auto find_id = [&](const std::string& text) -> std::optional<int64_t> {
    if (const auto it = vocab.find(text); it != vocab.end()) return it->second;
    return std::nullopt;
  };
  assign_special_ids(settings.special, vocab_path, find_id, vocab_size);
  auto model =
      std::make_shared<KoBertPieceModel>(spm, std::move(vocab), settings.special.unk.id, settings.do_lower_case);
  // kobert-transformers' tokenizer is a Python one: the slow truncation.
  return make(std::move(model), "kobert", settings.special, vocab_size, SpecialTemplate::bert, TruncationFlavour::slow,
              settings);
}

Tokenizer load_tokenizer(const std::string& model_dir) {
  const fs::path dir(model_dir);
  // Read once with BERT's names, to learn tokenizer_class.
  TokenizerSettings settings = read_settings(dir, kBertSpecialTokens);
  switch (pick_family(dir, settings.tokenizer_class)) {
    case Family::deberta:
      return TokenizerBuilder::deberta(dir, std::move(settings));
    case Family::wordpiece:
      return TokenizerBuilder::wordpiece(dir, std::move(settings));
    case Family::xlmr:
      return TokenizerBuilder::xlmr(dir, read_settings(dir, kRobertaSpecialTokens));
    case Family::kobert:
      return TokenizerBuilder::kobert(dir, std::move(settings));
  }
  throw std::logic_error("load_tokenizer: unknown tokenizer family");
}

}  // namespace deberta
