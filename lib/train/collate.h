// Turning encoded examples into padded tensors.
#pragma once

#include <vector>

#include "data/batching.h"
#include "tokenizer/tokenizer.h"
#include "train/step.h"

namespace deberta {

// The examples `indices` padded to the longest of them (dynamic padding).
// `targets` holds class ids, or scores when `regression`.
Batch collate(const std::vector<Encoding>& encodings, const std::vector<double>& targets, const BatchIndices& indices,
              int64_t pad_id, bool regression);

}  // namespace deberta
