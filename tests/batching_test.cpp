#include <catch2/catch.hpp>
#include <numeric>

#include "data/batching.h"
#include "data/random.h"

namespace {

std::vector<size_t> sample_lengths(size_t n) {
  std::vector<size_t> lengths(n);
  for (size_t i = 0; i < n; ++i) lengths[i] = 3 + (i * 37) % 120;
  return lengths;
}

std::vector<size_t> sorted_indices(const std::vector<deberta::BatchIndices>& batches) {
  std::vector<size_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  return all;
}

size_t padded_tokens(const std::vector<deberta::BatchIndices>& batches, const std::vector<size_t>& lengths) {
  size_t total = 0;
  for (const auto& b : batches) {
    size_t longest = 0;
    for (size_t i : b) longest = std::max(longest, lengths[i]);
    total += longest * b.size();
  }
  return total;
}

}  // namespace

TEST_CASE("an epoch holds every example exactly once in batches of the requested size") {
  const auto lengths = sample_lengths(1003);
  for (bool group : {false, true}) {
    INFO("group_by_length " << group);
    const auto batches = deberta::epoch_batches(lengths, 32, true, group, 7);
    std::vector<size_t> expected(lengths.size());
    std::iota(expected.begin(), expected.end(), size_t{0});
    CHECK(sorted_indices(batches) == expected);
    CHECK(batches.size() == 32);  // 31 full batches and one of 11
    size_t short_batches = 0;
    for (const auto& b : batches) short_batches += b.size() < 32 ? 1 : 0;
    CHECK(short_batches == 1);
  }
}

TEST_CASE("the same seed gives the same batches and another seed other batches") {
  const auto lengths = sample_lengths(500);
  CHECK(deberta::epoch_batches(lengths, 16, true, true, 1) == deberta::epoch_batches(lengths, 16, true, true, 1));
  CHECK(deberta::epoch_batches(lengths, 16, true, true, 1) != deberta::epoch_batches(lengths, 16, true, true, 2));
}

TEST_CASE("grouping by length cuts the padding of a shuffled epoch") {
  const auto lengths = sample_lengths(2000);
  const size_t grouped = padded_tokens(deberta::epoch_batches(lengths, 32, true, true, 3), lengths);
  const size_t random = padded_tokens(deberta::epoch_batches(lengths, 32, true, false, 3), lengths);
  const size_t real = std::accumulate(lengths.begin(), lengths.end(), size_t{0});
  INFO("real " << real << " grouped " << grouped << " random " << random);
  CHECK(grouped < random);
  CHECK(grouped < real * 11 / 10);  // within 10% of no padding at all
}

TEST_CASE("the batch with the longest example comes first when grouping by length") {
  const auto lengths = sample_lengths(777);
  const auto batches = deberta::epoch_batches(lengths, 20, true, true, 5);
  const size_t longest = *std::max_element(lengths.begin(), lengths.end());
  CHECK(lengths[batches.front().front()] == longest);
}

TEST_CASE("without shuffling the batches follow file order") {
  const auto batches = deberta::epoch_batches(sample_lengths(10), 4, false, false, 0);
  CHECK(batches == std::vector<deberta::BatchIndices>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
}

TEST_CASE("evaluation batches cover every example once with similar lengths together") {
  const auto lengths = sample_lengths(300);
  const auto batches = deberta::evaluation_batches(lengths, 64);
  std::vector<size_t> expected(lengths.size());
  std::iota(expected.begin(), expected.end(), size_t{0});
  CHECK(sorted_indices(batches) == expected);
  CHECK(padded_tokens(batches, lengths) < padded_tokens(deberta::epoch_batches(lengths, 64, false, false, 0), lengths));
}

TEST_CASE("a shuffle buffer hands out every item once, never one more than its capacity ahead, the same per seed") {
  const int64_t count = 1000;
  for (size_t capacity : {size_t{1}, size_t{16}, size_t{5000}}) {
    INFO("capacity " << capacity);
    deberta::ShuffleBuffer order(count, capacity, 11);
    std::vector<int64_t> drawn;
    for (int64_t k = 0; k < count; ++k) {
      drawn.push_back(order.next());
      INFO("draw " << k << " gave " << drawn.back() << ", expected below " << k + static_cast<int64_t>(capacity));
      REQUIRE(drawn.back() < k + static_cast<int64_t>(capacity));
    }
    std::vector<int64_t> sorted = drawn;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(count);
    std::iota(all.begin(), all.end(), int64_t{0});
    CHECK(sorted == all);
    if (capacity == 1) CHECK(drawn == all);
    deberta::ShuffleBuffer same(count, capacity, 11), other(count, capacity, 12);
    std::vector<int64_t> again, different;
    for (int64_t k = 0; k < count; ++k) {
      again.push_back(same.next());
      different.push_back(other.next());
    }
    CHECK(again == drawn);
    if (capacity > 1) CHECK(different != drawn);
  }
  deberta::ShuffleBuffer done(2, 4, 1);
  done.next();
  done.next();
  CHECK_THROWS_AS(done.next(), std::logic_error);
}
