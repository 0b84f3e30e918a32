#include "hub/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace deberta {
namespace {

// What the callbacks write into while a transfer runs.
struct Transfer {
  HttpResponse response;
  FILE* file = nullptr;  // a download's destination, opened once the status is known
  std::string path;
  uint64_t offset = 0;
  bool truncate = false;
  bool write_failed = false;
  const HttpProgress* progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  // Every response of a redirect chain starts with its status line: keep
  // only the last response's headers.
  if (line.rfind("HTTP/", 0) == 0) {
    transfer.response.headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t start = colon + 1;
  size_t end = line.size();
  while (start < end && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
  while (end > start && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
  transfer.response.headers[name] = line.substr(start, end - start);
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer.path.empty()) {
    transfer.response.body.append(data, bytes);
    return bytes;
  }
  // A download writes only a success's body: an error page must not land
  // in the file.
  long status = 0;
  if (transfer.file == nullptr) {
    status = transfer.response.status;
    if (status != 200 && status != 206) return bytes;
    // 200 to a range request: the server sends the whole file, start over.
    const bool restart = status == 200 || transfer.offset == 0;
    transfer.file = std::fopen(transfer.path.c_str(), restart ? "wb" : "ab");
    if (transfer.file == nullptr) {
      transfer.write_failed = true;
      return 0;
    }
  }
  if (std::fwrite(data, 1, bytes, transfer.file) != bytes) {
    transfer.write_failed = true;
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (transfer.progress != nullptr && *transfer.progress) {
    const uint64_t base = transfer.response.status == 206 ? transfer.offset : 0;
    (*transfer.progress)(base + static_cast<uint64_t>(now), total > 0 ? base + static_cast<uint64_t>(total) : 0);
  }
  return 0;
}

// The status line arrives before the body: record it as soon as curl knows.
size_t on_header_with_status(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    const size_t space = line.find(' ');
    if (space != std::string::npos) transfer.response.status = std::strtol(line.c_str() + space + 1, nullptr, 10);
  }
  return on_header(data, size, count, user);
}

HttpResponse perform(const HttpRequest& request, Transfer& transfer) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) throw std::runtime_error(request.url + ": libcurl could not be initialised");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error(request.url + ": libcurl could not start a transfer");
  curl_slist* list = nullptr;
  for (const auto& header : request.headers) list = curl_slist_append(list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, curl_slist_free_all);
  CURL* handle = curl.get();
  char error_text[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "deberta-bench/" DEBERTA_BENCH_VERSION);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  // A redirect to the storage host must not carry the Hub token: libcurl
  // (7.83 and later, cmake/Core.cmake asks for 7.85) drops a custom
  // Authorization header when the host, port or scheme changes. Nothing but
  // HTTP(S), redirects included.
  curl_easy_setopt(handle, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, request.timeout_s);
  // No limit on a whole transfer (weights take long); a transfer that moves
  // less than one byte a second for timeout_s is dead.
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, request.timeout_s);
  if (request.method == "HEAD") curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header_with_status);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  if (transfer.progress != nullptr) {
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  }
  std::string range;
  if (transfer.offset > 0) {
    range = std::to_string(transfer.offset) + "-";
    curl_easy_setopt(handle, CURLOPT_RANGE, range.c_str());
  }
  const CURLcode code = curl_easy_perform(handle);
  if (transfer.file != nullptr && std::fclose(transfer.file) != 0) transfer.write_failed = true;
  transfer.file = nullptr;
  if (transfer.write_failed) throw std::runtime_error(transfer.path + ": cannot write the download");
  if (code != CURLE_OK) {
    const std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT)
      throw std::runtime_error(request.url + ": network timeout after " + std::to_string(request.timeout_s) + " s (" +
                               why + "; HF_HUB_DOWNLOAD_TIMEOUT sets the limit)");
    throw std::runtime_error(request.url + ": " + why);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  transfer.response.status = status;
  return std::move(transfer.response);
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

HttpResponse http_request(const HttpRequest& request) {
  Transfer transfer;
  return perform(request, transfer);
}

HttpResponse http_download(const HttpRequest& request, const std::string& path, uint64_t offset,
                           const HttpProgress& progress) {
  Transfer transfer;
  transfer.path = path;
  transfer.offset = offset;
  transfer.progress = &progress;
  return perform(request, transfer);
}

}  // namespace deberta
