#include "commands/bench.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/deberta.h"

namespace deberta {

namespace {

// team-lucid/deberta-v3-*-korean shapes: vocab 64100, 256 log buckets.
DebertaConfig preset_config(const std::string& preset) {
  struct Shape {
    int64_t hidden, layers, heads, intermediate;
  };
  static const std::map<std::string, Shape> shapes = {
      {"xsmall", {384, 12, 6, 1536}}, {"small", {768, 6, 12, 3072}}, {"base", {768, 12, 12, 3072}}};
  const auto it = shapes.find(preset);
  if (it == shapes.end()) throw std::invalid_argument("unknown --preset '" + preset + "' (xsmall, small, base)");
  DebertaConfig c;
  c.vocab_size = 64100;
  c.hidden_size = c.embedding_size = c.pooler_hidden_size = it->second.hidden;
  c.num_hidden_layers = it->second.layers;
  c.num_attention_heads = it->second.heads;
  c.intermediate_size = it->second.intermediate;
  c.max_position_embeddings = 512;
  c.relative_attention = true;
  c.position_buckets = 256;
  c.norm_rel_ebd = "layer_norm";
  c.share_att_key = true;
  c.pos_att_type = {"p2c", "c2p"};
  c.position_biased_input = false;
  return c;
}

// Forward matmul FLOPs of backbone, pooler and classifier, as bench_ref.py counts them.
double forward_flops(const DebertaConfig& c, int64_t batch, int64_t seq_len) {
  const double h = c.hidden_size, i = c.intermediate_size, layers = c.num_hidden_layers;
  const double span = c.position_buckets > 0 ? c.position_buckets : seq_len;
  const double att_span = c.position_buckets > 0 ? std::min(2 * span, 2.0 * seq_len) : 2.0 * seq_len;
  const double per_token = 8 * h * h + 4 * h * i + 4 * seq_len * h + 2 * 2 * att_span * h;
  const double per_sequence = 2 * 2 * (2 * span) * h * h;
  return layers * (batch * seq_len * per_token + per_sequence) + batch * 2 * h * h + batch * 2 * h * c.num_labels();
}

}  // namespace

void run_bench(const BenchOptions& options, std::ostream& out) {
  if (options.mode != "forward")
    throw std::invalid_argument("bench --mode " + options.mode + " is not built yet; it arrives with the trainer");
  if (options.batch < 1 || options.seq_len < 2 || options.seq_len > 512)
    throw std::invalid_argument("bench needs --batch >= 1 and 2 <= --seq-len <= 512");
  torch::manual_seed(0);
  const auto config = preset_config(options.preset);
  DebertaV2ForSequenceClassification model(config);
  model->eval();
  auto ids = torch::randint(5, 64000, {options.batch, options.seq_len}, torch::kLong);
  ids.select(1, 0).fill_(1);
  const ModelInputs inputs{ids, torch::ones_like(ids), torch::zeros_like(ids)};

  torch::InferenceMode inference;
  std::vector<double> seconds;
  for (int i = 0; i < options.warmup + options.iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model(inputs);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (i >= options.warmup) seconds.push_back(elapsed.count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const nlohmann::json result = {
      {"implementation", "deberta-bench"},
      {"mode", options.mode},
      {"preset", options.preset},
      {"batch", options.batch},
      {"seq_len", options.seq_len},
      {"threads", options.threads},
      {"median_s", median},
      {"examples_per_s", options.batch / median},
      {"tokens_per_s", static_cast<double>(options.batch) * options.seq_len / median},
      {"gflops", forward_flops(config, options.batch, options.seq_len) / median / 1e9},
  };
  if (options.json) {
    out << result.dump() << '\n';
    return;
  }
  for (const auto& [key, value] : result.items()) out << fmt::format("{:>16}: {}\n", key, value.dump());
}

}  // namespace deberta
