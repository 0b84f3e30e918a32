// The order of training batches: which examples go together, and when.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace deberta {

using BatchIndices = std::vector<size_t>;  // indices into the examples

// Batches for one epoch over examples of the given token lengths.
// - shuffle: a seeded permutation (portable: the same batches everywhere);
//   otherwise file order.
// - group_by_length (HF Trainer's LengthGroupedSampler): the permutation is
//   cut into megabatches of 50 batches (fewer on small data), each sorted by
//   length, longest first, then cut into batches; the batch holding the
//   longest example goes first so a memory problem shows at once. Padding
//   shrinks to almost nothing while the order stays random between
//   megabatches.
// The last batch may be smaller; every example appears exactly once.
std::vector<BatchIndices> epoch_batches(const std::vector<size_t>& lengths, size_t batch_size, bool shuffle,
                                        bool group_by_length, uint64_t seed);

// Batches in file order with examples of similar length together, for
// evaluation, where order does not matter but padding costs time. Results are
// put back in file order by the caller through the indices.
std::vector<BatchIndices> evaluation_batches(const std::vector<size_t>& lengths, size_t batch_size);

}  // namespace deberta
