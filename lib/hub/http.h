// HTTP(S) over libcurl, as much as the Hub protocol needs: a request whose
// small body is kept in memory, and a download appended to a file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace deberta {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool follow_redirects = true;
  long timeout_s = 10;  // for connecting, and the longest a transfer may stall
};

struct HttpResponse {
  long status = 0;
  // The last response's headers (after redirects, the final one's), names
  // in lower case.
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& lower_case_name) const;
};

// Called as bytes arrive: (bytes so far, bytes expected or 0 when unknown).
using HttpProgress = std::function<void(uint64_t, uint64_t)>;

// Throws std::runtime_error naming the URL when the transfer fails (no
// connection, a timeout, a connection cut short); an HTTP error status is a
// response, not an exception.
HttpResponse http_request(const HttpRequest& request);

// GET into `path`: from byte `offset` on with a Range request when it is
// above 0 (the file then keeps its first `offset` bytes; a server that
// ignores the range makes it start over). The response's body stays empty;
// an error status leaves `path` as it was.
HttpResponse http_download(const HttpRequest& request, const std::string& path, uint64_t offset,
                           const HttpProgress& progress);

}  // namespace deberta
