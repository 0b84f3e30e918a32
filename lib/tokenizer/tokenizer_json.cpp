#include "tokenizer/tokenizer_json.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "util/atomic_file.h"
#include "util/json_file.h"
#include "util/text.h"

namespace deberta {

namespace {

using nlohmann::json;
using Piece = sentencepiece::ModelProto_SentencePiece;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

// An id: a JSON integer. nlohmann's get<int64_t>() would also convert a float,
// and one out of range (1e300) is undefined behaviour.
int64_t read_id(const json& value, const std::string& field, const std::string& path) {
  if (!value.is_number_integer()) fail(path, field + " is not an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    fail(path, field + " is out of range");
  return value.get<int64_t>();
}

std::string base64_decode(std::string_view text, const std::string& path) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    if (c == '=') break;
    const size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) fail(path, "precompiled_charsmap is not valid base64");
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFF);
    }
  }
  return out;
}

// The members of a node, looking through (nested) Sequence nodes.
void flatten(const json& node, const char* list_key, std::vector<json>& out) {
  if (node.is_null()) return;
  if (node.value("type", "") == "Sequence") {
    for (const json& child : node.at(list_key)) flatten(child, list_key, out);
  } else {
    out.push_back(node);
  }
}

struct Normalization {
  bool lowercase = false;
  bool strip = false;
  bool collapse_spaces = false;
  std::string charsmap;
};

Normalization read_normalizer(const json& node, const std::string& path) {
  std::vector<json> steps;
  flatten(node, "normalizers", steps);
  Normalization result;
  for (const json& step : steps) {
    const std::string type = step.value("type", "");
    if (type == "Lowercase") {
      result.lowercase = true;
    } else if (type == "Strip") {
      result.strip = true;
    } else if (type == "Precompiled") {
      if (step.at("precompiled_charsmap").is_string())
        result.charsmap = base64_decode(step.at("precompiled_charsmap").get<std::string>(), path);
    } else if (type == "Replace" && step.at("pattern").value("Regex", "") == " {2,}" &&
               step.value("content", "") == " ") {
      result.collapse_spaces = true;
    } else {
      fail(path, "normalizer " + step.dump() + " is unsupported");
    }
  }
  return result;
}

struct PreTokenization {
  bool add_dummy_prefix = true;
  bool split_by_punct = false;
  bool whitespace_split = false;
};

PreTokenization read_pre_tokenizer(const json& node, const std::string& path) {
  std::vector<json> steps;
  flatten(node, "pretokenizers", steps);
  PreTokenization result;
  bool metaspace = false;
  for (const json& step : steps) {
    const std::string type = step.value("type", "");
    if (type == "Metaspace") {
      if (step.value("replacement", "\u2581") != "\u2581")
        fail(path, "Metaspace replacement " + step.at("replacement").dump() + " is unsupported (only U+2581)");
      // tokenizers >= 0.19 writes prepend_scheme, older versions add_prefix_space.
      if (step.contains("prepend_scheme"))
        result.add_dummy_prefix = step.at("prepend_scheme").get<std::string>() != "never";
      else
        result.add_dummy_prefix = step.value("add_prefix_space", true);
      metaspace = true;
    } else if (type == "Punctuation" && step.value("behavior", "Isolated") == "Isolated") {
      result.split_by_punct = true;
    } else if (type == "WhitespaceSplit") {
      result.whitespace_split = true;
    } else {
      fail(path, "pre-tokenizer " + step.dump() + " is unsupported");
    }
  }
  if (!metaspace) fail(path, "has no Metaspace pre-tokenizer, which a SentencePiece tokenizer needs");
  return result;
}

// RobertaProcessing, or a TemplateProcessing whose pair has two special
// tokens in a row (`<s> A </s></s> B </s>`).
bool is_roberta_template(const json& post) {
  const std::string type = post.value("type", "");
  if (type == "RobertaProcessing") return true;
  if (type != "TemplateProcessing" || !post.contains("pair") || !post.at("pair").is_array()) return false;
  bool previous_special = false;
  for (const json& item : post.at("pair")) {
    const bool special = item.is_object() && item.contains("SpecialToken");
    if (special && previous_special) return true;
    previous_special = special;
  }
  return false;
}

}  // namespace

