// The commands that look at one model: info, tokenize and forward. The model
// is a directory or a Hugging Face model id (hub/hub_download.h); messages
// about finding or downloading it go to `log`.
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace deberta {

// Config summary, parameter counts, weights file, tokenizer kind and
// vocabulary, and the device --device resolves to.
void print_model_info(const std::string& model, const std::string& device, std::ostream& out, std::ostream& log);

struct TokenizeOptions {
  std::string model;  // a directory or OWNER/NAME[@REVISION]
  int max_length = 512;
  std::optional<std::string> text, pair;
  std::optional<std::string> input_jsonl;  // {"text": ..., "pair": ...} per line
};

// One JSON object per example, in input order.
void run_tokenize(const TokenizeOptions& options, std::ostream& out, std::ostream& log);

struct ForwardOptions {
  std::string model;  // a directory or OWNER/NAME[@REVISION]
  std::string inputs_path;
  std::string output_path;
  bool strict = false;
  std::string device = "auto";
  std::string precision = "fp32";  // bf16 or fp16: autocast over the fp32 weights
};

// Reads input_ids, attention_mask and token_type_ids (top level, or under
// model.inputs as in a fixture's golden.json) and writes last_hidden_state,
// plus pooled_output and logits when the checkpoint has a head, nested as
// the input was. Messages about the checkpoint go to `log`.
void run_forward(const ForwardOptions& options, std::ostream& log);

}  // namespace deberta
