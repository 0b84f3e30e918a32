#include "data/random.h"

namespace deberta {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  while (true) {
    const uint64_t x = rng();
    if (x >= threshold) return x % bound;
  }
}

}  // namespace deberta
