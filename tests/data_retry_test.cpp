// Retry policy: which failures are retried, the delays, Retry-After.
#include <gtest/gtest.h>

#include <deque>

#include "data/retry.h"

namespace z80lm {

namespace {

class ScriptedHttp : public HttpClient {
 public:
  std::deque<HttpResponse> replies;
  int calls = 0;
  HttpResponse post(const HttpRequest&) override {
    ++calls;
    HttpResponse r = replies.front();
    if (replies.size() > 1) replies.pop_front();
    return r;
  }
};

HttpResponse status(long code, std::string retry_after = "") {
  HttpResponse r;
  r.status = code;
  r.retry_after = std::move(retry_after);
  return r;
}

HttpResponse failure(HttpFailure kind) {
  HttpResponse r;
  r.failure = kind;
  r.error = "boom";
  return r;
}

struct Run {
  HttpResponse last;
  int calls = 0;
  std::vector<double> sleeps;
  std::vector<std::string> log;
};

Run run(std::deque<HttpResponse> replies, RetryPolicy policy = {3, 1.0, 10.0}) {
  ScriptedHttp http;
  http.replies = std::move(replies);
  Run out;
  out.last = post_with_retry(
      http, {"http://127.0.0.1:1/x", {}, "{}", 5}, policy,
      [&](const std::string& line) { out.log.push_back(line); }, [&](double s) { out.sleeps.push_back(s); });
  out.calls = http.calls;
  return out;
}

}  // namespace

TEST(DataRetry, SuccessNeedsNoRetry) {
  auto r = run({status(200)});
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.sleeps.empty());
}

TEST(DataRetry, ExponentialBackoffCappedThenGivesUp) {
  auto r = run({status(503)}, {4, 3.0, 10.0});
  EXPECT_EQ(r.calls, 5);
  EXPECT_EQ(r.sleeps, (std::vector<double>{3, 6, 10, 10}));
  EXPECT_EQ(r.last.status, 503);
  ASSERT_EQ(r.log.size(), 4u);
  EXPECT_EQ(r.log[0], "HTTP 503 from http://127.0.0.1:1/x, retry 1/4 in 3.0 s");
}

TEST(DataRetry, RetryAfterSecondsWinsOverBackoff) {
  auto r = run({status(429, "7"), status(429, "0"), status(200)});
  EXPECT_EQ(r.calls, 3);
  EXPECT_EQ(r.sleeps, (std::vector<double>{7, 0}));
}

TEST(DataRetry, RetryAfterIsCapped) {
  auto r = run({status(429, "3600"), status(200)});
  EXPECT_EQ(r.sleeps, (std::vector<double>{10}));
}

TEST(DataRetry, RetryAfterHttpDate) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0);  // in the past: no wait
  EXPECT_EQ(parse_retry_after("2.5"), 2.5);
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("soon"));
}

TEST(DataRetry, WhatIsRetried) {
  EXPECT_TRUE(is_retryable(status(429)));
  EXPECT_TRUE(is_retryable(status(408)));
  EXPECT_TRUE(is_retryable(status(500)));
  EXPECT_TRUE(is_retryable(status(529)));  // Anthropic: overloaded
  EXPECT_TRUE(is_retryable(failure(HttpFailure::timeout)));
  EXPECT_TRUE(is_retryable(failure(HttpFailure::other)));
  EXPECT_FALSE(is_retryable(failure(HttpFailure::connect)));
  EXPECT_FALSE(is_retryable(status(400)));
  EXPECT_FALSE(is_retryable(status(401)));
  EXPECT_FALSE(is_retryable(status(404)));
  EXPECT_FALSE(is_retryable(status(200)));
}

TEST(DataRetry, ConnectionRefusedIsNotRetried) {
  auto r = run({failure(HttpFailure::connect)});
  EXPECT_EQ(r.calls, 1);
}

TEST(DataRetry, TimeoutsAreRetriedWithBackoff) {
  auto r = run({failure(HttpFailure::timeout), failure(HttpFailure::timeout), status(200)});
  EXPECT_EQ(r.calls, 3);
  EXPECT_EQ(r.sleeps, (std::vector<double>{1, 2}));
  EXPECT_EQ(r.log[0], "no reply within 5 s from http://127.0.0.1:1/x, retry 1/3 in 1.0 s");
}

TEST(DataRetry, ZeroRetries) {
  auto r = run({status(500)}, {0, 1.0, 10.0});
  EXPECT_EQ(r.calls, 1);
}

}  // namespace z80lm
