#include "model/config.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "util/atomic_file.h"
#include "util/json_file.h"
#include "util/text.h"

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& problem) {
  throw std::runtime_error(source + ": " + field + ": " + problem);
}

template <typename T>
void read(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  // nlohmann's get<int64_t>() converts a float too, and one out of range
  // (1e300) is undefined behaviour: an integer field takes a whole number that
  // fits.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (it->is_number_float()) {
      const double value = it->get<double>();
      if (!(value >= static_cast<double>(std::numeric_limits<T>::min()) &&
            value < -static_cast<double>(std::numeric_limits<T>::min())) ||
          value != std::trunc(value))
        fail(source, key, "is not an integer that fits (" + it->dump() + ")");
      out = static_cast<T>(value);
      return;
    }
  }
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(source, key, "has the wrong type (" + std::string(it->type_name()) + ")");
  }
}

// A dropout that null leaves unset (the family's default applies).
void read_optional(const nlohmann::json& j, const char* key, std::optional<double>& out, const std::string& source) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  double value = 0;
  read(j, key, value, source);
  out = value;
}

template <typename T>
void read_required(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
  if (!j.contains(key) || j.at(key).is_null()) fail(source, key, "required field is missing");
  read(j, key, out, source);
}

std::vector<std::string> split_lowered(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    std::transform(part.begin(), part.end(), part.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::vector<std::string> read_labels(const nlohmann::json& j, const std::string& source) {
  if (j.contains("id2label") && j.at("id2label").is_object() && !j.at("id2label").empty()) {
    std::map<int64_t, std::string> by_id;
    for (const auto& [key, value] : j.at("id2label").items()) {
      int64_t id = -1;
      try {
        id = std::stoll(key);
      } catch (const std::exception&) {
        fail(source, "id2label", "key " + json_quoted(key) + " is not an integer");
      }
      if (!value.is_string()) fail(source, "id2label", "value for " + json_quoted(key) + " is not a string");
      by_id[id] = value.get<std::string>();
    }
    std::vector<std::string> labels;
    for (const auto& [id, name] : by_id) {
      if (id != static_cast<int64_t>(labels.size()))
        fail(source, "id2label", "ids must be 0.." + std::to_string(by_id.size() - 1));
      labels.push_back(name);
    }
    return labels;
  }
  int64_t num_labels = 2;
  read(j, "num_labels", num_labels, source);
  if (num_labels < 1) fail(source, "num_labels", "must be at least 1");
  std::vector<std::string> labels;
  for (int64_t i = 0; i < num_labels; ++i) labels.push_back("LABEL_" + std::to_string(i));
  return labels;
}

// The shape and the fields that DeBERTa-v2's and BERT's configs share, over
// the defaults the family has set.
void read_shape_and_common(const nlohmann::json& j, DebertaConfig& c, const std::string& source) {
  read_required(j, "vocab_size", c.vocab_size, source);
  read_required(j, "hidden_size", c.hidden_size, source);
  read_required(j, "num_hidden_layers", c.num_hidden_layers, source);
  read_required(j, "num_attention_heads", c.num_attention_heads, source);
  read_required(j, "intermediate_size", c.intermediate_size, source);
  read(j, "hidden_act", c.hidden_act, source);
  read(j, "hidden_dropout_prob", c.hidden_dropout_prob, source);
  read(j, "attention_probs_dropout_prob", c.attention_probs_dropout_prob, source);
  read(j, "max_position_embeddings", c.max_position_embeddings, source);
  read(j, "type_vocab_size", c.type_vocab_size, source);
  read(j, "initializer_range", c.initializer_range, source);
  read(j, "layer_norm_eps", c.layer_norm_eps, source);
  read(j, "pad_token_id", c.pad_token_id, source);
}

void read_deberta(const nlohmann::json& j, DebertaConfig& c, const std::string& source) {
  read_shape_and_common(j, c, source);
  read(j, "embedding_size", c.embedding_size, source);
  read(j, "position_biased_input", c.position_biased_input, source);
  read(j, "relative_attention", c.relative_attention, source);
  read(j, "max_relative_positions", c.max_relative_positions, source);
  read(j, "position_buckets", c.position_buckets, source);
  read(j, "norm_rel_ebd", c.norm_rel_ebd, source);
  read(j, "share_att_key", c.share_att_key, source);
  read(j, "conv_kernel_size", c.conv_kernel_size, source);
  read(j, "conv_groups", c.conv_groups, source);
  read(j, "conv_act", c.conv_act, source);
  read(j, "pooler_hidden_size", c.pooler_hidden_size, source);
  read(j, "pooler_dropout", c.pooler_dropout, source);
  read(j, "pooler_hidden_act", c.pooler_hidden_act, source);
  read_optional(j, "cls_dropout", c.cls_dropout, source);

  // pos_att_type: a list, or the legacy "p2c|c2p" string.
  if (j.contains("pos_att_type") && !j.at("pos_att_type").is_null()) {
    const auto& value = j.at("pos_att_type");
    if (value.is_string()) {
      c.pos_att_type = split_lowered(value.get<std::string>(), '|');
    } else if (value.is_array()) {
      for (const auto& item : value) {
        if (!item.is_string()) fail(source, "pos_att_type", "entries must be strings");
        const std::vector<std::string> parts = split_lowered(item.get<std::string>(), '|');
        if (parts.empty()) fail(source, "pos_att_type", "entry " + item.dump() + " names no attention type");
        c.pos_att_type.push_back(parts.front());
      }
    } else {
      fail(source, "pos_att_type", "must be a list or a string");
    }
    for (const auto& type : c.pos_att_type)
      if (type != "c2p" && type != "p2c") fail(source, "pos_att_type", "unknown attention type " + json_quoted(type));
  }
}

// BERT, ELECTRA, RoBERTa and XLM-R: transformers' BertConfig fields, with
// its defaults (ELECTRA's embedding_size 128, RoBERTa's padding id 1).
void read_bert_like(const nlohmann::json& j, DebertaConfig& c, const std::string& source) {
  const bool roberta = c.positions_after_padding();
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12;
  c.pad_token_id = roberta ? 1 : 0;
  c.embedding_size = c.model_type == "electra" ? 128 : 0;
  read_shape_and_common(j, c, source);
  if (c.model_type == "electra") read(j, "embedding_size", c.embedding_size, source);
  read_optional(j, "classifier_dropout", c.cls_dropout, source);
  if (roberta && c.max_position_embeddings <= c.pad_token_id + 1)
    fail(source, "max_position_embeddings", "must exceed pad_token_id + 1 (positions start after the padding id)");
}

// DistilBERT's own names (dim, n_layers, ...), read into the common fields.
void read_distilbert(const nlohmann::json& j, DebertaConfig& c, const std::string& source) {
  c.hidden_size = 768;
  c.num_hidden_layers = 6;
  c.num_attention_heads = 12;
  c.intermediate_size = 4 * 768;
  c.type_vocab_size = 0;
  c.layer_norm_eps = 1e-12;  // fixed in transformers' DistilBERT, not in its config
  c.cls_dropout = 0.2;
  read_required(j, "vocab_size", c.vocab_size, source);
  read(j, "dim", c.hidden_size, source);
  read(j, "n_layers", c.num_hidden_layers, source);
  read(j, "n_heads", c.num_attention_heads, source);
  read(j, "hidden_dim", c.intermediate_size, source);
  read(j, "activation", c.hidden_act, source);
  read(j, "dropout", c.hidden_dropout_prob, source);
  read(j, "attention_dropout", c.attention_probs_dropout_prob, source);
  read(j, "max_position_embeddings", c.max_position_embeddings, source);
  read(j, "initializer_range", c.initializer_range, source);
  read(j, "pad_token_id", c.pad_token_id, source);
  double seq_classif_dropout = *c.cls_dropout;
  read(j, "seq_classif_dropout", seq_classif_dropout, source);
  c.cls_dropout = seq_classif_dropout;
  bool sinusoidal = false;
  read(j, "sinusoidal_pos_embds", sinusoidal, source);
  if (sinusoidal) fail(source, "sinusoidal_pos_embds", "true is not supported (learned positions only)");
}

}  // namespace

bool DebertaConfig::has_c2p() const {
  return std::find(pos_att_type.begin(), pos_att_type.end(), "c2p") != pos_att_type.end();
}

bool DebertaConfig::has_p2c() const {
  return std::find(pos_att_type.begin(), pos_att_type.end(), "p2c") != pos_att_type.end();
}

bool DebertaConfig::norm_rel_embeddings() const {
  const auto kinds = split_lowered(norm_rel_ebd, '|');
  return std::find(kinds.begin(), kinds.end(), "layer_norm") != kinds.end();
}

const char* const kSupportedModelTypes = "deberta-v2, bert, electra, roberta, xlm-roberta, distilbert";

std::string DebertaConfig::backbone_prefix() const {
  if (model_type == "xlm-roberta") return "roberta.";
  if (model_type == "deberta-v2") return "deberta.";
  return model_type + ".";
}

const std::vector<std::string>& DebertaConfig::embedding_parts() {
  static const std::vector<std::string> parts = {"embeddings.", "embeddings_project."};
  return parts;
}

const std::vector<std::string>& DebertaConfig::encoder_parts() {
  static const std::vector<std::string> parts = {"encoder.", "transformer."};
  return parts;
}

bool DebertaConfig::is_bert_like() const {
  return model_type == "bert" || model_type == "electra" || model_type == "roberta" || model_type == "xlm-roberta";
}

int64_t DebertaConfig::max_input_length() const {
  if (is_deberta()) return 0;
  return positions_after_padding() ? max_position_embeddings - pad_token_id - 1 : max_position_embeddings;
}

DebertaConfig parse_config(const std::string& json_text, const std::string& source) {
  const nlohmann::json j = parse_json(json_text, source);
  if (!j.is_object()) throw std::runtime_error(source + ": not a JSON object");

  DebertaConfig c;
  c.source = j;
  read(j, "model_type", c.model_type, source);
  // Without model_type a config reads as DeBERTa (older DeBERTa files lack
  // it); one whose architectures name another family would otherwise fail
  // later with a list of missing deberta.* tensors.
  if (!j.contains("model_type") && j.contains("architectures") && j.at("architectures").is_array() &&
      !j.at("architectures").empty() && j.at("architectures")[0].is_string()) {
    const std::string architecture = j.at("architectures")[0].get<std::string>();
    if (architecture.rfind("Deberta", 0) != 0)
      fail(source, "model_type",
           "is missing, and architectures names " + json_quoted(architecture) + ": add the model_type (one of " +
               kSupportedModelTypes + ")");
  }
  if (c.model_type == "deberta-v2")
    read_deberta(j, c, source);
  else if (c.is_bert_like())
    read_bert_like(j, c, source);
  else if (c.model_type == "distilbert")
    read_distilbert(j, c, source);
  else
    fail(source, "model_type",
         json_quoted(c.model_type) + " is not supported (expected one of " + kSupportedModelTypes + ")");
  if (j.contains("problem_type") && j.at("problem_type").is_string())
    c.problem_type = j.at("problem_type").get<std::string>();
  c.labels = read_labels(j, source);

  if (c.embedding_size <= 0) c.embedding_size = c.hidden_size;
  if (c.pooler_hidden_size <= 0) c.pooler_hidden_size = c.hidden_size;
  for (auto [field, value] :
       {std::pair{"vocab_size", c.vocab_size}, std::pair{"hidden_size", c.hidden_size},
        std::pair{"num_hidden_layers", c.num_hidden_layers}, std::pair{"num_attention_heads", c.num_attention_heads},
        std::pair{"intermediate_size", c.intermediate_size},
        std::pair{"max_position_embeddings", c.max_position_embeddings}})
    if (value < 1) fail(source, field, "must be positive, got " + std::to_string(value));
  if (c.hidden_size % c.num_attention_heads != 0)
    fail(source, "num_attention_heads",
         "hidden_size " + std::to_string(c.hidden_size) + " is not a multiple of " +
             std::to_string(c.num_attention_heads));
  if (c.type_vocab_size < 0) fail(source, "type_vocab_size", "must not be negative");
  if (c.conv_kernel_size > 0 && (c.conv_groups < 1 || c.hidden_size % c.conv_groups != 0))
    fail(source, "conv_groups", "must divide hidden_size");
  if (c.pooler_hidden_size != c.hidden_size)
    fail(source, "pooler_hidden_size", "must equal hidden_size (the classifier reads the pooler's output)");
  return c;
}

DebertaConfig load_config(const std::string& path) { return parse_config(read_file(path), path); }

void set_labels(DebertaConfig& config, std::vector<std::string> labels) {
  if (labels.empty()) throw std::invalid_argument("a model needs at least one label (one means regression)");
  config.labels = std::move(labels);
}

namespace {

void write_labels(const DebertaConfig& c, nlohmann::json& j) {
  if (c.problem_type) j["problem_type"] = *c.problem_type;
  nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
  for (size_t i = 0; i < c.labels.size(); ++i) {
    id2label[std::to_string(i)] = c.labels[i];
    label2id[c.labels[i]] = i;
  }
  j["num_labels"] = c.labels.size();
  j["id2label"] = id2label;
  j["label2id"] = label2id;
}

// The other families keep their file as it was but for what fine-tuning may
// change: labels and dropout, under the family's own keys.
nlohmann::json other_family_json(const DebertaConfig& c) {
  nlohmann::json j = c.source.is_object() ? c.source : nlohmann::json::object();
  j["model_type"] = c.model_type;
  if (c.model_type == "distilbert") {
    j["dropout"] = c.hidden_dropout_prob;
    j["attention_dropout"] = c.attention_probs_dropout_prob;
    j["seq_classif_dropout"] = c.classifier_dropout();
  } else {
    j["hidden_dropout_prob"] = c.hidden_dropout_prob;
    j["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
    j["classifier_dropout"] = c.cls_dropout ? nlohmann::json(*c.cls_dropout) : nlohmann::json(nullptr);
  }
  write_labels(c, j);
  return j;
}

}  // namespace

nlohmann::json config_to_json(const DebertaConfig& c) {
  if (!c.is_deberta()) return other_family_json(c);
  nlohmann::json j = c.source.is_object() ? c.source : nlohmann::json::object();
  j["model_type"] = "deberta-v2";
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["intermediate_size"] = c.intermediate_size;
  if (c.embedding_size != c.hidden_size) j["embedding_size"] = c.embedding_size;
  j["hidden_act"] = c.hidden_act;
  j["hidden_dropout_prob"] = c.hidden_dropout_prob;
  j["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["type_vocab_size"] = c.type_vocab_size;
  j["initializer_range"] = c.initializer_range;
  j["layer_norm_eps"] = c.layer_norm_eps;
  j["pad_token_id"] = c.pad_token_id;
  j["position_biased_input"] = c.position_biased_input;
  j["relative_attention"] = c.relative_attention;
  j["max_relative_positions"] = c.max_relative_positions;
  j["position_buckets"] = c.position_buckets;
  j["pos_att_type"] = c.pos_att_type;
  j["norm_rel_ebd"] = c.norm_rel_ebd;
  j["share_att_key"] = c.share_att_key;
  if (c.conv_kernel_size > 0) {
    j["conv_kernel_size"] = c.conv_kernel_size;
    j["conv_groups"] = c.conv_groups;
    j["conv_act"] = c.conv_act;
  }
  j["pooler_hidden_size"] = c.pooler_hidden_size;
  j["pooler_dropout"] = c.pooler_dropout;
  j["pooler_hidden_act"] = c.pooler_hidden_act;
  if (c.cls_dropout) j["cls_dropout"] = *c.cls_dropout;
  write_labels(c, j);
  return j;
}

}  // namespace deberta
