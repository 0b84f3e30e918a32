// libFuzzer target for parse_config (config.json): an accepted config must
// describe a model that can be built, and write back to a config that parses
// to the same shape.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::DebertaConfig config;
  const std::string text(bytes_of(data, size));
  if (!parses([&] { config = deberta::parse_config(text, "config.json"); }, "config.json")) return 0;
  require(config.vocab_size >= 1 && config.hidden_size >= 1 && config.num_hidden_layers >= 1 &&
              config.num_attention_heads >= 1 && config.intermediate_size >= 1,
          "positive sizes");
  require(config.hidden_size % config.num_attention_heads == 0 && config.attention_head_size() >= 1,
          "whole attention heads");
  require(config.num_labels() >= 1, "at least one label");
  for (const auto& type : config.pos_att_type) require(type == "c2p" || type == "p2c", "known attention types");

  deberta::DebertaConfig again;
  const std::string written = deberta::config_to_json(config).dump();
  if (!parses([&] { again = deberta::parse_config(written, "config.json (written back)"); }))
    fail("a written config does not parse", written.c_str());
  require(again.vocab_size == config.vocab_size && again.hidden_size == config.hidden_size &&
              again.num_hidden_layers == config.num_hidden_layers &&
              again.num_attention_heads == config.num_attention_heads && again.labels == config.labels &&
              again.pos_att_type == config.pos_att_type,
          "a written config reads back the same");
  return 0;
}
