#include "io/checkpoint.h"

#include <torch/torch.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "io/safetensors.h"
#include "io/torch_pickle.h"
#include "io/weights_index.h"
#include "util/atomic_file.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw std::runtime_error(path.string() + ": " + problem);
}

void check(const std::error_code& error, const fs::path& path, const std::string& action) {
  if (error) fail(path, action + " (" + error.message() + ")");
}

using WeightsReader = TensorMap (*)(const std::string&);

struct WeightsLayout {
  const char* file;
  bool sharded;
  WeightsReader reader;
};

// HF's own order of preference. The one list of weight file names: reading,
// has_checkpoint_weights and the "no weights found" message all follow it.
const WeightsLayout kWeightsLayouts[] = {{"model.safetensors", false, read_safetensors},
                                         {"model.safetensors.index.json", true, read_safetensors},
                                         {"pytorch_model.bin", false, read_pytorch_bin},
                                         {"pytorch_model.bin.index.json", true, read_pytorch_bin}};

// "model.safetensors, ..., pytorch_model.bin or pytorch_model.bin.index.json"
std::string weights_file_names() {
  std::string out;
  const size_t count = std::size(kWeightsLayouts);
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += i + 1 < count ? ", " : " or ";
    out += kWeightsLayouts[i].file;
  }
  return out;
}

// An index.json of sharded weights: "weight_map" maps each tensor name to the
// shard file (beside the index) that holds it.
TensorMap read_sharded(const fs::path& index_path, WeightsReader read_shard, std::string& weights_file) {
  const std::map<std::string, std::string> shard_of =
      parse_weights_index(read_file(index_path.string()), index_path.string());

  std::set<std::string> shards;
  for (const auto& [name, shard] : shard_of) shards.insert(shard);
  TensorMap tensors;
  std::map<std::string, std::string> found_in;
  weights_file = index_path.filename().string() + " (";
  for (const auto& shard : shards) {
    const fs::path shard_path = index_path.parent_path() / shard;
    for (auto& [name, tensor] : read_shard(shard_path.string())) {
      if (!tensors.emplace(name, tensor).second)
        fail(shard_path, "tensor " + json_quoted(name) + " is also in " + found_in.at(name));
      found_in[name] = shard;
    }
    weights_file += (shard == *shards.begin() ? "" : ", ") + shard;
  }
  weights_file += ")";
  for (const auto& [name, shard] : shard_of) {
    const auto found = found_in.find(name);
    if (found == found_in.end() || found->second != shard)
      fail(index_path, "weight_map puts tensor " + json_quoted(name) + " in " + shard + ", which does not hold it");
  }
  return tensors;
}

void write_text(const fs::path& path, const std::string& text) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) fail(path, std::string("cannot write the file (") + (errno ? std::strerror(errno) : "I/O error") + ")");
}

// The names write_checkpoint_files gives its temporary and set-aside
// directories: NAME.tmp-PID and NAME.old-PID.
bool is_leftover_of(const fs::path& entry, const std::string& name) {
  const std::string file = entry.filename().string();
  return file.rfind(name + ".tmp-", 0) == 0 || file.rfind(name + ".old-", 0) == 0;
}

}  // namespace

void recover_interrupted_write(const std::string& dir) {
  std::error_code error;
  fs::path target = fs::absolute(dir, error).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  const fs::path parent = target.parent_path();
  const std::string name = target.filename().string();
  if (!fs::is_directory(parent, error)) return;
  std::vector<fs::path> set_aside, temporary;
  for (const auto& entry : fs::directory_iterator(parent, error)) {
    if (!is_leftover_of(entry.path(), name)) continue;
    (entry.path().filename().string().rfind(name + ".old-", 0) == 0 ? set_aside : temporary).push_back(entry.path());
  }
  // Killed between moving the old checkpoint aside and moving the new one
  // in: the old one goes back; the new one may be incomplete.
  if (!fs::exists(target, error) && !set_aside.empty()) {
    fs::rename(set_aside.front(), target, error);
    check(error, set_aside.front(), "cannot move the set-aside checkpoint back to " + target.string());
    set_aside.erase(set_aside.begin());
  }
  for (const auto& leftover : set_aside) fs::remove_all(leftover, error);
  for (const auto& leftover : temporary) fs::remove_all(leftover, error);
}

