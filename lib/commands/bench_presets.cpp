// bench's --preset shapes: torch-free, so that the core's tests read them.
#include <map>
#include <stdexcept>
#include <string>

#include "commands/bench.h"

namespace deberta {

namespace {

// The shapes of the card's models, as their config.json files give them, read
// by the same parser as a checkpoint's so that each family's defaults apply.
// DeBERTa: team-lucid/deberta-v3-*-korean (vocab 64100, 256 log buckets); the
// xlarge's config.json was not reachable from here, so it is DeBERTa-v2
// xlarge's published shape (1536 x 24 layers, 24 heads). KcBERT-base:
// beomi/kcbert-base (vocab 30000, 300 positions). KoELECTRA-base-v3:
// monologg/koelectra-base-v3-discriminator (vocab 35000).
const std::map<std::string, std::string>& preset_configs() {
  static const std::string deberta =
      R"("model_type": "deberta-v2", "vocab_size": 64100, "max_position_embeddings": 512, "relative_attention": true,
         "position_buckets": 256, "norm_rel_ebd": "layer_norm", "share_att_key": true, "pos_att_type": ["p2c", "c2p"],
         "position_biased_input": false, "type_vocab_size": 0, "layer_norm_eps": 1e-7, "max_relative_positions": -1)";
  static const std::map<std::string, std::string> presets = {
      {"xsmall", "{" + deberta + R"(, "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6,
                                     "intermediate_size": 1536})"},
      {"small", "{" + deberta + R"(, "hidden_size": 768, "num_hidden_layers": 6, "num_attention_heads": 12,
                                    "intermediate_size": 3072})"},
      {"base", "{" + deberta + R"(, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                                   "intermediate_size": 3072})"},
      {"xlarge", "{" + deberta + R"(, "hidden_size": 1536, "num_hidden_layers": 24, "num_attention_heads": 24,
                                     "intermediate_size": 6144})"},
      {"kcbert-base", R"({"model_type": "bert", "vocab_size": 30000, "hidden_size": 768, "num_hidden_layers": 12,
                          "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 300,
                          "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0})"},
      {"koelectra-base-v3", R"({"model_type": "electra", "vocab_size": 35000, "embedding_size": 768,
                                "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                                "intermediate_size": 3072, "max_position_embeddings": 512, "type_vocab_size": 2,
                                "layer_norm_eps": 1e-12, "pad_token_id": 0})"}};
  return presets;
}

std::string preset_names() {
  std::string names;
  for (const auto& [name, text] : preset_configs()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

}  // namespace

DebertaConfig bench_preset_config(const std::string& preset) {
  const auto it = preset_configs().find(preset);
  if (it == preset_configs().end())
    throw std::invalid_argument("unknown --preset '" + preset + "' (" + preset_names() + ")");
  return parse_config(it->second, "bench --preset " + preset);
}

}  // namespace deberta
