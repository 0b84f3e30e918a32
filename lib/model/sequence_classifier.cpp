#include "model/sequence_classifier.h"

#include <torch/torch.h>

#include <stdexcept>

namespace deberta {

torch::Tensor checked_types(const ModelInputs& inputs) {
  const auto& ids = inputs.input_ids;
  if (ids.dim() != 2) throw std::invalid_argument("input_ids must be [batch, length]");
  const auto types = inputs.token_type_ids.defined() ? inputs.token_type_ids : torch::zeros_like(ids);
  if (types.sizes() != ids.sizes() || (inputs.attention_mask.defined() && inputs.attention_mask.sizes() != ids.sizes()))
    throw std::invalid_argument("attention_mask and token_type_ids must have the shape of input_ids");
  return types;
}

}  // namespace deberta
