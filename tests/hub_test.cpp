// Model ids and the Hugging Face hub cache (lib/hub/). The downloads run
// against tests/hub_mock.py, a mock of the Hub's endpoints on 127.0.0.1,
// serving the tiny fixture as the repository deberta-bench/tiny.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "data/sha1.h"
#include "data/sha256.h"
#include "hub/hub_cache.h"
#include "hub/hub_download.h"
#include "test_support.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using deberta::HubSettings;
using deberta::parse_hub_model_id;
using deberta::resolve_model;
using deberta::test::read_text;
using deberta::test::ScratchDir;

namespace {

const char* const kRepo = "deberta-bench/tiny";
// What the harness reads from the fixture; the rest (pytorch_model.bin,
// golden.json, ...) stays on the server.
const std::vector<std::string> kNeeded = {"config.json", "spm.model", "tokenizer_config.json",
                                          "special_tokens_map.json", "model.safetensors"};

std::string fixture() { return deberta::test::fixture_dir("deberta-v3-tiny"); }

// The command-line tests set the hub's variables themselves: none of the
// developer's own (a token, offline mode, another cache) may leak in.
const std::string kCleanEnvironment =
    "env -u HF_HUB_OFFLINE -u HF_TOKEN -u HF_TOKEN_PATH -u HF_HOME -u HF_HUB_DOWNLOAD_TIMEOUT -u XDG_CACHE_HOME ";

// tests/hub_mock.py as a child process, stopped when the object goes. Its
// life is bounded by `timeout` in case this process dies first.
class MockHub {
 public:
  explicit MockHub(const std::vector<std::string>& options, const std::string& log_path = "") {
    std::vector<std::string> argv = {"timeout", "300",
                                     "python3", deberta::test::data_path("../hub_mock.py"),
                                     "--repo",  std::string(kRepo) + "=" + fixture(),
                                     "--tag",   "v1.0"};
    if (!log_path.empty()) argv.insert(argv.end(), {"--log", log_path});
    argv.insert(argv.end(), options.begin(), options.end());
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    if (line.empty()) stop();  // before REQUIRE ends the test: the destructor would not run
    INFO("expected the mock Hub (python3 tests/hub_mock.py) to print its port, got '" << line << "'");
    REQUIRE(!line.empty());
    endpoint_ = "http://127.0.0.1:" + line;
  }
  ~MockHub() { stop(); }
  MockHub(const MockHub&) = delete;
  MockHub& operator=(const MockHub&) = delete;

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
};

HubSettings settings_for(const std::string& cache, const std::string& endpoint) {
  HubSettings settings;
  settings.cache_root = cache;
  settings.endpoint = endpoint;
  settings.timeout_s = 10;
  return settings;
}

std::string refusal(const HubSettings& settings, const std::string& spec) {
  std::ostringstream log;
  try {
    resolve_model(spec, settings, log);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("expected " << spec << " to be refused");
  return "";
}

// Every file under `dir` (links included), relative to it.
std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  if (!fs::exists(dir, error)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error))
    if (!entry.is_directory()) files.push_back(fs::relative(entry.path(), dir).string());
  return files;
}

size_t lines_with(const std::string& text, const std::string& part) {
  size_t count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) count += line.find(part) != std::string::npos;
  return count;
}

}  // namespace

TEST_CASE("a model id is OWNER/NAME with an optional @REVISION, and other text is not one") {
  const auto id = parse_hub_model_id("team-lucid/deberta-v3-base-korean");
  REQUIRE(id);
  CHECK(id->owner == "team-lucid");
  CHECK(id->name == "deberta-v3-base-korean");
  CHECK(id->revision == "main");
  const auto pinned = parse_hub_model_id("a/b.c_d@refs/pr/1");
  REQUIRE(pinned);
  CHECK(pinned->revision == "refs/pr/1");
  for (const char* text :
       {"b", "a/b/c", "/b", "a/", "a--x/b", "a/b..c", "a/b@", "a/b@../x", "a/b@x y", "-a/b", "a/b@/x"}) {
    INFO("expected '" << text << "' not to be read as a model id");
    CHECK_FALSE(parse_hub_model_id(text));
  }
  CHECK(deberta::is_commit_hash(std::string(40, 'a')));
  CHECK_FALSE(deberta::is_commit_hash(std::string(40, 'A')));
  CHECK_FALSE(deberta::is_commit_hash("main"));
}

