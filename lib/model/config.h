// A model's configuration: config.json as a plain record. DeBERTa-v2/v3 is
// the first family; BERT, ELECTRA, RoBERTa, XLM-R and DistilBERT configs are
// read into the same fields (DistilBERT's dim, n_layers, ... included), with
// the defaults that transformers' config class of each family applies.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

struct DebertaConfig {
  // config.json's model_type: "deberta-v2" (also when absent), "bert",
  // "electra", "roberta", "xlm-roberta" or "distilbert".
  std::string model_type = "deberta-v2";

  // Required in config.json: there is no sensible default for a model's shape.
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t intermediate_size = 0;

  int64_t embedding_size = 0;  // 0 in the file means hidden_size
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 0;  // 0: no token-type embedding
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-7;
  int64_t pad_token_id = 0;
  bool position_biased_input = true;

  bool relative_attention = false;
  int64_t max_relative_positions = -1;    // < 1 means max_position_embeddings
  int64_t position_buckets = -1;          // <= 0: no log buckets
  std::vector<std::string> pos_att_type;  // a subset of {"c2p", "p2c"}
  std::string norm_rel_ebd = "none";      // "layer_norm" normalises rel_embeddings
  bool share_att_key = false;

  int64_t conv_kernel_size = 0;  // 0: no conv layer
  int64_t conv_groups = 1;
  std::string conv_act = "tanh";

  int64_t pooler_hidden_size = 0;  // 0 in the file means hidden_size
  double pooler_dropout = 0.0;
  std::string pooler_hidden_act = "gelu";
  std::optional<double> cls_dropout;  // unset: hidden_dropout_prob

  // Labels in index order (from id2label); num_labels is their count, 1 for
  // regression. HF's default without id2label or num_labels is 2.
  std::vector<std::string> labels = {"LABEL_0", "LABEL_1"};
  std::optional<std::string> problem_type;

  // Every key of the file, so that writing a config back keeps what this
  // struct does not model (architectures, torch_dtype, ...).
  nlohmann::json source = nlohmann::json::object();

  bool is_deberta() const { return model_type == "deberta-v2"; }
  // The name of the backbone inside transformers' task model ("deberta.",
  // "bert.", ...; XLM-R's is "roberta."), with its dot.
  std::string backbone_prefix() const;
  // BERT, ELECTRA, RoBERTa and XLM-R share one layer structure.
  bool is_bert_like() const;
  // RoBERTa and XLM-R number positions from pad_token_id + 1, along the
  // mask's cumulative sum; the others from 0.
  bool positions_after_padding() const { return model_type == "roberta" || model_type == "xlm-roberta"; }
  // The tensor names of the backbone's parts below backbone_prefix(), as the
  // model card counts them: the embeddings (with ELECTRA's
  // embeddings_project) and the encoder (DistilBERT's "transformer.").
  static const std::vector<std::string>& embedding_parts();
  static const std::vector<std::string>& encoder_parts();
  // The longest input the absolute positions allow (RoBERTa's start after
  // the padding id), or 0 for no limit here (DeBERTa, as before).
  int64_t max_input_length() const;

  int64_t num_labels() const { return static_cast<int64_t>(labels.size()); }
  int64_t attention_head_size() const { return hidden_size / num_attention_heads; }
  // The clamp of relative distances: max_relative_positions, or the absolute
  // position range when it is unset.
  int64_t max_relative() const { return max_relative_positions < 1 ? max_position_embeddings : max_relative_positions; }
  // Half the number of rows of rel_embeddings.
  int64_t attention_span() const { return position_buckets > 0 ? position_buckets : max_relative(); }
  bool has_c2p() const;
  bool has_p2c() const;
  bool norm_rel_embeddings() const;
  double classifier_dropout() const { return cls_dropout.value_or(hidden_dropout_prob); }
};

// The model_type values this program reads, for messages.
extern const char* const kSupportedModelTypes;

// Parses config.json text. `source` names the file in error messages.
// Throws std::runtime_error "<source>: <field>: <problem>" on a missing
// required field, a wrong type or an inconsistent value.
DebertaConfig parse_config(const std::string& json_text, const std::string& source);
DebertaConfig load_config(const std::string& path);

// config.json for this config: the source keys updated with every modelled
// field, including num_labels, id2label and label2id.
nlohmann::json config_to_json(const DebertaConfig& config);

// Sets the label list; a single label means regression.
void set_labels(DebertaConfig& config, std::vector<std::string> labels);

}  // namespace deberta
