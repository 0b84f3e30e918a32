#include "tokenizer/train_tokenizer.h"

#include <sentencepiece_trainer.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/atomic_file.h"

namespace deberta {

void train_tokenizer(const TokenizerTrainingOptions& options) {
  if (!std::filesystem::is_regular_file(options.input))
    throw std::runtime_error(options.input + ": no such file (train-tokenizer needs one sentence per line)");
  if (options.vocab_size < 8) throw std::runtime_error("--vocab-size must be at least 8");
  std::filesystem::create_directories(options.output_dir);
  const std::string prefix = (std::filesystem::path(options.output_dir) / ".spm-training").string();
  const std::string arguments =
      "--input=" + options.input + " --model_prefix=" + prefix + " --vocab_size=" + std::to_string(options.vocab_size) +
      " --model_type=unigram --character_coverage=" + std::to_string(options.character_coverage) +
      " --normalization_rule_name=nmt_nfkc --pad_id=0 --pad_piece=[PAD] --bos_id=1 --bos_piece=[CLS]"
      " --eos_id=2 --eos_piece=[SEP] --unk_id=3 --unk_piece=[UNK] --num_threads=1"
      " --shuffle_input_sentence=false --input_sentence_size=0 --minloglevel=2";
  const auto status = sentencepiece::SentencePieceTrainer::Train(arguments);
  std::filesystem::remove(prefix + ".vocab");
  if (!status.ok()) {
    std::filesystem::remove(prefix + ".model");
    throw std::runtime_error(options.input + ": SentencePiece training failed: " + status.ToString());
  }
  std::filesystem::rename(prefix + ".model", std::filesystem::path(options.output_dir) / "spm.model");

  const nlohmann::json special = {{"pad_token", "[PAD]"}, {"cls_token", "[CLS]"},   {"sep_token", "[SEP]"},
                                  {"unk_token", "[UNK]"}, {"mask_token", "[MASK]"}, {"bos_token", "[CLS]"},
                                  {"eos_token", "[SEP]"}};
  nlohmann::json config = special;
  config["tokenizer_class"] = "DebertaV2Tokenizer";
  config["do_lower_case"] = false;
  config["split_by_punct"] = false;
  config["vocab_type"] = "spm";
  write_file_atomically((std::filesystem::path(options.output_dir) / "tokenizer_config.json").string(),
                        config.dump(2) + "\n");
  write_file_atomically((std::filesystem::path(options.output_dir) / "special_tokens_map.json").string(),
                        special.dump(2) + "\n");
}

}  // namespace deberta
