// Seeded randomness that gives the same sequence on every platform: the
// standard library's distributions differ between implementations, the
// mt19937_64 engine does not.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace deberta {

// A uniform integer in [0, bound), by rejection.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

// A uniform double in [0, 1): the top 53 bits of one draw.
inline double uniform_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A seeded shuffle of the stream 0, 1, ..., count - 1 that holds only
// `capacity` items: it fills a buffer from the stream, and each next() hands
// out a uniformly chosen buffered item and refills its slot with the next
// one. So the k-th item handed out is below k + capacity, and a reader
// following the order moves through the stream front to back; with capacity
// >= count the order is a uniform permutation.
class ShuffleBuffer {
 public:
  ShuffleBuffer(int64_t count, size_t capacity, uint64_t seed);
  // The next item; count() calls hand out every item once.
  int64_t next();
  int64_t count() const { return count_; }

 private:
  std::mt19937_64 random_;
  std::vector<int64_t> buffer_;
  int64_t count_ = 0, streamed_ = 0;
};

// splitmix64's finaliser: every bit of the result depends on every bit of
// `z`, so nearby seeds give unrelated streams when mixed through it.
constexpr uint64_t splitmix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace deberta
