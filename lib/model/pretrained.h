// A model directory loaded for inference: the backbone, with the
// sequence-classification head when the checkpoint has one.
#pragma once

#include <string>

#include "model/deberta.h"
#include "model/weights.h"

namespace deberta {

struct PretrainedModel {
  DebertaConfig config;
  std::string weights_file;
  LoadReport report;
  DebertaV2ForSequenceClassification classifier{nullptr};  // when the checkpoint has a classifier
  DebertaV2Model backbone{nullptr};                        // otherwise

  bool has_head() const { return !classifier.is_empty(); }
};

// Reads the directory (see read_checkpoint), builds the model its tensors
// describe and loads them, in eval mode. With `strict`, unexpected tensors
// are an error.
PretrainedModel load_pretrained(const std::string& dir, bool strict);

}  // namespace deberta
