#include "train/features.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "data/sha256.h"
#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

// Cache file layout, native little-endian: the magic, the example count, then
// per example its token count, the ids as int32 and the token types as bytes.
// The attention mask of an unpadded encoding is all ones and is not stored.
constexpr char kMagic[8] = {'D', 'B', 'F', 'E', 'A', 'T', '0', '1'};

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
bool take(const std::string& in, size_t& offset, T& value) {
  if (in.size() - offset < sizeof(T)) return false;
  std::memcpy(&value, in.data() + offset, sizeof(T));
  offset += sizeof(T);
  return true;
}

std::string serialise(const std::vector<Encoding>& encodings) {
  std::string out(kMagic, sizeof(kMagic));
  put<uint64_t>(out, encodings.size());
  for (const auto& e : encodings) {
    put<uint32_t>(out, static_cast<uint32_t>(e.input_ids.size()));
    for (int64_t id : e.input_ids) put<int32_t>(out, static_cast<int32_t>(id));
    for (int64_t type : e.token_type_ids) put<uint8_t>(out, static_cast<uint8_t>(type));
  }
  return out;
}

// False when the bytes are not a whole cache entry of `expected` examples.
bool deserialise(const std::string& in, size_t expected, std::vector<Encoding>& encodings) {
  if (in.size() < sizeof(kMagic) || std::memcmp(in.data(), kMagic, sizeof(kMagic)) != 0) return false;
  size_t offset = sizeof(kMagic);
  uint64_t count = 0;
  if (!take(in, offset, count) || count != expected) return false;
  encodings.resize(count);
  for (auto& e : encodings) {
    uint32_t n = 0;
    if (!take(in, offset, n) || in.size() - offset < static_cast<size_t>(n) * 5) return false;
    e.input_ids.resize(n);
    e.token_type_ids.resize(n);
    e.attention_mask.assign(n, 1);
    for (auto& id : e.input_ids) {
      int32_t value = 0;
      take(in, offset, value);
      id = value;
    }
    for (auto& type : e.token_type_ids) {
      uint8_t value = 0;
      take(in, offset, value);
      type = value;
    }
  }
  return offset == in.size();
}

bool cacheable(const std::vector<Encoding>& encodings) {
  for (const auto& e : encodings)
    for (int64_t mask : e.attention_mask)
      if (mask != 1) return false;
  return true;
}

}  // namespace

std::string feature_cache_dir() {
  if (const char* dir = std::getenv("DEBERTA_BENCH_CACHE"); dir != nullptr && *dir != '\0')
    return std::string(dir) == "off" ? "" : std::string(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return (fs::path(xdg) / "deberta-bench").string();
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return (fs::path(home) / ".cache" / "deberta-bench").string();
  return "";
}

std::string tokenizer_files_digest(const std::string& model_dir) {
  std::string out;
  for (const char* file : {"spm.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path path = fs::path(model_dir) / file;
    if (fs::exists(path)) out += fmt::format("\ntokenizer {} {}", file, sha256_file(path.string()));
  }
  return out;
}

std::string feature_cache_key(const SplitData& split, const TaskSpec& task, const TaskOptions& options,
                              const std::string& model_dir, const Tokenizer& tokenizer, int64_t max_seq_len,
                              size_t limit) {
  Sha256 key;
  key.update(fmt::format("features v1\ntask {} split {} pair {}\n", task.name, split.name, task.is_pair));
  for (const auto& file : split.files) key.update("data " + file.sha256 + "\n");
  for (const auto& [name, value] : options) key.update("option " + name + "=" + value + "\n");
  key.update(
      fmt::format("held_out {} slice_seed {} limit {}\nlines", split.held_out_of_train, split.slice_seed, limit));
  for (const auto& example : split.examples) key.update(fmt::format(" {}", example.line));
  key.update(tokenizer_files_digest(model_dir));
  key.update(fmt::format("\nkind {} truncation {} {} max_seq_len {}\n", tokenizer.kind(),
                         static_cast<int>(tokenizer.truncation_strategy()),
                         static_cast<int>(tokenizer.truncation_flavour()), max_seq_len));
  return key.hex_digest();
}

EncodedSplit encode_split(const SplitData& split, const TaskSpec& task, const Tokenizer& tokenizer,
                          const EncodeOptions& options, std::ostream& log) {
  EncodedSplit out;
  out.name = split.name;
  const size_t n = options.limit > 0 ? std::min(split.examples.size(), options.limit) : split.examples.size();
  for (size_t i = 0; i < n; ++i) {
    const Example& e = split.examples[i];
    out.targets.push_back(task.is_regression() ? e.score : static_cast<double>(e.label));
  }

  const std::string cache_file =
      options.cache_dir.empty() ? ""
                                : (fs::path(options.cache_dir) / "features" / (options.cache_key + ".bin")).string();
  bool cached = false;
  if (!cache_file.empty() && fs::exists(cache_file)) {
    cached = deserialise(read_file(cache_file), n, out.encodings);
    log << "feature cache: " << split.name << (cached ? " read from " : " entry damaged, tokenizing again: ")
        << cache_file << "\n";
  }
  if (!cached) {
    std::vector<std::string> texts, pairs;
    for (size_t i = 0; i < n; ++i) {
      texts.push_back(split.examples[i].text_a);
      if (task.is_pair) pairs.push_back(split.examples[i].text_b.value_or(""));
    }
    const int max_len = static_cast<int>(options.max_seq_len);
    out.encodings =
        task.is_pair ? tokenizer.encode_batch(texts, pairs, max_len) : tokenizer.encode_batch(texts, max_len);
    if (!cache_file.empty() && cacheable(out.encodings)) {
      // A cache that cannot be written only costs time: say so and go on.
      try {
        fs::create_directories(fs::path(cache_file).parent_path());
        write_file_atomically(cache_file, serialise(out.encodings));
      } catch (const std::exception& e) {
        log << "feature cache: not written (" << e.what() << ")\n";
      }
    }
  }
  for (const auto& e : out.encodings) out.lengths.push_back(e.input_ids.size());
  return out;
}

}  // namespace deberta
