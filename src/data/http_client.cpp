#include "data/http_client.h"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace z80lm {

namespace {

struct BodySink {
  std::string* body;
  bool too_large = false;
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (size * count > kMaxResponseBodyBytes - sink->body->size()) {
    sink->too_large = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  sink->body->append(data, size * count);
  return size * count;
}

// Keeps the value of a Retry-After header line, if this is one.
size_t capture_retry_after(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  static const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == name) {
      std::string value = line.substr(name.size());
      auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
      value.erase(value.begin(), std::find_if_not(value.begin(), value.end(), blank));
      value.erase(std::find_if_not(value.rbegin(), value.rend(), blank).base(), value.end());
      *static_cast<std::string*>(user) = value;
    }
  }
  return size * count;
}

HttpFailure classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return HttpFailure::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpFailure::timeout;
    default:
      return HttpFailure::other;
  }
}

class CurlClient final : public HttpClient {
 public:
  CurlClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse post(const HttpRequest& request) override {
    HttpResponse response;
    CURL* curl = curl_easy_init();
    if (!curl) {
      response.failure = HttpFailure::other;
      response.error = "libcurl could not start a request";
      return response;
    }
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers)
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    const long timeout_ms = std::max(1L, static_cast<long>(request.timeout_seconds * 1000));
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 30000L));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "z80lm-data-gen/" Z80LM_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    BodySink sink{&response.body};
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_retry_after);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.retry_after);
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    } else if (sink.too_large) {
      response.failure = HttpFailure::too_large;
      response.error = fmt::format("the reply body passed {} MiB (kMaxResponseBodyBytes) and was not read further",
                                   kMaxResponseBodyBytes >> 20);
      response.body.clear();
    } else {
      response.failure = classify(code);
      response.error = detail[0] ? std::string(detail) : std::string(curl_easy_strerror(code));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return response;
  }
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client() {
  return std::make_unique<CurlClient>();
}

}  // namespace z80lm
