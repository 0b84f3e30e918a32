#include "hub/hub_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>

#include "io/weights_index.h"
#include "util/atomic_file.h"
#include "util/environment.h"

namespace fs = std::filesystem;

namespace deberta {
namespace {

// The Hub's rule for owner and repository names.
bool valid_name_part(const std::string& part) {
  if (part.empty() || part.size() > 96) return false;
  if (!std::isalnum(static_cast<unsigned char>(part.front()))) return false;
  if (part.find("--") != std::string::npos || part.find("..") != std::string::npos) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// A revision becomes a path under refs/ (branches such as refs/pr/1 hold
// slashes): no empty, "." or ".." component, no space or control character.
bool valid_revision(const std::string& revision) {
  if (revision.empty() || revision.front() == '/' || revision.back() == '/') return false;
  for (const char c : revision)
    if (static_cast<unsigned char>(c) <= ' ' || c == '\\') return false;
  size_t start = 0;
  while (start <= revision.size()) {
    const size_t end = std::min(revision.find('/', start), revision.size());
    const std::string part = revision.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool truthy(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

bool contains(const std::vector<std::string>& files, const std::string& name) {
  return std::find(files.begin(), files.end(), name) != files.end();
}

constexpr const char* kWeightsFiles[] = {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                                         "pytorch_model.bin.index.json"};

}  // namespace

std::optional<HubModelId> parse_hub_model_id(const std::string& spec) {
  const size_t at = spec.find('@');
  const std::string repo = spec.substr(0, at);
  const size_t slash = repo.find('/');
  if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos) return std::nullopt;
  HubModelId id;
  id.owner = repo.substr(0, slash);
  id.name = repo.substr(slash + 1);
  if (at != std::string::npos) id.revision = spec.substr(at + 1);
  if (!valid_name_part(id.owner) || !valid_name_part(id.name) || !valid_revision(id.revision)) return std::nullopt;
  return id;
}

bool is_hex_digest(const std::string& text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

bool is_weights_index(const std::string& file) {
  return file.size() > 11 && file.compare(file.size() - 11, 11, ".index.json") == 0;
}

HubSettings hub_settings_from_environment() {
  HubSettings settings;
  const std::string home = environment_variable("HOME", ".");
  const std::string cache_home = environment_variable("XDG_CACHE_HOME", home + "/.cache");
  const std::string hf_home = environment_variable("HF_HOME", cache_home + "/huggingface");
  settings.cache_root = environment_variable("HF_HUB_CACHE", hf_home + "/hub");
  settings.endpoint = environment_variable("HF_ENDPOINT", "https://huggingface.co");
  while (!settings.endpoint.empty() && settings.endpoint.back() == '/') settings.endpoint.pop_back();
  settings.token = environment_variable("HF_TOKEN");
  settings.token_source = "HF_TOKEN";
  if (settings.token.empty()) {
    const std::string token_file = environment_variable("HF_TOKEN_PATH", hf_home + "/token");
    std::error_code error;
    if (fs::is_regular_file(token_file, error)) {
      settings.token = trimmed(read_file(token_file));
      settings.token_source = token_file;
    }
  }
  settings.offline = truthy(environment_variable("HF_HUB_OFFLINE"));
  const std::string timeout = environment_variable("HF_HUB_DOWNLOAD_TIMEOUT");
  if (!timeout.empty()) {
    // Seconds, as huggingface_hub reads it (a float); rounded up.
    double seconds = 0;
    try {
      size_t used = 0;
      seconds = std::stod(timeout, &used);
      if (used != timeout.size()) seconds = 0;
    } catch (const std::exception&) {
    }
    if (!(seconds > 0 && seconds < 1e6))
      throw std::invalid_argument("HF_HUB_DOWNLOAD_TIMEOUT=" + timeout + ": expected a positive number of seconds");
    settings.timeout_s = static_cast<long>(std::ceil(seconds));
  }
  settings.progress = wants_live_progress(STDERR_FILENO);
  return settings;
}

HubCacheRepo::HubCacheRepo(std::string cache_root, const HubModelId& id) : root_(std::move(cache_root)) {
  const std::string folder = "models--" + id.owner + "--" + id.name;
  dir_ = (fs::path(root_) / folder).string();
  locks_dir_ = (fs::path(root_) / ".locks" / folder).string();
}

std::string HubCacheRepo::snapshot_dir(const std::string& commit) const {
  return (fs::path(dir_) / "snapshots" / commit).string();
}

std::string HubCacheRepo::blob_path(const std::string& etag) const {
  return (fs::path(dir_) / "blobs" / etag).string();
}

std::string HubCacheRepo::lock_path(const std::string& etag) const {
  return (fs::path(locks_dir_) / (etag + ".lock")).string();
}

std::optional<std::string> HubCacheRepo::commit_of(const std::string& revision) const {
  if (is_commit_hash(revision)) return revision;
  const fs::path ref = fs::path(dir_) / "refs" / revision;
  std::error_code error;
  if (!fs::is_regular_file(ref, error)) return std::nullopt;
  const std::string commit = trimmed(read_file(ref.string()));
  if (!is_commit_hash(commit))
    throw std::runtime_error(ref.string() + ": expected a 40-digit commit hash, found '" + commit.substr(0, 60) + "'");
  return commit;
}

void HubCacheRepo::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path ref = fs::path(dir_) / "refs" / revision;
  fs::create_directories(ref.parent_path());
  write_file_atomically(ref.string(), commit);
}

void HubCacheRepo::link_blob(const std::string& commit, const std::string& file, const std::string& etag) const {
  const fs::path link = fs::path(snapshot_dir(commit)) / file;
  fs::create_directories(link.parent_path());
  // snapshots/COMMIT/[DIRS/]FILE -> ../../[../ per DIR]blobs/ETAG
  fs::path target = "../..";
  const fs::path relative(file);
  for (auto it = relative.begin(); std::next(it) != relative.end(); ++it) target /= "..";
  target /= fs::path("blobs") / etag;
  const fs::path temporary = link.string() + ".tmp-" + std::to_string(getpid());
  std::error_code error;
  fs::remove(temporary, error);
  fs::create_symlink(target, temporary, error);
  if (!error) fs::rename(temporary, link, error);
  if (error) {
    fs::remove(temporary);
    throw std::runtime_error(link.string() + ": cannot link it to " + target.string() + " (" + error.message() + ")");
  }
}

std::vector<std::string> hub_files_needed(const std::vector<std::string>& available, const std::string& source) {
  std::vector<std::string> needed;
  if (!contains(available, "config.json")) throw std::runtime_error(source + ": no config.json");
  needed.push_back("config.json");
  for (const auto& file : hub_tokenizer_files(available)) needed.push_back(file);
  if (needed.size() == 1)
    throw std::runtime_error(source +
                             ": no tokenizer (spm.model, tokenizer.json, sentencepiece.bpe.model, vocab.txt, or "
                             "KoBERT's tokenizer_78b3253a26.model with vocab.txt)");
  for (const auto& file : hub_optional_files())
    if (contains(available, file)) needed.push_back(file);
  for (const char* file : kWeightsFiles)
    if (contains(available, file)) {
      needed.push_back(file);
      return needed;
    }
  throw std::runtime_error(source +
                           ": no weights (model.safetensors, pytorch_model.bin, or the index of either's shards)");
}

std::vector<std::string> hub_shards_of_index(const std::string& index_text, const std::string& source) {
  std::vector<std::string> shards;
  std::set<std::string> seen;
  for (const auto& [tensor, shard] : parse_weights_index(index_text, source))
    if (seen.insert(shard).second) shards.push_back(shard);
  return shards;
}

void HubCacheRepo::mark_absent(const std::string& commit, const std::string& file) const {
  const fs::path marker = fs::path(dir_) / ".no_exist" / commit / file;
  fs::create_directories(marker.parent_path());
  std::ofstream(marker, std::ios::binary | std::ios::app);
}

std::vector<std::string> HubCacheRepo::missing_files(const std::string& commit, bool require_optional) const {
  const std::string snapshot = snapshot_dir(commit);
  std::error_code error;
  std::vector<std::string> available;
  for (const auto& entry : fs::directory_iterator(snapshot, error))
    if (fs::is_regular_file(entry.path(), error)) available.push_back(entry.path().filename().string());
  std::vector<std::string> needed;
  try {
    needed = hub_files_needed(available, snapshot);
  } catch (const std::runtime_error& e) {
    return {e.what()};
  }
  std::vector<std::string> missing;
  for (const auto& file : needed) {
    if (!is_weights_index(file)) continue;
    const std::string index = (fs::path(snapshot) / file).string();
    for (const auto& shard : hub_shards_of_index(read_file(index), index))
      if (!fs::is_regular_file(fs::path(snapshot) / shard, error)) missing.push_back(shard);
  }
  if (require_optional)
    for (const auto& file : hub_optional_files())
      if (!contains(available, file) && !fs::exists(fs::path(dir_) / ".no_exist" / commit / file, error))
        missing.push_back(file);
  return missing;
}

std::vector<std::string> hub_tokenizer_files(const std::vector<std::string>& available) {
  // In the order load_tokenizer picks a family when tokenizer_config.json
  // names none, and the file it then reads: KoBERT's pair, DeBERTa's
  // spm.model, XLM-R's sentencepiece.bpe.model, tokenizer.json (team-lucid's
  // only tokenizer), then vocab.txt (KcBERT and KoELECTRA ship only that).
  if (contains(available, "tokenizer_78b3253a26.model") && contains(available, "vocab.txt"))
    return {"tokenizer_78b3253a26.model", "vocab.txt"};
  for (const char* file : {"spm.model", "sentencepiece.bpe.model", "tokenizer.json", "vocab.txt"})
    if (contains(available, file)) return {file};
  return {};
}

const std::vector<std::string>& hub_optional_files() {
  static const std::vector<std::string> files = {"tokenizer_config.json", "special_tokens_map.json",
                                                 "added_tokens.json"};
  return files;
}

}  // namespace deberta
