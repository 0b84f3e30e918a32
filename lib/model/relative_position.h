// Relative positions for disentangled attention.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace deberta {

// [q_len, k_len] long tensor of query position minus key position, mapped to
// log buckets when bucket_size > 0 (DeBERTa-v3): distances under
// bucket_size/2 stay exact, larger ones grow logarithmically up to max_position.
// The float32 arithmetic follows HF's so that bucket boundaries agree exactly.
torch::Tensor relative_positions(int64_t q_len, int64_t k_len, int64_t bucket_size, int64_t max_position);

// The gather indices into the projected relative embeddings, computed once
// per sequence length (transformers issue 20413 is the cost of rebuilding them
// on every step). A sequence of length L reaches only the rows
// [first_row, first_row + rows) of the 2*span rows, so attention projects just
// those: for L = 128 and 256 buckets that halves the position work.
struct RelativeIndex {
  torch::Tensor c2p;  // [L, L]: clamp(r(i,j) + span) - first_row
  torch::Tensor p2c;  // [L, L]: clamp(-r(i,j) + span) - first_row
  int64_t first_row = 0;
  int64_t rows = 0;
};
RelativeIndex relative_index(int64_t length, int64_t bucket_size, int64_t max_position, int64_t span);

}  // namespace deberta
