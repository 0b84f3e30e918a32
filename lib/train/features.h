// A split turned into model inputs: every example tokenized, with its target.
// Tokenizing NSMC's 150k reviews takes longer than a short training run, so
// the encodings are cached on disk, keyed by everything that decides them.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "tasks/dataset.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace deberta {

struct EncodedSplit {
  std::string name;
  std::vector<Encoding> encodings;
  std::vector<double> targets;  // class ids, or scores for regression
  std::vector<size_t> lengths;  // tokens per example, for length grouping
};

// Where the feature cache lives: $DEBERTA_BENCH_CACHE, else
// $XDG_CACHE_HOME/deberta-bench, else ~/.cache/deberta-bench. Empty when
// DEBERTA_BENCH_CACHE is "off" (no caching).
std::string feature_cache_dir();

// The cache key of a split's encodings: the sha256 of the data files, the
// rows kept (options, filters and held-out slices change them), the task
// options, the tokenizer files of `model_dir`, the truncation rule and
// max_seq_len. 64 hex digits.
std::string feature_cache_key(const SplitData& split, const TaskSpec& task, const TaskOptions& options,
                              const std::string& model_dir, const Tokenizer& tokenizer, int64_t max_seq_len,
                              size_t limit);

// The names and sha256 of the tokenizer files in `model_dir`, one per line:
// what a cache key takes from the tokenizer.
std::string tokenizer_files_digest(const std::string& model_dir);

struct EncodeOptions {
  int64_t max_seq_len = 128;
  size_t limit = 0;       // > 0: only the first `limit` examples
  std::string cache_dir;  // empty: no cache
  std::string cache_key;  // feature_cache_key(); used when cache_dir is set
};

// The split's first `limit` examples (all when 0) tokenized with `tokenizer`,
// read from the cache when an entry for the key exists there, and written to
// it otherwise. A damaged cache entry is reported on `log` and rebuilt.
EncodedSplit encode_split(const SplitData& split, const TaskSpec& task, const Tokenizer& tokenizer,
                          const EncodeOptions& options, std::ostream& log);

}  // namespace deberta
