// Seeded randomness that gives the same sequence on every platform: the
// standard library's distributions differ between implementations, the
// mt19937_64 engine does not.
#pragma once

#include <cstdint>
#include <random>

namespace deberta {

// A uniform integer in [0, bound), by rejection.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

// splitmix64's finaliser: every bit of the result depends on every bit of
// `z`, so nearby seeds give unrelated streams when mixed through it.
constexpr uint64_t splitmix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace deberta
