#include "train/pretrain_data.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>

#include "data/random.h"
#include "data/sha256.h"
#include "train/features.h"
#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

constexpr char kCacheMagic[8] = {'D', 'B', 'P', 'A', 'C', 'K', '0', '1'};

bool starts_word(const std::string& piece) { return piece.rfind("\xE2\x96\x81", 0) == 0; }

// The cache entry: magic, length, count, then the ids and the word starts.
std::string serialize(const PackedCorpus& corpus) {
  std::string out(kCacheMagic, sizeof(kCacheMagic));
  const int64_t header[2] = {corpus.length, static_cast<int64_t>(corpus.ids.size())};
  out.append(reinterpret_cast<const char*>(header), sizeof(header));
  out.append(reinterpret_cast<const char*>(corpus.ids.data()), corpus.ids.size() * sizeof(int32_t));
  out.append(reinterpret_cast<const char*>(corpus.word_starts.data()), corpus.word_starts.size());
  return out;
}

bool deserialize(const std::string& bytes, int64_t length, PackedCorpus& corpus) {
  const size_t header = sizeof(kCacheMagic) + 2 * sizeof(int64_t);
  if (bytes.size() < header || std::memcmp(bytes.data(), kCacheMagic, sizeof(kCacheMagic)) != 0) return false;
  int64_t fields[2];
  std::memcpy(fields, bytes.data() + sizeof(kCacheMagic), sizeof(fields));
  const auto count = static_cast<size_t>(fields[1]);
  if (fields[0] != length || fields[1] < 0 || bytes.size() != header + count * (sizeof(int32_t) + 1)) return false;
  corpus.length = length;
  corpus.ids.resize(count);
  corpus.word_starts.resize(count);
  std::memcpy(corpus.ids.data(), bytes.data() + header, count * sizeof(int32_t));
  std::memcpy(corpus.word_starts.data(), bytes.data() + header + count * sizeof(int32_t), count);
  return true;
}

PackedCorpus pack(const std::vector<std::string>& files, const Tokenizer& tokenizer, int64_t length) {
  if (length < 8) throw std::invalid_argument(fmt::format("training.max_seq_len {} is too short to pack", length));
  const auto& special = tokenizer.special_tokens();
  const int64_t body = length - 2;
  PackedCorpus corpus;
  corpus.length = length;
  std::vector<int32_t> pending;
  std::vector<uint8_t> pending_starts;
  const auto flush = [&](bool last) {
    size_t at = 0;
    while (pending.size() - at >= static_cast<size_t>(body) || (last && at < pending.size())) {
      const size_t take = std::min(pending.size() - at, static_cast<size_t>(body));
      corpus.ids.push_back(static_cast<int32_t>(special.cls.id));
      corpus.word_starts.push_back(1);
      corpus.ids.insert(corpus.ids.end(), pending.begin() + at, pending.begin() + at + take);
      corpus.word_starts.insert(corpus.word_starts.end(), pending_starts.begin() + at,
                                pending_starts.begin() + at + take);
      corpus.ids.push_back(static_cast<int32_t>(special.sep.id));
      corpus.word_starts.push_back(1);
      for (auto pad = static_cast<int64_t>(take); pad < body; ++pad) {
        corpus.ids.push_back(static_cast<int32_t>(special.pad.id));
        corpus.word_starts.push_back(1);
      }
      at += take;
    }
    pending.erase(pending.begin(), pending.begin() + at);
    pending_starts.erase(pending_starts.begin(), pending_starts.begin() + at);
  };
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(file + ": cannot open the corpus file");
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      const Encoding encoding = tokenizer.encode(line, std::nullopt, 0);
      const auto pieces = tokenizer.tokenize(line);
      // encode() wraps the pieces in [CLS] ... [SEP].
      if (encoding.input_ids.size() != pieces.size() + 2)
        throw std::runtime_error(fmt::format("{}:{}: the tokenizer's pieces and ids disagree", file, number));
      for (size_t i = 0; i < pieces.size(); ++i) {
        pending.push_back(static_cast<int32_t>(encoding.input_ids[i + 1]));
        pending_starts.push_back(starts_word(pieces[i]) ? 1 : 0);
      }
      flush(false);
    }
    if (in.bad()) throw std::runtime_error(file + ": read error");
  }
  flush(true);
  if (corpus.ids.empty()) throw std::runtime_error("the corpus has no text: every line of every file is blank");
  return corpus;
}

}  // namespace

PackedCorpus pack_corpus(const std::vector<std::string>& files, const Tokenizer& tokenizer,
                         const std::string& tokenizer_dir, int64_t length, const std::string& cache_dir,
                         std::ostream& log) {
  if (files.empty()) throw std::invalid_argument("pretrain needs at least one --corpus file");
  std::string path;
  if (!cache_dir.empty()) {
    Sha256 key;
    key.update(fmt::format("packed corpus v1 length {}\n", length));
    for (const auto& file : files) {
      if (!fs::is_regular_file(file)) throw std::runtime_error(file + ": no such corpus file");
      key.update("file " + sha256_file(file) + "\n");
    }
    key.update(tokenizer_files_digest(tokenizer_dir));
    path = (fs::path(cache_dir) / ("corpus-" + key.hex_digest() + ".bin")).string();
    PackedCorpus cached;
    if (fs::exists(path)) {
      if (deserialize(read_file(path), length, cached)) {
        log << fmt::format("corpus: {} sequences of {} tokens from the cache ({})\n", cached.sequences(), length, path);
        return cached;
      }
      log << "corpus: the cache entry " << path << " is damaged; packing again\n";
    }
  }
  PackedCorpus corpus = pack(files, tokenizer, length);
  log << fmt::format("corpus: {} sequences of {} tokens packed from {} file(s)\n", corpus.sequences(), length,
                     files.size());
  if (!path.empty()) {
    fs::create_directories(fs::path(path).parent_path());
    write_file_atomically(path, serialize(corpus));
  }
  return corpus;
}

