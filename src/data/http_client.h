// http_client.h — the one HTTP operation the data generator needs: POST a JSON body.
//
//   auto http = z80lm::make_curl_client();
//   z80lm::HttpResponse r = http->post({"http://localhost:11434/api/chat", {{"Content-Type",
//   "application/json"}},
//                                       body, /*timeout_seconds=*/60});
//   if (r.failure == z80lm::HttpFailure::none && r.status == 200) use(r.body);
//
// Bounded: a reply body over kMaxResponseBodyBytes is not read further (failure too_large),
// and timeout_seconds covers the whole exchange, connect to last byte, so an endless or
// trickling body costs at most that much memory and time.
// Invariants: `post` never throws for network trouble; it reports it in `failure` (+ a
// one-line `error`), so the retry policy (data/retry.h) decides what is fatal. A reply
// with any HTTP status is `failure == none`. Requests to localhost/127.0.0.1/::1 never go
// through a proxy; other hosts honour the usual *_proxy environment variables.
// Not modelled: streaming, redirects, anything but POST.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace z80lm {

// The largest reply body read (LLM replies are a few KB): 8 MiB.
inline constexpr size_t kMaxResponseBodyBytes = size_t{8} << 20;

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double timeout_seconds = 60;  // whole request, connect to the body's last byte
};

enum class HttpFailure {
  none,     // a reply arrived (any status)
  connect,  // nothing listens there / host unknown: retrying will not help
  timeout,  // no complete reply within the timeout
  too_large,  // the body passed kMaxResponseBodyBytes: not an LLM reply; retrying will not help
  other,    // reset connection, empty reply, TLS trouble, ...
};

struct HttpResponse {
  HttpFailure failure = HttpFailure::none;
  std::string error;  // one line, when failure != none
  long status = 0;    // HTTP status when failure == none
  std::string body;
  std::string retry_after;  // the Retry-After header, verbatim ("" when absent)
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse post(const HttpRequest& request) = 0;
};

// The libcurl implementation.
std::unique_ptr<HttpClient> make_curl_client();

}  // namespace z80lm
