#include "data/batching.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "data/random.h"

namespace deberta {

namespace {

std::vector<BatchIndices> cut(const std::vector<size_t>& order, size_t batch_size) {
  std::vector<BatchIndices> batches;
  for (size_t start = 0; start < order.size(); start += batch_size)
    batches.emplace_back(order.begin() + start, order.begin() + std::min(order.size(), start + batch_size));
  return batches;
}

void sort_longest_first(std::vector<size_t>::iterator first, std::vector<size_t>::iterator last,
                        const std::vector<size_t>& lengths) {
  std::stable_sort(first, last, [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
}

}  // namespace

std::vector<BatchIndices> epoch_batches(const std::vector<size_t>& lengths, size_t batch_size, bool shuffle,
                                        bool group_by_length, uint64_t seed) {
  if (batch_size == 0) throw std::invalid_argument("batch size must be at least 1");
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (shuffle) {
    std::mt19937_64 rng(seed);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);
  }
  if (!group_by_length) return cut(order, batch_size);

  // HF: megabatch = min(n / (4 * batch_size), 50) batches, at least one.
  const size_t megabatch = std::max<size_t>(1, std::min<size_t>(lengths.size() / (4 * batch_size), 50)) * batch_size;
  for (size_t start = 0; start < order.size(); start += megabatch) {
    const auto first = order.begin() + start;
    sort_longest_first(first, order.begin() + std::min(order.size(), start + megabatch), lengths);
  }
  auto batches = cut(order, batch_size);
  const auto longest = std::max_element(
      batches.begin(), batches.end(),
      [&](const BatchIndices& a, const BatchIndices& b) { return lengths[a.front()] < lengths[b.front()]; });
  if (longest != batches.end()) std::iter_swap(batches.begin(), longest);
  return batches;
}

std::vector<BatchIndices> evaluation_batches(const std::vector<size_t>& lengths, size_t batch_size) {
  if (batch_size == 0) throw std::invalid_argument("batch size must be at least 1");
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  sort_longest_first(order.begin(), order.end(), lengths);
  return cut(order, batch_size);
}

}  // namespace deberta
