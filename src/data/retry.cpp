#include "data/retry.h"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

namespace z80lm {

bool is_retryable(const HttpResponse& r) {
  switch (r.failure) {
    case HttpFailure::none:
      return r.status == 408 || r.status == 429 || (r.status >= 500 && r.status <= 599);
    case HttpFailure::timeout:
    case HttpFailure::other:
      return true;
    case HttpFailure::connect:
    case HttpFailure::too_large:
      return false;
  }
  return false;
}

std::optional<double> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789.") == std::string::npos) {
    try {
      return std::stod(value);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  time_t when = curl_getdate(value.c_str(), nullptr);  // HTTP-date form
  if (when < 0) return std::nullopt;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

double retry_delay(const RetryPolicy& policy, int attempt, const HttpResponse& response) {
  if (response.failure == HttpFailure::none)
    if (auto asked = parse_retry_after(response.retry_after)) return std::min(*asked, policy.max_delay);
  return std::min(policy.base_delay * std::ldexp(1.0, attempt), policy.max_delay);
}

std::string describe_response(const HttpResponse& r, const HttpRequest& request) {
  switch (r.failure) {
    case HttpFailure::none:
      return fmt::format("HTTP {}", r.status);
    case HttpFailure::timeout:
      return fmt::format("no reply within {:g} s", request.timeout_seconds);
    case HttpFailure::connect:
    case HttpFailure::other:
    case HttpFailure::too_large:
      return r.error;
  }
  return r.error;
}

HttpResponse post_with_retry(HttpClient& http, const HttpRequest& request, const RetryPolicy& policy,
                             const RetryLog& log, const Sleeper& sleep) {
  for (int attempt = 0;; ++attempt) {
    HttpResponse response = http.post(request);
    if (attempt >= policy.retries || !is_retryable(response)) return response;
    double delay = retry_delay(policy, attempt, response);
    if (log)
      log(fmt::format("{} from {}, retry {}/{} in {:.1f} s", describe_response(response, request),
                      request.url, attempt + 1, policy.retries, delay));
    if (sleep)
      sleep(delay);
    else
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

}  // namespace z80lm
