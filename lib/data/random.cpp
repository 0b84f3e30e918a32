#include "data/random.h"

#include <stdexcept>

namespace deberta {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  while (true) {
    const uint64_t x = rng();
    if (x >= threshold) return x % bound;
  }
}

ShuffleBuffer::ShuffleBuffer(int64_t count, size_t capacity, uint64_t seed) : random_(seed), count_(count) {
  if (capacity == 0) throw std::invalid_argument("a shuffle buffer needs a capacity of at least 1");
  while (buffer_.size() < capacity && streamed_ < count_) buffer_.push_back(streamed_++);
}

int64_t ShuffleBuffer::next() {
  if (buffer_.empty()) throw std::logic_error("ShuffleBuffer::next: every item has been handed out");
  const size_t slot = uniform_below(random_, buffer_.size());
  const int64_t item = buffer_[slot];
  if (streamed_ < count_) {
    buffer_[slot] = streamed_++;
  } else {
    buffer_[slot] = buffer_.back();
    buffer_.pop_back();
  }
  return item;
}

}  // namespace deberta