CheckpointWeights read_checkpoint_weights(const std::string& dir) {
  std::error_code error;
  CheckpointWeights weights;
  for (const auto& layout : kWeightsLayouts) {
    const fs::path path = fs::path(dir) / layout.file;
    if (!fs::exists(path, error)) continue;
    if (layout.sharded) {
      weights.tensors = read_sharded(path, layout.reader, weights.weights_file);
    } else {
      weights.tensors = layout.reader(path.string());
      weights.weights_file = layout.file;
    }
    break;
  }
  if (weights.weights_file.empty()) fail(dir, "no weights found; provide " + weights_file_names());

  for (auto& [name, tensor] : weights.tensors)
    if (tensor.scalar_type() == torch::kFloat16 || tensor.scalar_type() == torch::kBFloat16)
      tensor = tensor.to(torch::kFloat32);
  return weights;
}

bool has_checkpoint_weights(const std::string& dir) {
  std::error_code error;
  for (const auto& layout : kWeightsLayouts)
    if (fs::exists(fs::path(dir) / layout.file, error)) return true;
  return false;
}

void write_checkpoint_files(const std::string& dir, const std::string& config_json, const TensorMap& tensors,
                            const std::string& tokenizer_source_dir,
                            const std::map<std::string, std::string>& extra_files) {
  std::error_code error;
  // Normalised so that "out/model/" or "out/model/." still has a name for its siblings.
  fs::path target = fs::absolute(dir, error).lexically_normal();
  check(error, dir, "cannot resolve the path");
  if (!target.has_filename()) target = target.parent_path();

  const bool replacing = fs::exists(target, error);
  if (replacing) {
    if (!fs::is_directory(target, error)) fail(target, "exists and is not a directory");
    if (!fs::is_empty(target, error) && !fs::exists(target / "config.json", error))
      fail(target, "exists and is not a checkpoint (no config.json); refusing to replace it");
  }
  if (!tokenizer_source_dir.empty() && !fs::is_directory(tokenizer_source_dir, error))
    fail(tokenizer_source_dir, "no such tokenizer directory");

  const fs::path parent = target.parent_path();
  fs::create_directories(parent, error);
  check(error, parent, "cannot create the directory");
  const std::string suffix = "-" + std::to_string(::getpid());
  const fs::path temp = parent / (target.filename().string() + ".tmp" + suffix);
  fs::remove_all(temp, error);  // a leftover of a crashed run
  fs::create_directory(temp, error);
  check(error, temp, "cannot create the directory");

  try {
    write_text(temp / "config.json", config_json);
    write_safetensors((temp / "model.safetensors").string(), tensors);
    for (const auto& [name, bytes] : extra_files) write_text(temp / name, bytes);
    if (!tokenizer_source_dir.empty()) {
      // Every tokenizer file load_tokenizer reads: DeBERTa's spm.model, the
      // WordPiece vocab.txt, XLM-R's and KoBERT's SentencePiece models.
      for (const char* name :
           {"spm.model", "vocab.txt", "sentencepiece.bpe.model", "tokenizer_78b3253a26.model", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}) {
        const fs::path source = fs::path(tokenizer_source_dir) / name;
        if (!fs::exists(source, error)) continue;
        fs::copy_file(source, temp / name, error);
        check(error, source, "cannot copy to " + (temp / name).string());
      }
    }
  } catch (...) {
    fs::remove_all(temp, error);
    throw;
  }

  // rename(2) cannot replace a non-empty directory, so an old checkpoint is
  // moved aside first and put back if the new one cannot take its place.
  const fs::path old = parent / (target.filename().string() + ".old" + suffix);
  if (replacing) {
    fs::remove_all(old, error);
    fs::rename(target, old, error);
    if (error) {
      const std::error_code rename_error = error;
      fs::remove_all(temp, error);
      check(rename_error, target, "cannot move the existing checkpoint aside to " + old.string());
    }
  }
  fs::rename(temp, target, error);
  if (error) {
    const std::error_code rename_error = error;
    if (replacing) fs::rename(old, target, error);
    fs::remove_all(temp, error);
    check(rename_error, target, "cannot move " + temp.string() + " into place");
  }
  if (replacing) fs::remove_all(old, error);
}

}  // namespace deberta
