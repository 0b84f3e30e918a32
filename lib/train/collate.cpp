#include "train/collate.h"

#include <torch/torch.h>

#include <algorithm>

namespace deberta {

Batch collate(const std::vector<Encoding>& encodings, const std::vector<double>& targets, const BatchIndices& indices,
              int64_t pad_id, bool regression) {
  size_t width = 0;
  for (size_t i : indices) width = std::max(width, encodings[i].input_ids.size());
  const auto rows = static_cast<int64_t>(indices.size()), columns = static_cast<int64_t>(width);
  auto ids = torch::full({rows, columns}, pad_id, torch::kLong);
  auto mask = torch::zeros({rows, columns}, torch::kLong);
  auto types = torch::zeros({rows, columns}, torch::kLong);
  auto labels = torch::empty({rows}, regression ? torch::kFloat : torch::kLong);
  auto ids_a = ids.accessor<int64_t, 2>(), mask_a = mask.accessor<int64_t, 2>(), types_a = types.accessor<int64_t, 2>();
  bool padded = false;
  for (int64_t r = 0; r < rows; ++r) {
    const Encoding& e = encodings[indices[r]];
    for (size_t c = 0; c < e.input_ids.size(); ++c) {
      ids_a[r][c] = e.input_ids[c];
      mask_a[r][c] = e.attention_mask[c];
      types_a[r][c] = e.token_type_ids[c];
      padded = padded || e.attention_mask[c] == 0;
    }
    padded = padded || e.input_ids.size() < width;
    // Through the data pointer: indexing a tensor element dispatches operators.
    if (regression)
      labels.data_ptr<float>()[r] = static_cast<float>(targets[indices[r]]);
    else
      labels.data_ptr<int64_t>()[r] = static_cast<int64_t>(targets[indices[r]]);
  }
  return {{ids, mask, types, padded}, labels};
}

}  // namespace deberta
