// Issue 14 item 7: `data gen` read an endless response body into memory (2.1 GB within
// --timeout 3). The HTTP client now stops at kMaxResponseBodyBytes and its timeout covers the
// whole transfer. The servers are cpp-httplib mocks on 127.0.0.1 (data_mock_server.h).
#include <gtest/gtest.h>

#include <chrono>

#include "data/http_client.h"
#include "data_mock_server.h"
#include "test_support.h"

namespace z80lm {
namespace {

using test::MockReply;
using test::MockServer;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

HttpRequest chat_request(const MockServer& s, double timeout) {
  return {s.url() + "/api/chat", {{"Content-Type", "application/json"}}, "{}", timeout};
}

TEST(DataGenEndlessBody, HttpClientStopsReadingAtTheBodyCap) {
  MockServer s("/api/chat");
  MockReply endless;
  endless.endless = true;
  s.fallback([endless](int) { return endless; });
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r = make_curl_client()->post(chat_request(s, 3));
  EXPECT_EQ(r.failure, HttpFailure::too_large) << r.error;
  EXPECT_TRUE(r.body.empty()) << r.body.size() << " bytes kept";
  EXPECT_NE(r.error.find("8 MiB"), std::string::npos) << r.error;
  EXPECT_LT(seconds_since(start), 3.0) << "the cap, not the timeout, must end it";
}

TEST(DataGenEndlessBody, TricklingBodyEndsAtTheTimeout) {
  MockServer s("/api/chat");
  MockReply trickle;
  trickle.endless = true;
  trickle.endless_chunk = 16;
  trickle.endless_pause = 0.05;
  s.fallback([trickle](int) { return trickle; });
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r = make_curl_client()->post(chat_request(s, 1.0));
  EXPECT_EQ(r.failure, HttpFailure::timeout) << r.error;
  const double took = seconds_since(start);
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 3.0) << "--timeout must cover the whole transfer, not each read";
}

TEST(DataGenEndlessBody, DataGenFailsWithOneLineAndNoOutput) {
  MockServer s("/api/chat");
  MockReply endless;
  endless.endless = true;
  endless.body = R"({"model": "mock", "message": {"role": "assistant", "content": ")";
  s.fallback([endless](int) { return endless; });
  test::TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  auto r = test::run_cli("data gen --base-url " + s.url() + " --model m --seed 1 --topic chair -n 5 " +
                         "--timeout 3 --retries 2 -o '" + dir.file("out.txt") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the reply body passed 8 MiB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: check --base-url"), std::string::npos) << r.out;
  EXPECT_EQ(s.requests().size(), 1u) << "a reply that large is not retried";
  EXPECT_LT(seconds_since(start), 3.0);
}

}  // namespace
}  // namespace z80lm