Batch mask_rows(const PackedCorpus& corpus, const std::vector<int64_t>& rows, const MaskingOptions& options,
                uint64_t seed) {
  const int64_t length = corpus.length, count = static_cast<int64_t>(rows.size());
  auto ids = torch::empty({count, length}, torch::kLong);
  auto mask = torch::empty({count, length}, torch::kLong);
  auto labels = torch::full({count, length}, -100, torch::kLong);
  auto* ids_out = ids.data_ptr<int64_t>();
  auto* mask_out = mask.data_ptr<int64_t>();
  auto* labels_out = labels.data_ptr<int64_t>();
  const auto is_special = [&](int64_t id) {
    return std::find(options.special_ids.begin(), options.special_ids.end(), id) != options.special_ids.end();
  };
  bool padded = false;
  for (int64_t r = 0; r < count; ++r) {
    std::mt19937_64 random(splitmix64(seed ^ splitmix64(static_cast<uint64_t>(rows[r]) + 1)));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::uniform_int_distribution<int64_t> piece(0, options.vocab_size - 1);
    const int32_t* source = corpus.ids.data() + rows[r] * length;
    const uint8_t* starts = corpus.word_starts.data() + rows[r] * length;
    bool word_chosen = false;
    for (int64_t c = 0; c < length; ++c) {
      const int64_t id = source[c];
      const int64_t at = r * length + c;
      const bool pad = id == options.pad_id;
      mask_out[at] = pad ? 0 : 1;
      padded = padded || pad;
      ids_out[at] = id;
      if (is_special(id)) {
        word_chosen = false;
        continue;
      }
      // With whole-word masking a word's later pieces follow its first.
      const bool chosen = options.whole_word && !starts[c] ? word_chosen : uniform(random) < options.mask_prob;
      word_chosen = chosen;
      if (!chosen) continue;
      labels_out[at] = id;
      const double roll = uniform(random);
      if (roll < 0.8) {
        ids_out[at] = options.mask_id;
      } else if (roll < 0.9) {
        int64_t replacement;
        do replacement = piece(random);
        while (is_special(replacement) || replacement == options.mask_id);
        ids_out[at] = replacement;
      }
    }
  }
  Batch batch;
  batch.inputs = {ids, mask, torch::zeros_like(ids), padded};
  batch.labels = labels;
  return batch;
}

PretrainBatches::PretrainBatches(const PackedCorpus& corpus, MaskingOptions masking, const Options& options)
    : corpus_(corpus), masking_(std::move(masking)), options_(options) {
  if (steps_per_epoch() < 1)
    throw std::runtime_error(fmt::format("the corpus has {} training sequences, fewer than one step's {}",
                                         corpus.sequences() - options.held_out,
                                         options.batch_size * options.world * options.accumulation));
}

int64_t PretrainBatches::steps_per_epoch() const {
  const int64_t train = corpus_.sequences() - options_.held_out;
  const auto global = static_cast<int64_t>(options_.batch_size) * options_.world;
  return train / global / static_cast<int64_t>(options_.accumulation);
}

StepInput PretrainBatches::next(const TrainerState& state) {
  if (state.epoch != cached_epoch_) {
    order_.resize(static_cast<size_t>(corpus_.sequences() - options_.held_out));
    std::iota(order_.begin(), order_.end(), 0);
    std::mt19937_64 shuffle(splitmix64(options_.seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(state.epoch + 1)));
    std::shuffle(order_.begin(), order_.end(), shuffle);
    cached_epoch_ = state.epoch;
  }
  const auto global = options_.batch_size * static_cast<size_t>(options_.world);
  StepInput input;
  const uint64_t epoch_seed = splitmix64(options_.seed ^ splitmix64(static_cast<uint64_t>(state.epoch) + 7));
  for (size_t k = 0; k < options_.accumulation; ++k) {
    const size_t first = (state.next_batch + k) * global;
    // This process's contiguous part of the global batch.
    const size_t begin = first + options_.batch_size * static_cast<size_t>(options_.rank);
    std::vector<int64_t> rows(order_.begin() + static_cast<std::ptrdiff_t>(begin),
                              order_.begin() + static_cast<std::ptrdiff_t>(begin + options_.batch_size));
    input.micro_batches.push_back(mask_rows(corpus_, rows, masking_, epoch_seed));
    input.examples += static_cast<int64_t>(global);
  }
  const size_t batches_left = order_.size() / global - (state.next_batch + options_.accumulation);
  input.ends_epoch = batches_left < options_.accumulation;
  return input;
}

}  // namespace deberta
