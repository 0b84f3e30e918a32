// A WordPiece tokenizer.json: only the layout that HF's BertTokenizer writes
// is read; any other normalizer or pre-tokenizer is an error rather than
// silently different ids.
#include <climits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizer/wordpiece.h"
#include "util/json_file.h"
#include "util/text.h"

namespace deberta {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

int64_t read_id(const json& value, const std::string& what, const std::string& source) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > INT_MAX)
    fail(source, what + " is not an id (an integer from 0)");
  return value.get<int64_t>();
}

bool read_flag(const json& node, const char* key, bool fallback, const std::string& source) {
  const auto it = node.find(key);
  if (it == node.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(source, std::string("normalizer field ") + key + " is not true or false");
  return it->get<bool>();
}

BertTextRules read_normalizer(const json& node, const std::string& source) {
  if (!node.is_object() || node.value("type", "") != "BertNormalizer")
    fail(source, "normalizer " + one_line(node.dump()) + " is unsupported; a WordPiece model needs BertNormalizer");
  BertTextRules rules;
  rules.clean_text = read_flag(node, "clean_text", true, source);
  rules.handle_chinese_chars = read_flag(node, "handle_chinese_chars", true, source);
  rules.lowercase = read_flag(node, "lowercase", true, source);
  if (node.contains("strip_accents") && !node.at("strip_accents").is_null())
    rules.strip_accents = read_flag(node, "strip_accents", false, source);
  return rules;
}

Vocab read_vocab(const json& vocab, const std::string& source) {
  if (!vocab.is_object() || vocab.empty()) fail(source, "model.vocab is not a non-empty object of token ids");
  Vocab out;
  for (const auto& [token, id] : vocab.items())
    out.emplace(token, read_id(id, "the id of " + json_quoted(token), source));
  return out;
}

}  // namespace

WordPieceJson parse_wordpiece_json(const std::string& text, const std::string& source) {
  const json root = parse_json(text, source);
  try {
    const json& model = root.at("model");
    if (model.value("type", "") != "WordPiece") fail(source, "model type is not WordPiece");
    WordPieceJson result;
    result.vocab = read_vocab(model.at("vocab"), source);
    result.unk = model.at("unk_token").get<std::string>();
    result.prefix = model.value("continuing_subword_prefix", "##");
    const int64_t max_chars =
        read_id(model.value("max_input_chars_per_word", json(100)), "max_input_chars_per_word", source);
    result.max_word_chars = static_cast<size_t>(max_chars);
    result.rules = read_normalizer(root.value("normalizer", json()), source);
    const json pre_tokenizer = root.value("pre_tokenizer", json());
    if (!pre_tokenizer.is_object() || pre_tokenizer.value("type", "") != "BertPreTokenizer")
      fail(source, "pre-tokenizer " + one_line(pre_tokenizer.dump()) +
                       " is unsupported; a WordPiece model needs BertPreTokenizer");
    for (const json& token : root.value("added_tokens", json::array())) {
      const std::string content = token.at("content").get<std::string>();
      result.added_tokens[content] = read_id(token.at("id"), "the id of added token " + json_quoted(content), source);
    }
    return result;
  } catch (const json::exception& e) {
    fail(source, std::string("unexpected layout: ") + e.what());
  }
}

}  // namespace deberta
