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
#include "util/mapped_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

constexpr char kMagic[8] = {'D', 'B', 'P', 'A', 'C', 'K', '0', '2'};
constexpr int64_t kHeaderBytes = sizeof(kMagic) + 2 * sizeof(int64_t);  // magic, length, sequences

// A row on disk: its ids, then its word starts, padded so that the next
// row's ids stay 4-byte aligned.
int64_t row_stride(int64_t length) { return length * 4 + (length + 3) / 4 * 4; }

bool starts_word(const std::string& piece) { return piece.rfind("\xE2\x96\x81", 0) == 0; }

// Tokenizes the files line by line and writes each packed row to `out` as
// soon as it is full; returns the number of rows.
int64_t pack(const std::vector<std::string>& files, const Tokenizer& tokenizer, int64_t length, std::ostream& out) {
  const auto& special = tokenizer.special_tokens();
  const int64_t body = length - 2;
  std::vector<char> row(static_cast<size_t>(row_stride(length)));
  auto* row_ids = reinterpret_cast<int32_t*>(row.data());
  auto* row_starts = reinterpret_cast<uint8_t*>(row.data() + length * 4);
  int64_t rows = 0;
  std::vector<int32_t> pending;
  std::vector<uint8_t> pending_starts;
  const auto flush = [&](bool last) {
    size_t at = 0;
    while (pending.size() - at >= static_cast<size_t>(body) || (last && at < pending.size())) {
      const auto take = static_cast<int64_t>(std::min(pending.size() - at, static_cast<size_t>(body)));
      std::fill(row.begin(), row.end(), 0);
      row_ids[0] = static_cast<int32_t>(special.cls.id);
      std::copy_n(pending.begin() + static_cast<std::ptrdiff_t>(at), take, row_ids + 1);
      std::copy_n(pending_starts.begin() + static_cast<std::ptrdiff_t>(at), take, row_starts + 1);
      row_ids[take + 1] = static_cast<int32_t>(special.sep.id);
      for (int64_t pad = take + 2; pad < length; ++pad) row_ids[pad] = static_cast<int32_t>(special.pad.id);
      // Special tokens and padding count as word starts: no word runs across them.
      row_starts[0] = 1;
      for (int64_t c = take + 1; c < length; ++c) row_starts[c] = 1;
      out.write(row.data(), static_cast<std::streamsize>(row.size()));
      ++rows;
      at += static_cast<size_t>(take);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(at));
    pending_starts.erase(pending_starts.begin(), pending_starts.begin() + static_cast<std::ptrdiff_t>(at));
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
  if (rows == 0) throw std::runtime_error("the corpus has no text: every line of every file is blank");
  return rows;
}

}  // namespace

PackedCorpus::PackedCorpus(int64_t length, std::vector<int32_t> ids, std::vector<uint8_t> word_starts)
    : length_(length),
      sequences_(length > 0 ? static_cast<int64_t>(ids.size()) / length : 0),
      stride_(row_stride(length)) {
  if (length <= 0 || ids.size() != word_starts.size() || ids.size() % static_cast<size_t>(length) != 0)
    throw std::invalid_argument("PackedCorpus: ids and word starts must be whole rows of the same length");
  // The rows laid out as on disk; int32 storage keeps the ids aligned.
  auto bytes = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(sequences_ * stride_ / 4));
  auto* base = reinterpret_cast<char*>(bytes->data());
  for (int64_t r = 0; r < sequences_; ++r) {
    std::memcpy(base + r * stride_, ids.data() + r * length, static_cast<size_t>(length) * 4);
    std::memcpy(base + r * stride_ + length * 4, word_starts.data() + r * length, static_cast<size_t>(length));
  }
  rows_ = base;
  storage_ = bytes;
}

PackedCorpus PackedCorpus::map(const std::string& path, int64_t length) {
  auto file = std::make_shared<MappedFile>(path);
  const std::string_view bytes = file->bytes();
  int64_t header[2] = {0, 0};
  if (bytes.size() >= static_cast<size_t>(kHeaderBytes)) std::memcpy(header, bytes.data() + sizeof(kMagic), 16);
  if (bytes.size() < static_cast<size_t>(kHeaderBytes) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0 ||
      header[0] != length || header[1] < 1 ||
      static_cast<uint64_t>(header[1]) != (bytes.size() - kHeaderBytes) / static_cast<uint64_t>(row_stride(length)) ||
      (bytes.size() - kHeaderBytes) % static_cast<uint64_t>(row_stride(length)) != 0)
    throw std::runtime_error(path + ": not a packed corpus of length " + std::to_string(length) +
                             " (damaged or truncated)");
  PackedCorpus corpus;
  corpus.length_ = length;
  corpus.sequences_ = header[1];
  corpus.stride_ = row_stride(length);
  corpus.rows_ = bytes.data() + kHeaderBytes;
  corpus.storage_ = std::move(file);
  return corpus;
}

