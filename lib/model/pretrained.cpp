#include "model/pretrained.h"

#include <torch/torch.h>

#include "io/checkpoint.h"

namespace deberta {

PretrainedModel load_pretrained(const std::string& dir, bool strict) {
  const Checkpoint checkpoint = read_checkpoint(dir);
  PretrainedModel loaded;
  loaded.config = checkpoint.config;
  loaded.weights_file = dir + "/" + checkpoint.weights_file;
  LoadOptions options;
  options.source = loaded.weights_file;
  options.strict = strict;
  options.initializer_range = checkpoint.config.initializer_range;
  if (checkpoint.tensors.count("classifier.weight") != 0) {
    loaded.classifier = DebertaV2ForSequenceClassification(checkpoint.config);
    loaded.report = load_weights(*loaded.classifier, checkpoint.tensors, options);
    loaded.classifier->eval();
  } else {
    loaded.backbone = DebertaV2Model(checkpoint.config);
    loaded.report = load_weights(*loaded.backbone, checkpoint.tensors, options);
    loaded.backbone->eval();
  }
  return loaded;
}

}  // namespace deberta