TokenizerJson read_tokenizer_json(const std::string& path) { return parse_tokenizer_json(read_file(path), path); }

TokenizerJson parse_tokenizer_json(const std::string& text, const std::string& path) {
  const json root = parse_json(text, path);

  try {
    const json& model_node = root.at("model");
    const std::string type = model_node.value("type", "(none)");
    if (type != "Unigram")
      fail(path, "model type " + json_quoted(type) + " is unsupported; only Unigram (SentencePiece) is");
    if (model_node.value("byte_fallback", false)) fail(path, "Unigram byte_fallback is unsupported");
    if (model_node.at("unk_id").is_null()) fail(path, "a Unigram model without unk_id is unsupported");
    const int64_t unk_id = read_id(model_node.at("unk_id"), "unk_id", path);
    const json& vocab = model_node.at("vocab");
    if (unk_id < 0 || unk_id >= static_cast<int64_t>(vocab.size()))
      fail(path, "unk_id " + std::to_string(unk_id) + " is outside the vocab");

    TokenizerJson result;
    result.model = std::make_unique<sentencepiece::ModelProto>();
    for (const json& entry : vocab) {
      Piece* piece = result.model->add_pieces();
      piece->set_piece(entry.at(0).get<std::string>());
      piece->set_score(entry.at(1).get<float>());
      piece->set_type(Piece::NORMAL);
    }
    result.model->mutable_pieces(static_cast<int>(unk_id))->set_type(Piece::UNKNOWN);

    // Added tokens that are vocab pieces come from spm's control pieces
    // (special) and user-defined pieces (not special): give them back those types.
    for (const json& token : root.value("added_tokens", json::array())) {
      const std::string content = token.at("content").get<std::string>();
      const int64_t id = read_id(token.at("id"), "the id of added token " + json_quoted(content), path);
      if (id < 0) fail(path, "added token " + json_quoted(content) + " has a negative id");
      result.added_tokens[content] = id;
      if (id == unk_id || id >= static_cast<int64_t>(vocab.size())) continue;
      Piece* piece = result.model->mutable_pieces(static_cast<int>(id));
      if (piece->piece() == content)
        piece->set_type(token.value("special", false) ? Piece::CONTROL : Piece::USER_DEFINED);
    }

    const Normalization normalization = read_normalizer(root.value("normalizer", json()), path);
    const PreTokenization pre_tokenization = read_pre_tokenizer(root.value("pre_tokenizer", json()), path);
    result.lowercase = normalization.lowercase;
    result.split_by_punct = pre_tokenization.split_by_punct;
    result.whitespace_split = pre_tokenization.whitespace_split;
    if (const json& post = root.value("post_processor", json()); post.is_object())
      result.roberta_template = is_roberta_template(post);

    auto* trainer = result.model->mutable_trainer_spec();
    trainer->set_model_type(sentencepiece::TrainerSpec::UNIGRAM);
    trainer->set_unk_id(static_cast<int>(unk_id));
    auto* normalizer = result.model->mutable_normalizer_spec();
    normalizer->set_name(normalization.charsmap.empty() ? "identity" : "nmt_nfkc");
    normalizer->set_precompiled_charsmap(normalization.charsmap);
    normalizer->set_add_dummy_prefix(pre_tokenization.add_dummy_prefix);
    // DebertaV2Converter writes spm's remove_extra_whitespaces as Strip plus
    // Replace(" {2,}", " "); spm has no switch for just one of them.
    normalizer->set_remove_extra_whitespaces(normalization.strip && normalization.collapse_spaces);
    normalizer->set_escape_whitespaces(true);
    return result;
  } catch (const json::exception& e) {
    fail(path, std::string("unexpected layout: ") + e.what());
  }
}

}  // namespace deberta