const int32_t* PackedCorpus::ids(int64_t row) const { return reinterpret_cast<const int32_t*>(rows_ + row * stride_); }

const uint8_t* PackedCorpus::word_starts(int64_t row) const {
  return reinterpret_cast<const uint8_t*>(rows_ + row * stride_ + length_ * 4);
}

PackedCorpus pack_corpus(const std::vector<std::string>& files, const Tokenizer& tokenizer,
                         const std::string& tokenizer_dir, int64_t length, const std::string& directory,
                         std::ostream& log) {
  if (files.empty()) throw std::invalid_argument("pretrain needs at least one --corpus file");
  if (length < 8) throw std::invalid_argument(fmt::format("training.max_seq_len {} is too short to pack", length));
  Sha256 key;
  key.update(fmt::format("packed corpus v2 length {}\n", length));
  for (const auto& file : files) {
    if (!fs::is_regular_file(file)) throw std::runtime_error(file + ": no such corpus file");
    key.update("file " + sha256_file(file) + "\n");
  }
  key.update(tokenizer_files_digest(tokenizer_dir));
  const std::string path = (fs::path(directory) / ("corpus-" + key.hex_digest() + ".bin")).string();
  if (fs::exists(path)) {
    try {
      PackedCorpus cached = PackedCorpus::map(path, length);
      log << fmt::format("corpus: {} sequences of {} tokens from {}\n", cached.sequences(), length, path);
      return cached;
    } catch (const std::runtime_error& error) {
      log << "corpus: " << error.what() << "; packing again\n";
    }
  }
  fs::create_directories(directory);
  {
    AtomicFileWriter file(path);
    // The count is known at the end: written then, over a placeholder.
    const int64_t header[2] = {length, 0};
    file.stream().write(kMagic, sizeof(kMagic));
    file.stream().write(reinterpret_cast<const char*>(header), sizeof(header));
    const int64_t rows = pack(files, tokenizer, length, file.stream());
    file.stream().seekp(sizeof(kMagic) + sizeof(int64_t));
    file.stream().write(reinterpret_cast<const char*>(&rows), sizeof(rows));
    file.commit();
    log << fmt::format("corpus: {} sequences of {} tokens packed from {} file(s) into {}\n", rows, length, files.size(),
                       path);
  }
  return PackedCorpus::map(path, length);
}

Batch mask_rows(const PackedCorpus& corpus, const std::vector<int64_t>& rows, const MaskingOptions& options,
                uint64_t seed) {
  const int64_t length = corpus.length(), count = static_cast<int64_t>(rows.size());
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
    const int32_t* source = corpus.ids(rows[r]);
    const uint8_t* starts = corpus.word_starts(rows[r]);
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
      const bool chosen = options.whole_word && !starts[c] ? word_chosen : uniform_unit(random) < options.mask_prob;
      word_chosen = chosen;
      if (!chosen) continue;
      labels_out[at] = id;
      const double roll = uniform_unit(random);
      if (roll < 0.8) {
        ids_out[at] = options.mask_id;
      } else if (roll < 0.9) {
        int64_t replacement;
        do replacement = static_cast<int64_t>(uniform_below(random, static_cast<uint64_t>(options.vocab_size)));
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
  const auto global = static_cast<int64_t>(options_.batch_size) * options_.world;
  return training_sequences() / global / static_cast<int64_t>(options_.accumulation);
}

StepInput PretrainBatches::next(const TrainerState& state) {
  const auto global = static_cast<int64_t>(options_.batch_size) * options_.world;
  const int64_t first = static_cast<int64_t>(state.next_batch) * global;
  // A new epoch, or a resumed run: replay the order up to this batch
  // (indices only, no data is read).
  if (state.epoch != epoch_ || drawn_ > first) {
    order_.emplace(training_sequences(), options_.shuffle_buffer,
                   splitmix64(options_.seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(state.epoch + 1)));
    epoch_ = state.epoch;
    drawn_ = 0;
  }
  for (; drawn_ < first; ++drawn_) order_->next();
  StepInput input;
  const uint64_t epoch_seed = splitmix64(options_.seed ^ splitmix64(static_cast<uint64_t>(state.epoch) + 7));
  for (size_t k = 0; k < options_.accumulation; ++k) {
    std::vector<int64_t> rows;
    // This process's contiguous part of the global batch.
    const int64_t begin = static_cast<int64_t>(options_.batch_size) * options_.rank;
    for (int64_t i = 0; i < global; ++i, ++drawn_) {
      const int64_t row = order_->next();
      if (i >= begin && i < begin + static_cast<int64_t>(options_.batch_size)) rows.push_back(row);
    }
    input.micro_batches.push_back(mask_rows(corpus_, rows, masking_, epoch_seed));
    input.examples += global;
  }
  const int64_t batches_left =
      training_sequences() / global - static_cast<int64_t>(state.next_batch + options_.accumulation);
  input.ends_epoch = batches_left < static_cast<int64_t>(options_.accumulation);
  return input;
}

}  // namespace deberta
