// Hugging Face model ids and the Hugging Face hub cache, in the layout that
// huggingface_hub and transformers write and read, so that a model any of
// them downloaded is found here with no network, and the other way round:
//   ROOT/models--OWNER--NAME/refs/REVISION        the commit a branch or tag names
//   ROOT/models--OWNER--NAME/snapshots/COMMIT/F   a link to ../../blobs/ETAG
//   ROOT/models--OWNER--NAME/blobs/ETAG           the bytes (ETAG.incomplete while downloading)
//   ROOT/models--OWNER--NAME/.no_exist/COMMIT/F   F is known not to be in the repository
//   ROOT/.locks/models--OWNER--NAME/ETAG.lock     held while a process downloads ETAG
// Torch-free and network-free; hub/hub_download.h fills the cache.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// OWNER/NAME[@REVISION]; the revision is a branch, a tag or a commit hash.
struct HubModelId {
  std::string owner, name;
  std::string revision = "main";
  std::string repo() const { return owner + "/" + name; }
  std::string text() const { return repo() + "@" + revision; }
};

// `spec` read as a model id, or nothing when it does not have that form
// (the caller then treats it as a directory).
std::optional<HubModelId> parse_hub_model_id(const std::string& spec);

// Whether `text` is `length` lowercase hex digits: a commit hash or git blob
// id (40), a sha256 (64).
bool is_hex_digest(const std::string& text, size_t length);

// Whether `revision` is a full commit hash (40 lowercase hex digits).
inline bool is_commit_hash(const std::string& revision) { return is_hex_digest(revision, 40); }

// Whether `file` is the index of a sharded checkpoint (*.index.json).
bool is_weights_index(const std::string& file);

// What the hub code takes from the environment, read once by the command
// that resolves a model and passed down (no hidden global state).
struct HubSettings {
  // $HF_HUB_CACHE, else $HF_HOME/hub; HF_HOME defaults to $XDG_CACHE_HOME/huggingface, else
  // ~/.cache/huggingface.
  std::string cache_root;
  std::string endpoint;      // $HF_ENDPOINT, else https://huggingface.co (no trailing slash)
  std::string token;         // $HF_TOKEN, else the file $HF_TOKEN_PATH or $HF_HOME/token
  std::string token_source;  // where the token came from, for error messages
  bool offline = false;      // $HF_HUB_OFFLINE set to 1, true, yes or on
  std::string offline_reason = "HF_HUB_OFFLINE is set";  // for the error when offline
  long timeout_s = 10;    // $HF_HUB_DOWNLOAD_TIMEOUT: connecting, and the longest stall of a transfer
  bool progress = false;  // a progress bar: standard error is a terminal and not a CI log
};
HubSettings hub_settings_from_environment();

// One model repository in the cache.
class HubCacheRepo {
 public:
  HubCacheRepo(std::string cache_root, const HubModelId& id);

  const std::string& dir() const { return dir_; }  // ROOT/models--OWNER--NAME
  std::string snapshot_dir(const std::string& commit) const;
  std::string blob_path(const std::string& etag) const;
  std::string lock_path(const std::string& etag) const;

  // The commit `revision` stands for: itself when it is a commit hash, else
  // what refs/REVISION holds; nothing when the cache does not know it.
  std::optional<std::string> commit_of(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;

  // Makes snapshots/COMMIT/FILE a relative link to blobs/ETAG (replacing
  // any link there; a reader sees the old link or the new one).
  void link_blob(const std::string& commit, const std::string& file, const std::string& etag) const;

  // Records that the repository has no FILE at COMMIT (.no_exist/COMMIT/FILE).
  void mark_absent(const std::string& commit, const std::string& file) const;

  // The files the harness reads that snapshots/COMMIT lacks (a missing or
  // dangling link counts as missing, so does a shard its index names); empty
  // when it holds them all. With `require_optional`, also each of
  // hub_optional_files() that is neither there nor marked absent.
  std::vector<std::string> missing_files(const std::string& commit, bool require_optional) const;

 private:
  std::string root_, dir_, locks_dir_;
};

// The files of a checkpoint the harness reads, chosen from those a
// repository or snapshot has: config.json; the tokenizer (hub_tokenizer_files,
// with tokenizer_config.json, special_tokens_map.json and added_tokens.json
// where present); the weights in the order a directory is
// read (model.safetensors, its index, pytorch_model.bin, its index). The
// shards an index names come later, once the index is read. Throws
// std::runtime_error naming `source` when config.json, a tokenizer or the
// weights are missing.
std::vector<std::string> hub_files_needed(const std::vector<std::string>& available, const std::string& source);

// The one tokenizer a repository's files give, as load_tokenizer reads it:
// KoBERT's tokenizer_78b3253a26.model with vocab.txt, else the first of
// spm.model, sentencepiece.bpe.model, tokenizer.json and vocab.txt. Empty
// when there is none.
std::vector<std::string> hub_tokenizer_files(const std::vector<std::string>& available);

// The files a sharded checkpoint's index (model.safetensors.index.json or
// pytorch_model.bin.index.json, its text) names, in order, without repeats.
std::vector<std::string> hub_shards_of_index(const std::string& index_text, const std::string& source);

// The tokenizer files a repository may or may not have
// (tokenizer_config.json, special_tokens_map.json, added_tokens.json): read
// when present, and they change how text is tokenized.
const std::vector<std::string>& hub_optional_files();

}  // namespace deberta
