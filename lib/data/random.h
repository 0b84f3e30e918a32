// Seeded randomness that gives the same sequence on every platform: the
// standard library's distributions differ between implementations, the
// mt19937_64 engine does not.
#pragma once

#include <cstdint>
#include <random>

namespace deberta {

// A uniform integer in [0, bound), by rejection.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

}  // namespace deberta
