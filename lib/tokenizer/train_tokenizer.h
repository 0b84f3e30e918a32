// Training a SentencePiece unigram tokenizer with DeBERTa-v3's conventions.
#pragma once

#include <string>

namespace deberta {

struct TokenizerTrainingOptions {
  std::string input;       // UTF-8 text, one sentence per line
  std::string output_dir;  // receives spm.model, tokenizer_config.json, special_tokens_map.json
  int vocab_size = 8000;
  double character_coverage = 0.9995;
};

// Ids 0-3 are [PAD], [CLS], [SEP] and [UNK], the normaliser is nmt_nfkc, and
// [MASK] is left out of the spm model so that it takes the id after the last
// piece, as in DeBERTa-v3. One trainer thread and no input sampling make the
// model a pure function of the input. The files are written atomically.
// Throws std::runtime_error naming the input or the problem.
void train_tokenizer(const TokenizerTrainingOptions& options);

}  // namespace deberta
