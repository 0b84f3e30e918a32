// `deberta-bench pretrain`: DeBERTa-v3's replaced-token detection with
// gradient-disentangled embedding sharing, on a text corpus.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace deberta {

struct PretrainOptions {
  std::vector<std::string> corpus;  // text files, one document or sentence per line
  std::string model_config;         // a config.json for a fresh discriminator
  std::string init_discriminator;   // or an HF DeBERTa-v2 directory to continue from
  std::string tokenizer_dir;        // empty: the init directory's, else the built-in model's
  std::string config_file;
  std::vector<std::string> set_assignments;
  std::string output_dir;  // required (or --resume)
  std::string resume_dir;  // continue from its checkpoint-last/; everything else comes from it
  int64_t stop_after_steps = 0;
  std::string device = "auto";
  int threads = 1;
};

// Trains and writes into the run directory: discriminator/ (an HF
// DebertaV2Model directory with E + E_delta merged and the RTD head as
// mask_predictions.*; finetune --model loads it), generator/ (an HF
// DebertaV2ForMaskedLM), config.yaml, metrics.jsonl, results.json and
// learning-curves.svg. checkpoint-last/ holds the resume state while it
// trains. Returns the run directory.
std::string run_pretrain(const PretrainOptions& options, std::ostream& log);

}  // namespace deberta