TEST_CASE("each baseline's Hub repository gives its own tokenizer files, one weights file and nothing else") {
  // The files the public repositories hold on main, as their huggingface.co
  // pages list them (docs/reproduction.md names the sources).
  struct Repo {
    const char* id;
    std::vector<std::string> files, expected;
  };
  const std::vector<Repo> repos = {
      {"monologg/kobert",
       {".gitattributes", "README.md", "config.json", "flax_model.msgpack", "model.safetensors", "pytorch_model.bin",
        "tokenization_kobert.py", "tokenizer_78b3253a26.model", "tokenizer_config.json", "vocab.txt"},
       {"config.json", "tokenizer_78b3253a26.model", "vocab.txt", "tokenizer_config.json", "model.safetensors"}},
      {"FacebookAI/xlm-roberta-base",
       {".gitattributes", "README.md", "config.json", "flax_model.msgpack", "model.onnx", "model.safetensors",
        "pytorch_model.bin", "sentencepiece.bpe.model", "tf_model.h5", "tokenizer.json", "tokenizer_config.json"},
       {"config.json", "sentencepiece.bpe.model", "tokenizer_config.json", "model.safetensors"}},
      {"beomi/kcbert-base",
       {".gitattributes", "README.md", "config.json", "flax_model.msgpack", "model.safetensors", "pytorch_model.bin",
        "tokenizer_config.json", "vocab.txt"},
       {"config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"}},
      {"monologg/koelectra-base-v3-discriminator",
       {".gitattributes", "README.md", "config.json", "pytorch_model.bin", "tokenizer_config.json", "vocab.txt"},
       {"config.json", "vocab.txt", "tokenizer_config.json", "pytorch_model.bin"}},
      {"team-lucid/deberta-v3-base-korean",
       {".gitattributes", "README.md", "config.json", "flax_model.msgpack", "model.safetensors", "pytorch_model.bin",
        "rust_model.ot", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"},
       {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors"}},
  };
  for (const auto& repo : repos) {
    INFO(repo.id);
    CHECK(deberta::hub_files_needed(repo.files, repo.id) == repo.expected);
  }
  CHECK_THROWS_WITH(
      deberta::hub_files_needed({"config.json", "model.safetensors", "tokenizer_78b3253a26.model"}, "a/b"),
      Contains("a/b: no tokenizer") && Contains("vocab.txt"));
}

TEST_CASE("the hub cache root follows HF_HUB_CACHE, then HF_HOME, then the home directory") {
  // The variables are the process's: set them for this test and put them back.
  struct Saved {
    std::string name;
    const char* value;
  };
  std::vector<Saved> saved;
  for (const char* name : {"HF_HUB_CACHE", "HF_HOME", "HOME", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT",
                           "HF_TOKEN_PATH", "XDG_CACHE_HOME", "HF_HUB_DOWNLOAD_TIMEOUT"})
    saved.push_back({name, std::getenv(name) ? strdup(std::getenv(name)) : nullptr});
  const ScratchDir scratch;
  setenv("HOME", "/home/u", 1);
  unsetenv("HF_HOME");
  unsetenv("HF_HUB_CACHE");
  unsetenv("HF_TOKEN");
  unsetenv("HF_ENDPOINT");
  unsetenv("HF_TOKEN_PATH");
  unsetenv("XDG_CACHE_HOME");
  setenv("HF_HUB_DOWNLOAD_TIMEOUT", "2.5", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  auto settings = deberta::hub_settings_from_environment();
  CHECK(settings.cache_root == "/home/u/.cache/huggingface/hub");
  CHECK(settings.timeout_s == 3);
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  CHECK(deberta::hub_settings_from_environment().cache_root == "/xdg/huggingface/hub");
  setenv("HF_TOKEN_PATH", scratch.write("elsewhere-token", "hf_from_path").c_str(), 1);
  CHECK(deberta::hub_settings_from_environment().token == "hf_from_path");
  unsetenv("HF_TOKEN_PATH");
  CHECK(settings.endpoint == "https://huggingface.co");
  CHECK(settings.offline);
  setenv("HF_HOME", scratch.path().c_str(), 1);
  scratch.write("token", "hf_from_file\n");
  setenv("HF_ENDPOINT", "http://127.0.0.1:1/", 1);
  setenv("HF_HUB_OFFLINE", "0", 1);
  settings = deberta::hub_settings_from_environment();
  CHECK(settings.cache_root == scratch.path() + "/hub");
  CHECK(settings.token == "hf_from_file");
  CHECK(settings.endpoint == "http://127.0.0.1:1");
  CHECK_FALSE(settings.offline);
  setenv("HF_HUB_CACHE", "/elsewhere", 1);
  setenv("HF_TOKEN", "hf_variable", 1);
  settings = deberta::hub_settings_from_environment();
  CHECK(settings.cache_root == "/elsewhere");
  CHECK(settings.token == "hf_variable");
  CHECK(settings.token_source == "HF_TOKEN");
  for (auto& [name, value] : saved) {
    if (value) {
      setenv(name.c_str(), value, 1);
      free(const_cast<char*>(value));
    } else {
      unsetenv(name.c_str());
    }
  }
}

TEST_CASE("a model in the hub cache layout is found through its ref and relative links with no network") {
  const ScratchDir scratch;
  const std::string commit(40, 'c');
  const fs::path repo = fs::path(scratch.path()) / "models--deberta-bench--tiny";
  fs::create_directories(repo / "refs");
  fs::create_directories(repo / "snapshots" / commit);
  fs::create_directories(repo / "blobs");
  std::ofstream(repo / "refs" / "main") << commit;  // no newline, as huggingface_hub writes it
  for (const auto& file : kNeeded) {
    const std::string etag = deberta::sha256_file(fixture() + "/" + file);
    fs::copy_file(fixture() + "/" + file, repo / "blobs" / etag);
    fs::create_symlink(fs::path("../../blobs") / etag, repo / "snapshots" / commit / file);
  }
  // The fixture has no added_tokens.json; huggingface_hub marks that so.
  fs::create_directories(repo / ".no_exist" / commit);
  std::ofstream(repo / ".no_exist" / commit / "added_tokens.json");
  // Port 9 (discard) on loopback: any request would fail, so success means none was made.
  const HubSettings settings = settings_for(scratch.path(), "http://127.0.0.1:9");
  std::ostringstream log;
  const auto model = resolve_model(kRepo, settings, log);
  CHECK(model.dir == (repo / "snapshots" / commit).string());
  CHECK(model.commit == commit);
  CHECK(model.hub_id == kRepo);
  CHECK(resolve_model(std::string(kRepo) + "@" + commit, settings, log).dir == model.dir);

  // Without the marker, a tokenizer file the harness would read may exist
  // upstream: online, the Hub is asked (here: nobody answers); offline, the
  // snapshot is taken as it is.
  fs::remove(repo / ".no_exist" / commit / "added_tokens.json");
  CHECK_THAT(refusal(settings, kRepo), Contains("127.0.0.1:9"));
  HubSettings offline_settings = settings;
  offline_settings.offline = true;
  CHECK(resolve_model(kRepo, offline_settings, log).dir == model.dir);

  // A dangling link (its blob gone) is a missing file: offline, the error names it.
  fs::remove(repo / "blobs" / deberta::sha256_file(fixture() + "/model.safetensors"));
  HubSettings offline = settings;
  offline.offline = true;
  const std::string message = refusal(offline, kRepo);
  CHECK_THAT(message, Contains("deberta-bench/tiny@main: the cached snapshot"));
  CHECK_THAT(message, Contains("no weights"));
  CHECK_THAT(message, Contains("HF_HUB_OFFLINE is set"));
}

TEST_CASE(
    "a download fills an empty cache in the hub layout, and a second run uses the cache with the server stopped") {
  const ScratchDir scratch;
  const std::string cache = scratch.file("hub"), log_path = scratch.file("requests.log");
  MockHub hub({}, log_path);
  const HubSettings settings = settings_for(cache, hub.endpoint());
  std::ostringstream log;
  const auto model = resolve_model(kRepo, settings, log);
  INFO(log.str());
  REQUIRE(deberta::is_commit_hash(model.commit));
  const fs::path repo = fs::path(cache) / "models--deberta-bench--tiny";
  CHECK(model.dir == (repo / "snapshots" / model.commit).string());
  CHECK(read_text((repo / "refs" / "main").string()) == model.commit);
  for (const auto& file : kNeeded) {
    const fs::path link = fs::path(model.dir) / file;
    INFO(file << ": expected a relative link into blobs/ with the fixture's bytes");
    REQUIRE(fs::is_symlink(link));
    CHECK(fs::read_symlink(link).string().rfind("../../blobs/", 0) == 0);
    CHECK(read_text(link.string()) == read_text(fixture() + "/" + file));
  }
  CHECK(fs::read_symlink(fs::path(model.dir) / "model.safetensors").filename() ==
        deberta::sha256_file(fixture() + "/model.safetensors"));
  CHECK(fs::read_symlink(fs::path(model.dir) / "config.json").filename() ==
        deberta::git_blob_sha1_file(fixture() + "/config.json"));
  INFO("only the files the harness reads are fetched");
  CHECK_FALSE(fs::exists(fs::path(model.dir) / "pytorch_model.bin"));
  CHECK_FALSE(fs::exists(fs::path(model.dir) / "tokenizer.json"));
  CHECK_FALSE(fs::exists(fs::path(model.dir) / "golden.json"));

  INFO("expected a marker for the tokenizer file the repository lacks");
  CHECK(fs::exists(repo / ".no_exist" / model.commit / "added_tokens.json"));

  // A snapshot that lost a link is filled in again from the blob in the
  // cache: the Hub is asked what the file is, its bytes are not fetched.
  fs::remove(fs::path(model.dir) / "model.safetensors");
  const size_t cdn_before = lines_with(read_text(log_path), "GET /cdn/");
  std::ostringstream refill_log;
  CHECK(resolve_model(kRepo, settings, refill_log).dir == model.dir);
  CHECK(fs::is_symlink(fs::path(model.dir) / "model.safetensors"));
  CHECK(lines_with(read_text(log_path), "GET /cdn/") == cdn_before);

  hub.stop();
  const std::string requests = read_text(log_path);
  std::ostringstream again_log;
  const auto again = resolve_model(kRepo, settings, again_log);
  CHECK(again.dir == model.dir);
  CHECK(again.commit == model.commit);
  CHECK(again_log.str().empty());
  const auto tagged_commit = resolve_model(std::string(kRepo) + "@" + model.commit, settings, again_log);
  CHECK(tagged_commit.dir == model.dir);
  INFO("expected no request after the first run");
  CHECK(read_text(log_path) == requests);
}

TEST_CASE("a tag resolves to its commit and is written to refs like a branch") {
  const ScratchDir scratch;
  MockHub hub({});
  const HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  std::ostringstream log;
  const auto model = resolve_model(std::string(kRepo) + "@v1.0", settings, log);
  CHECK(model.revision == "v1.0");
  CHECK(read_text(scratch.file("hub/models--deberta-bench--tiny/refs/v1.0")) == model.commit);
}

TEST_CASE("a transfer cut half way resumes with a Range request from where it stopped") {
  const ScratchDir scratch;
  const std::string log_path = scratch.file("requests.log");
  MockHub hub({"--cut-after", "100000"}, log_path);
  const HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  std::ostringstream log;
  const auto model = resolve_model(kRepo, settings, log);
  INFO(log.str());
  CHECK(read_text(model.dir + "/model.safetensors") == read_text(fixture() + "/model.safetensors"));
  CHECK(read_text(model.dir + "/spm.model") == read_text(fixture() + "/spm.model"));
  const std::string requests = read_text(log_path);
  INFO(requests);
  // The Range header goes to resolve/ and on, through the redirect, to the
  // CDN: once per cut file (model.safetensors and spm.model).
  CHECK(lines_with(requests, "range=bytes=100000-") == 4);
  CHECK(lines_with(requests, "GET /cdn/") == 4);
  CHECK_THAT(log.str(), Contains("model.safetensors: the transfer stopped at 0.1 MB of 0.3 MB"));
  CHECK(files_under(scratch.file("hub/models--deberta-bench--tiny/blobs")).size() == kNeeded.size());
}

TEST_CASE("a download whose bytes do not match the Hub's sha256 is refused and removed, leaving the cache consistent") {
  const ScratchDir scratch;
  MockHub hub({"--corrupt", "model.safetensors"});
  const HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  const std::string message = refusal(settings, kRepo);
  CHECK_THAT(message, Contains("model.safetensors of deberta-bench/tiny@main from " + hub.endpoint() +
                               ": checksum mismatch, sha256 "));
  CHECK_THAT(message, Contains("the download was removed"));
  CHECK(message.find('\n') == std::string::npos);
  const fs::path repo = fs::path(scratch.file("hub")) / "models--deberta-bench--tiny";
  for (const auto& file : files_under((repo / "blobs").string())) {
    INFO("expected only verified blobs, found blobs/" << file);
    CHECK(file.find(".incomplete") == std::string::npos);
  }
  INFO("expected no link to the refused file and no ref to an incomplete snapshot");
  for (const auto& file : files_under((repo / "snapshots").string()))
    CHECK(file.find("model.safetensors") == std::string::npos);
  CHECK_FALSE(fs::exists(repo / "refs" / "main"));
}

TEST_CASE("a file outside LFS whose bytes do not match its git blob id is refused and removed") {
  const ScratchDir scratch;
  MockHub hub({"--corrupt", "config.json"});
  const HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  const std::string message = refusal(settings, kRepo);
  CHECK_THAT(message, Contains("config.json of deberta-bench/tiny@main from " + hub.endpoint() +
                               ": checksum mismatch, git blob id "));
  CHECK(files_under(scratch.file("hub/models--deberta-bench--tiny/blobs")).empty());
  CHECK(files_under(scratch.file("hub/models--deberta-bench--tiny/snapshots")).empty());
}

TEST_CASE("a sharded checkpoint brings its index and each shard once, an empty file included") {
  const ScratchDir scratch;
  for (const std::string file : {"config.json", "spm.model", "tokenizer_config.json", "special_tokens_map.json"})
    scratch.write("sharded/" + file, read_text(fixture() + "/" + file));
  scratch.write("sharded/model.safetensors.index.json",
                R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",)"
                R"( "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})");
  scratch.write("sharded/model-00001-of-00002.safetensors", std::string(5000, 'a'));
  scratch.write("sharded/model-00002-of-00002.safetensors", std::string(7000, 'b'));
  scratch.write("sharded/added_tokens.json", "");
  scratch.write("loop/config.json", read_text(fixture() + "/config.json"));
  scratch.write("loop/spm.model", read_text(fixture() + "/spm.model"));
  scratch.write("loop/model.safetensors.index.json", R"({"weight_map": {"a": "model.safetensors.index.json"}})");
  const std::string log_path = scratch.file("requests.log");
  MockHub hub({"--repo", "deberta-bench/sharded=" + scratch.file("sharded"), "--repo",
               "deberta-bench/loop=" + scratch.file("loop")},
              log_path);
  const HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  std::ostringstream log;
  const auto model = resolve_model("deberta-bench/sharded", settings, log);
  INFO(log.str());
  for (const std::string file : {"model.safetensors.index.json", "model-00001-of-00002.safetensors",
                                 "model-00002-of-00002.safetensors", "added_tokens.json"}) {
    INFO(file);
    CHECK(read_text(model.dir + "/" + file) == read_text(scratch.file("sharded/" + file)));
  }
  // spm.model and the two shards are the LFS files, each fetched once.
  CHECK(lines_with(read_text(log_path), "GET /cdn/") == 3);
  // An index that names an index (itself) as a shard would be fetched over and over.
  CHECK_THAT(refusal(settings, "deberta-bench/loop"),
             Contains("model.safetensors.index.json names an index, model.safetensors.index.json, as a shard"));
}

TEST_CASE(
    "an unknown repository or revision, a refused token and offline-not-cached each give one line and no file in "
    "snapshots") {
  const ScratchDir scratch;
  const std::string log_path = scratch.file("requests.log");
  MockHub hub({"--token", "hf_right"}, log_path);
  HubSettings settings = settings_for(scratch.file("hub"), hub.endpoint());
  settings.token = "hf_right";
  std::vector<std::string> messages;
  messages.push_back(refusal(settings, "nobody/nothing"));
  CHECK_THAT(messages.back(), Contains("/api/models/nobody/nothing/revision/main: model nobody/nothing not found, and "
                                       "there is no directory nobody/nothing"));
  messages.push_back(refusal(settings, std::string(kRepo) + "@no-such-branch"));
  CHECK_THAT(messages.back(), Contains("revision 'no-such-branch' of deberta-bench/tiny not found"));
  HubSettings no_token = settings;
  no_token.token.clear();
  messages.push_back(refusal(no_token, kRepo));
  CHECK_THAT(messages.back(), Contains("HTTP 401: deberta-bench/tiny is gated or private"));
  CHECK_THAT(messages.back(), Contains("set HF_TOKEN to a token that has access"));
  HubSettings wrong_token = settings;
  wrong_token.token = "hf_wrong";
  wrong_token.token_source = "/home/u/.cache/huggingface/token";
  messages.push_back(refusal(wrong_token, kRepo));
  CHECK_THAT(messages.back(), Contains("the token from /home/u/.cache/huggingface/token has no access; set HF_TOKEN"));
  HubSettings offline = settings;
  offline.offline = true;
  messages.push_back(refusal(offline, kRepo));
  CHECK_THAT(messages.back(), Contains("deberta-bench/tiny@main: not in the Hugging Face cache " + scratch.file("hub") +
                                       " and HF_HUB_OFFLINE is set"));
  messages.push_back(refusal(settings, "no/such/thing"));
  CHECK_THAT(messages.back(), Contains("--model no/such/thing: no such directory, and not a Hugging Face model id"));
  for (const auto& message : messages) {
    INFO(message);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(files_under(scratch.file("hub/models--deberta-bench--tiny/snapshots")).empty());
  CHECK(files_under(scratch.file("hub/models--nobody--nothing/snapshots")).empty());
  // And the right token gets the model; the token goes to the Hub, not to
  // the storage host its redirects lead to.
  std::ostringstream log;
  CHECK(resolve_model(kRepo, settings, log).commit.size() == 40);
  const std::string requests = read_text(log_path);
  INFO(requests);
  CHECK(lines_with(requests, "GET /cdn/") == 2);
  CHECK(lines_with(requests, "auth=no") == lines_with(requests, "/cdn/") + 1);  // + the request with no token
  CHECK(lines_with(requests, "GET /deberta-bench/tiny/resolve/") == kNeeded.size());
}

TEST_CASE("a server that accepts the connection and never answers gives a network timeout") {
  // A listening socket that nobody accepts on: the connection completes in
  // the kernel's backlog, and no byte ever comes back.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  REQUIRE(listen(fd, 4) == 0);
  const ScratchDir scratch;
  HubSettings settings =
      settings_for(scratch.file("hub"), "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  settings.timeout_s = 1;
  const std::string message = refusal(settings, kRepo);
  close(fd);
  CHECK_THAT(message, Contains("network timeout after 1 s"));
  CHECK_THAT(message, Contains("HF_HUB_DOWNLOAD_TIMEOUT"));
}

TEST_CASE("info --model OWNER/NAME downloads into the cache once and then runs offline", "[cli]") {
  const ScratchDir scratch;
  MockHub hub({});
  const std::string environment =
      kCleanEnvironment + "HF_HUB_CACHE='" + scratch.file("hub") + "' HF_ENDPOINT=" + hub.endpoint();
  const auto first = deberta::test::run_shell(environment + " '" + DEBERTA_BENCH_EXE + "' info --model " + kRepo);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Contains("downloading model.safetensors"));
  CHECK_THAT(first.output, Contains("model:               deberta-bench/tiny@main (commit "));
  hub.stop();
  const auto offline =
      deberta::test::run_shell(environment + " HF_HUB_OFFLINE=1 '" + DEBERTA_BENCH_EXE + "' info --model " + kRepo);
  INFO(offline.output);
  CHECK(offline.exit_code == 0);
  CHECK(offline.output.find("downloading") == std::string::npos);
  CHECK_THAT(offline.output, Contains("hidden 32"));
  const auto missing = deberta::test::run_shell(environment + " HF_HUB_OFFLINE=1 '" + DEBERTA_BENCH_EXE +
                                                "' info --model deberta-bench/other");
  CHECK(missing.exit_code != 0);
  CHECK_THAT(missing.output, Contains("deberta-bench/other@main: not in the Hugging Face cache"));
}

TEST_CASE("a finetune of a Hub model records its id, revision and commit in results.json and config.yaml", "[cli]") {
  const ScratchDir scratch;
  MockHub hub({});
  const std::string environment = kCleanEnvironment + "DEBERTA_BENCH_CACHE=off HF_HUB_CACHE='" + scratch.file("hub") +
                                  "' HF_ENDPOINT=" + hub.endpoint();
  const auto run = deberta::test::run_shell(environment + " '" + DEBERTA_BENCH_EXE +
                                            "' --threads 1 finetune --task question_pair --model " + kRepo +
                                            "@v1.0 --set training.max_steps=2 --set training.batch_size=8"
                                            " --set training.max_train_examples=16 --output-dir '" +
                                            scratch.file("run") + "'");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto results = deberta::test::read_json(scratch.file("run/results.json"));
  CHECK(results.at("model") == kRepo);
  CHECK(results.at("model_name") == "tiny");
  CHECK(results.at("model_revision") == "v1.0");
  const std::string commit = results.at("model_commit");
  CHECK(deberta::is_commit_hash(commit));
  CHECK_THAT(read_text(scratch.file("run/config.yaml")), Contains("model: deberta-bench/tiny@" + commit));
}

TEST_CASE("two processes resolving one model into one cache download each file once", "[cli]") {
  // As the processes of a torchrun job do: the per-blob lock makes one of
  // them download while the other waits, then finds the blob in place.
  const ScratchDir scratch;
  const std::string log_path = scratch.file("requests.log");
  // Each blob takes a second to come: the two processes overlap.
  MockHub hub({"--delay-cdn", "1"}, log_path);
  const std::string info = kCleanEnvironment + "HF_HUB_CACHE='" + scratch.file("hub") +
                           "' HF_ENDPOINT=" + hub.endpoint() + " timeout 120 '" + DEBERTA_BENCH_EXE +
                           "' info --model " + kRepo;
  const auto both = deberta::test::run_shell("(" + info + " > '" + scratch.file("a.out") + "' 2>&1 & a=$!; " + info +
                                             " > '" + scratch.file("b.out") + "' 2>&1 & b=$!; wait $a && wait $b)");
  INFO(read_text(scratch.file("a.out")) << read_text(scratch.file("b.out")));
  REQUIRE(both.exit_code == 0);
  const std::string requests = read_text(log_path);
  INFO(requests);
  CHECK(lines_with(requests, "GET /cdn/") == 2);  // model.safetensors and spm.model, once each
  CHECK(lines_with(requests, "GET /deberta-bench/tiny/resolve/") == kNeeded.size());
}

TEST_CASE("the git blob id of a file is what git hash-object prints") {
  const ScratchDir scratch;
  CHECK(deberta::git_blob_sha1_file(scratch.write("hello", "hello\n")) == "ce013625030ba8dba906f756967f9e9ca394464a");
  CHECK(deberta::git_blob_sha1_file(scratch.write("empty", "")) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  deberta::Sha1 hash;
  hash.update("abc");
  CHECK(hash.hex_digest() == "a9993e364706816aba3e25717850c26c9cd0d89d");
  deberta::Sha1 million;
  million.update(std::string(1000000, 'a'));
  CHECK(million.hex_digest() == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
