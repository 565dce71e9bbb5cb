// retry.h — POST with retries: exponential backoff, Retry-After honoured.
//
//   z80lm::RetryPolicy policy{.retries = 4, .base_delay = 1.0};
//   z80lm::HttpResponse r = z80lm::post_with_retry(http, request, policy, log);
//
// Retried: HTTP 408, 429 and every 5xx (Anthropic's 529 "overloaded" included), timeouts
// and other transport failures (reset connection, empty reply). Not retried: connection
// refused / unknown host (nothing is listening — waiting will not change that) and other
// 4xx (a bad key or an unknown model stays bad). The delay before retry k (0-based) is the
// server's Retry-After when it sent one (delta-seconds or an HTTP date, capped at
// `max_delay`), else base_delay * 2^k capped at `max_delay`. The last response is
// returned whatever it is: the caller turns it into an error with a backend-specific hint.
// Not modelled: jitter (one client per run; determinism matters more here).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "data/http_client.h"

namespace z80lm {

struct RetryPolicy {
  int retries = 4;           // extra attempts after the first
  double base_delay = 1.0;   // seconds before the first retry
  double max_delay = 120.0;  // cap for any one wait, Retry-After included
};

// True when the response is worth another attempt.
bool is_retryable(const HttpResponse& response);

// Seconds the server asked us to wait; nullopt when absent or unreadable.
std::optional<double> parse_retry_after(const std::string& value);

// The wait before retry `attempt` (0-based) after `response`.
double retry_delay(const RetryPolicy& policy, int attempt, const HttpResponse& response);

// `log` receives one line per retry ("HTTP 429, retry 1/4 in 2.0 s"); `sleep` waits
// (seconds) — both replaceable for tests.
using RetryLog = std::function<void(const std::string&)>;
using Sleeper = std::function<void(double)>;
HttpResponse post_with_retry(HttpClient& http, const HttpRequest& request, const RetryPolicy& policy,
                             const RetryLog& log = {}, const Sleeper& sleep = {});

// Short description of a response for messages: "HTTP 500", "timed out after 5 s", ...
std::string describe_response(const HttpResponse& response, const HttpRequest& request);

}  // namespace z80lm
