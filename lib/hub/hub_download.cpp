#include "hub/hub_download.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "data/sha1.h"
#include "data/sha256.h"
#include "hub/http.h"
#include "util/atomic_file.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace deberta {
namespace {

// A transfer cut short is taken up again from where it stopped this many
// times before the run gives up (and a later run resumes it).
constexpr int kAttempts = 5;

// Percent-encoding for a URL path segment (a revision such as refs/pr/1
// is one segment).
std::string url_segment(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// A file path inside a repository keeps its slashes.
std::string url_path(const std::string& file) {
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t slash = file.find('/', start);
    out += url_segment(file.substr(start, slash - start));
    if (slash == std::string::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

std::string unquoted_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

std::string megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

// An exclusive flock(2) on ROOT/.locks/models--OWNER--NAME/ETAG.lock while a
// blob is fetched: the processes of a torchrun job (and huggingface_hub,
// whose filelock takes the same lock) download each blob once.
class BlobLock {
 public:
  explicit BlobLock(const std::string& path) {
    fs::create_directories(fs::path(path).parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(path + ": cannot open the download lock (" + std::strerror(errno) + ")");
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) {
        ::close(fd_);
        throw std::runtime_error(path + ": cannot take the download lock (" + std::strerror(errno) + ")");
      }
  }
  ~BlobLock() { ::close(fd_); }
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

// What the Hub says of one file at one commit.
struct FileMeta {
  std::string etag;  // sha256 of an LFS file, the git blob id of another
  uint64_t size = 0;
};

class HubClient {
 public:
  HubClient(const HubSettings& settings, const HubModelId& id, std::ostream& log)
      : settings_(settings), id_(id), log_(log) {}

  // The commit the revision stands for, and the repository's file names.
  std::pair<std::string, std::vector<std::string>> listing() const {
    const std::string url =
        fmt::format("{}/api/models/{}/revision/{}", settings_.endpoint, id_.repo(), url_segment(id_.revision));
    const HttpResponse response = http_request(request("GET", url));
    if (response.status != 200) refuse(response, url, "");
    const nlohmann::json info = parse_json(response.body, url);
    if (!info.is_object() || !info.contains("sha") || !info["sha"].is_string() || !info.contains("siblings") ||
        !info["siblings"].is_array())
      throw std::runtime_error(url + ": not a model's revision info (expected 'sha' and 'siblings')");
    const std::string commit = info["sha"].get<std::string>();
    if (!is_commit_hash(commit)) throw std::runtime_error(url + ": 'sha' is not a 40-digit commit hash");
    std::vector<std::string> files;
    for (const auto& sibling : info["siblings"])
      if (sibling.is_object() && sibling.contains("rfilename") && sibling["rfilename"].is_string())
        files.push_back(sibling["rfilename"].get<std::string>());
    return {commit, files};
  }

  FileMeta meta(const std::string& commit, const std::string& file) const {
    std::string url = resolve_url(commit, file);
    // The Hub's redirect to its storage is not followed: for an LFS file the
    // sha256 and size are on that redirect (X-Linked-*). A relative redirect
    // stays on the Hub (a renamed repository) and is followed.
    HttpResponse response;
    for (int hop = 0;; ++hop) {
      HttpRequest head = request("HEAD", url);
      head.follow_redirects = false;
      response = http_request(head);
      const bool redirect = response.status >= 300 && response.status <= 399;
      if (!redirect && response.status != 200) refuse(response, url, file);
      const std::string location = response.header("location");
      if (!redirect || !response.header("x-linked-etag").empty() || location.rfind("/", 0) != 0) break;
      if (hop == 5) throw std::runtime_error(url + ": more than 5 redirects within the Hub");
      url = settings_.endpoint + location;
    }
    FileMeta meta;
    meta.etag = unquoted_etag(response.header("x-linked-etag"));
    std::string size = response.header("x-linked-size");
    if (response.status == 200) {
      if (meta.etag.empty()) meta.etag = unquoted_etag(response.header("etag"));
      if (size.empty()) size = response.header("content-length");
    }
    // The ETag names the blob and says how to check it: a sha256 (LFS) or a
    // git blob id, nothing else (it also becomes a file name under blobs/).
    if (!is_hex_digest(meta.etag, 64) && !is_hex_digest(meta.etag, 40))
      throw std::runtime_error(url + ": the Hub sent no sha256 or git blob id for " + file + " (ETag '" +
                               meta.etag.substr(0, 80) + "')");
    try {
      size_t used = 0;
      meta.size = std::stoull(size, &used);
      if (used != size.size() || size[0] == '-') throw std::invalid_argument(size);
    } catch (const std::exception&) {
      throw std::runtime_error(url + ": the Hub sent no usable size for " + file + " ('" + size.substr(0, 40) + "')");
    }
    return meta;
  }

  // Downloads a blob into the cache unless it is there: to ETAG.incomplete,
  // resumed with a Range request after a cut, checked, then renamed.
  void fetch_blob(const HubCacheRepo& repo, const std::string& commit, const std::string& file,
                  const FileMeta& meta) const {
    const std::string blob = repo.blob_path(meta.etag);
    std::error_code error;
    if (fs::exists(blob, error)) return;
    fs::create_directories(fs::path(blob).parent_path());
    const BlobLock lock(repo.lock_path(meta.etag));
    if (fs::exists(blob, error)) return;  // another process fetched it meanwhile
    const std::string partial = blob + ".incomplete";
    const std::string url = resolve_url(commit, file);
    for (int attempt = 1;; ++attempt) {
      uint64_t have = fs::exists(partial, error) ? fs::file_size(partial, error) : 0;
      if (have > meta.size) {
        fs::remove(partial, error);
        have = 0;
      }
      if (have == meta.size && fs::exists(partial, error)) break;
      // The file exists from the start: an empty one is then complete at once.
      if (have == 0) std::ofstream(partial, std::ios::binary | std::ios::trunc);
      if (have > 0)
        log_ << fmt::format("resuming {} at {} of {}\n", file, megabytes(have), megabytes(meta.size));
      else
        log_ << fmt::format("downloading {} ({}) from {}\n", file, megabytes(meta.size), settings_.endpoint);
      try {
        const HttpResponse response = http_download(request("GET", url), partial, have, progress_bar(file, meta.size));
        end_progress();
        if (response.status != 200 && response.status != 206) refuse(response, url, file);
        break;
      } catch (const std::runtime_error& e) {
        end_progress();
        const uint64_t now = fs::exists(partial, error) ? fs::file_size(partial, error) : 0;
        // Every byte arrived before the connection failed: the check decides.
        if (now == meta.size) break;
        // Only a transfer that made progress is tried again at once.
        if (now > have && now < meta.size && attempt < kAttempts) {
          log_ << fmt::format("{}: the transfer stopped at {} of {} ({}); resuming\n", file, megabytes(now),
                              megabytes(meta.size), e.what());
          continue;
        }
        if (now > 0)
          throw std::runtime_error(std::string(e.what()) + " (" + megabytes(now) + " of " + file + " kept in " +
                                   partial + "; run again to resume)");
        throw;
      }
    }
    check_download(partial, file, meta);
    fs::rename(partial, blob, error);
    if (error) throw std::runtime_error(blob + ": cannot rename the download into place (" + error.message() + ")");
  }

 private:
  HttpRequest request(const std::string& method, const std::string& url) const {
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.timeout_s = settings_.timeout_s;
    if (!settings_.token.empty()) request.headers.push_back("Authorization: Bearer " + settings_.token);
    return request;
  }

  std::string resolve_url(const std::string& commit, const std::string& file) const {
    return fmt::format("{}/{}/resolve/{}/{}", settings_.endpoint, id_.repo(), commit, url_path(file));
  }

  // The size and digest the Hub reported; a file that does not match is
  // removed, so the cache holds only verified blobs.
  void check_download(const std::string& partial, const std::string& file, const FileMeta& meta) const {
    std::error_code error;
    const uint64_t size = fs::file_size(partial, error);
    std::string problem;
    if (error || size != meta.size) {
      problem = fmt::format("{} bytes where the Hub reports {}", error ? 0 : size, meta.size);
    } else if (meta.etag.size() == 64) {
      const std::string digest = sha256_file(partial);
      if (digest != meta.etag) problem = "sha256 " + digest + " where the Hub reports " + meta.etag;
    } else if (meta.etag.size() == 40) {
      const std::string digest = git_blob_sha1_file(partial);
      if (digest != meta.etag) problem = "git blob id " + digest + " where the Hub reports " + meta.etag;
    }
    if (problem.empty()) return;
    fs::remove(partial, error);
    throw std::runtime_error(fmt::format("{} of {}@{} from {}: checksum mismatch, {}; the download was removed", file,
                                         id_.repo(), id_.revision, settings_.endpoint, problem));
  }

  [[noreturn]] void refuse(const HttpResponse& response, const std::string& url, const std::string& file) const {
    const std::string code = response.header("x-error-code");
    if (response.status == 401 || response.status == 403) {
      const std::string token = settings_.token.empty()
                                    ? "set HF_TOKEN to a token that has access"
                                    : "the token from " + settings_.token_source + " has no access; set HF_TOKEN";
      throw std::runtime_error(fmt::format("{}: HTTP {}: {} is gated or private (or does not exist){}; {}", url,
                                           response.status, id_.repo(), no_directory(), token));
    }
    if (response.status == 404) {
      if (code == "RevisionNotFound")
        throw std::runtime_error(fmt::format("{}: revision '{}' of {} not found", url, id_.revision, id_.repo()));
      if (code == "EntryNotFound" && !file.empty())
        throw std::runtime_error(fmt::format("{}: {} not found in {}@{}", url, file, id_.repo(), id_.revision));
      throw std::runtime_error(fmt::format("{}: model {} not found{}", url, id_.repo(), no_directory()));
    }
    throw std::runtime_error(fmt::format("{}: HTTP {}", url, response.status));
  }

  // A typo in a directory name reads as a model id: say that too.
  std::string no_directory() const { return ", and there is no directory " + id_.repo(); }

  // `expected`: the size the Hub reported, shown before libcurl knows one.
  HttpProgress progress_bar(const std::string& file, uint64_t expected) const {
    if (!settings_.progress) return {};
    // Redrawn at most every 200 ms, and once when complete; libcurl calls
    // far more often, before the size is known too.
    auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    auto finished = std::make_shared<bool>(false);
    return [file, expected, last, finished, drawn = drawn_](uint64_t now, uint64_t total) {
      if (total == 0) total = expected;
      const bool complete = total > 0 && now >= total;
      if (complete && *finished) return;
      const auto time = std::chrono::steady_clock::now();
      if (!complete && time - *last < std::chrono::milliseconds(200)) return;
      *last = time;
      *finished = complete;
      *drawn = true;
      constexpr int kWidth = 30;
      const double done = total > 0 ? std::min(1.0, static_cast<double>(now) / static_cast<double>(total)) : 0.0;
      const int filled = static_cast<int>(kWidth * done);
      std::fprintf(stderr, "\r  %-28.28s [%s%s] %s / %s ", file.c_str(), std::string(filled, '#').c_str(),
                   std::string(kWidth - filled, ' ').c_str(), megabytes(now).c_str(),
                   total > 0 ? megabytes(total).c_str() : "?");
      std::fflush(stderr);
    };
  }

  void end_progress() const {
    if (*drawn_) std::fputs("\n", stderr);
    *drawn_ = false;
  }

  const HubSettings& settings_;
  HubModelId id_;
  std::ostream& log_;
  std::shared_ptr<bool> drawn_ = std::make_shared<bool>(false);  // a progress bar is on the line
};

}  // namespace

ResolvedModel resolve_model(const std::string& spec, const HubSettings& settings, std::ostream& log) {
  std::error_code error;
  if (fs::is_directory(spec, error)) return {spec, "", "", ""};
  const auto id = parse_hub_model_id(spec);
  if (!id)
    throw std::runtime_error("--model " + spec +
                             ": no such directory, and not a Hugging Face model id (OWNER/NAME[@REVISION])");
  const HubCacheRepo repo(settings.cache_root, *id);
  ResolvedModel model{"", id->repo(), id->revision, ""};
  const auto cached = repo.commit_of(id->revision);
  if (cached && fs::is_directory(repo.snapshot_dir(*cached), error)) {
    model.commit = *cached;
    model.dir = repo.snapshot_dir(*cached);
    // Online, an optional tokenizer file must be there or known to be
    // absent from the repository; offline, what the snapshot holds is all
    // there is to know.
    const std::vector<std::string> missing = repo.missing_files(*cached, !settings.offline);
    if (missing.empty()) return model;
    if (settings.offline)
      throw HubNotCached(fmt::format("{}: the cached snapshot {} lacks {} and {}", id->text(), model.dir,
                                     fmt::join(missing, ", "), settings.offline_reason));
  } else if (settings.offline) {
    throw HubNotCached(
        fmt::format("{}: not in the Hugging Face cache {} and {} (HF_HUB_CACHE or HF_HOME point at another cache)",
                    id->text(), settings.cache_root, settings.offline_reason));
  }

  const HubClient hub(settings, *id, log);
  auto [commit, files] = hub.listing();
  if (is_commit_hash(id->revision) && commit != id->revision)
    throw std::runtime_error(fmt::format("{}: the Hub answered for commit {}", id->text(), commit));
  model.commit = commit;
  model.dir = repo.snapshot_dir(commit);
  log << fmt::format("{}: commit {}, into {}\n", id->text(), commit, settings.cache_root);
  const std::string source = fmt::format("{}/{}@{}", settings.endpoint, id->repo(), id->revision);
  std::vector<std::string> needed = hub_files_needed(files, source);
  for (size_t i = 0; i < needed.size(); ++i) {
    const std::string file = needed[i];  // a copy: the loop appends shards to `needed`
    const FileMeta meta = hub.meta(commit, file);
    hub.fetch_blob(repo, commit, file, meta);
    repo.link_blob(commit, file, meta.etag);
    if (!is_weights_index(file)) continue;
    const std::string index = (fs::path(model.dir) / file).string();
    for (const auto& shard : hub_shards_of_index(read_file(index), index)) {
      if (is_weights_index(shard))
        throw std::runtime_error(fmt::format("{}: {} names an index, {}, as a shard", source, file, shard));
      if (std::find(files.begin(), files.end(), shard) == files.end())
        throw std::runtime_error(
            fmt::format("{}: {} names the shard {}, which the repository does not have", source, file, shard));
      if (std::find(needed.begin(), needed.end(), shard) == needed.end()) needed.push_back(shard);
    }
  }
  // As huggingface_hub does: a file the repository does not have is marked
  // under .no_exist/COMMIT/, so that the next run knows without asking.
  for (const auto& file : hub_optional_files())
    if (std::find(files.begin(), files.end(), file) == files.end()) repo.mark_absent(commit, file);
  repo.write_ref(id->revision, commit);
  return model;
}

}  // namespace deberta
