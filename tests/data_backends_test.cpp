// The three LLM protocols against local mock servers (127.0.0.1 only), success and failure,
// through the real libcurl client; and `z80lm data gen` end to end on the same mocks.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "data/guess_mode.h"
#include "data/llm_backend.h"
#include "data_mock_server.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/error.h"
#include "util/file_io.h"

namespace z80lm {

using test::MockReply;
using test::MockServer;

namespace {

BackendConfig config_for(BackendKind kind, const MockServer& server) {
  BackendConfig c;
  c.kind = kind;
  c.base_url = server.url();
  c.model = "mock-model";
  c.timeout_seconds = 5;
  c.retry = {2, 0.01, 0.05};
  if (kind == BackendKind::anthropic) c.api_key = "sk-test";
  return c;
}

LlmReply complete(const BackendConfig& c,
                  LlmRequest request = {"be brief", "say hi", 64, 0.5, std::nullopt}) {
  auto http = make_curl_client();
  return make_backend(c, *http)->complete(request);
}

// The error's what() and hint, for matching.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.what()) + "\nhint: " + e.hint();
  }
  return "(no error)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A port on 127.0.0.1 where nothing listens (a mock server bound it, then went away).
int dead_port() {
  int port;
  {
    MockServer gone("/x");
    port = gone.port();
  }
  return port;
}

}  // namespace

TEST(DataBackends, OllamaChatProtocol) {
  MockServer s("/api/chat");
  s.script({MockServer::ok(test::ollama_chat_reply("{\"ok\": 1}", 12, 5))});
  BackendConfig c = config_for(BackendKind::ollama, s);
  LlmReply r = complete(c, {"be brief", "say hi", 64, 0.5, 7});
  EXPECT_EQ(r.text, "{\"ok\": 1}");
  EXPECT_EQ(r.input_tokens, 12);
  EXPECT_EQ(r.output_tokens, 5);
  auto req = s.requests().at(0).json();
  EXPECT_EQ(req["model"], "mock-model");
  EXPECT_EQ(req["stream"], false);
  EXPECT_EQ(req["format"], "json");
  EXPECT_EQ(req["options"]["seed"], 7);
  EXPECT_EQ(req["options"]["num_predict"], 64);
  EXPECT_EQ(req["options"]["temperature"], 0.5);
  EXPECT_EQ(req["messages"][0]["role"], "system");
  EXPECT_EQ(req["messages"][1]["content"], "say hi");
}

TEST(DataBackends, OllamaGenerateProtocol) {
  MockServer s("/api/generate");
  s.script({MockServer::ok(test::ollama_generate_reply("[1]"))});
  BackendConfig c = config_for(BackendKind::ollama, s);
  c.ollama_generate = true;
  EXPECT_EQ(complete(c).text, "[1]");
  auto req = s.requests().at(0).json();
  EXPECT_EQ(req["prompt"], "say hi");
  EXPECT_EQ(req["system"], "be brief");
  EXPECT_FALSE(req["options"].contains("seed"));
}

TEST(DataBackends, AnthropicProtocol) {
  MockServer s("/v1/messages");
  s.script({MockServer::ok(test::anthropic_reply("hello", 30, 4))});
  LlmReply r = complete(config_for(BackendKind::anthropic, s), {"be brief", "say hi", 64, 0.5, 9});
  EXPECT_EQ(r.text, "hello");
  EXPECT_EQ(r.input_tokens, 30);
  EXPECT_EQ(r.output_tokens, 4);
  const auto got = s.requests().at(0);
  EXPECT_EQ(got.header("x-api-key"), "sk-test");
  EXPECT_EQ(got.header("anthropic-version"), "2023-06-01");
  auto req = got.json();
  ASSERT_TRUE(req.is_object()) << got.body;
  EXPECT_EQ(req["model"], "mock-model");
  EXPECT_EQ(req["system"], "be brief");
  EXPECT_EQ(req["max_tokens"], 64);
  EXPECT_EQ(req["messages"][0]["role"], "user");
  EXPECT_FALSE(req.contains("seed")) << "the Messages API has no seed";
}

TEST(DataBackends, OpenAiProtocolWithAndWithoutKey) {
  MockServer s("/v1/chat/completions");
  s.script({MockServer::ok(test::openai_reply("a", 3, 2)), MockServer::ok(test::openai_reply("b"))});
  BackendConfig c = config_for(BackendKind::openai, s);
  c.base_url = s.url() + "/v1/";  // a base that already names /v1 is not doubled
  c.api_key = "sk-local";
  LlmReply r = complete(c, {"be brief", "say hi", 64, 0.5, 11});
  EXPECT_EQ(r.text, "a");
  EXPECT_EQ(r.output_tokens, 2);
  EXPECT_EQ(s.requests().at(0).header("Authorization"), "Bearer sk-local");
  auto req = s.requests().at(0).json();
  EXPECT_EQ(req["seed"], 11);
  EXPECT_EQ(req["messages"][0]["role"], "system");
  c.api_key.clear();
  EXPECT_EQ(complete(c).text, "b");
  EXPECT_EQ(s.requests().at(1).header("Authorization"), "");
}

TEST(DataBackends, RateLimitThenSuccess) {
  MockServer s("/v1/messages");
  s.script(
      {{429,
        R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})",
        {{"Retry-After", "0"}}},
       MockServer::error(529, R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})"),
       MockServer::ok(test::anthropic_reply("fine"))});
  EXPECT_EQ(complete(config_for(BackendKind::anthropic, s)).text, "fine");
  EXPECT_EQ(s.requests().size(), 3u);
}

TEST(DataBackends, ServerErrorIsRetriedThenFailsClearly) {
  MockServer s("/api/chat");
  s.fallback([](int) { return MockServer::error(500, "{\"error\": \"model crashed\"}"); });
  std::string e = error_of([&] { complete(config_for(BackendKind::ollama, s)); });
  EXPECT_TRUE(contains(e, "/api/chat: HTTP 500 (after 3 attempts): model crashed")) << e;
  EXPECT_TRUE(contains(e, "hint: the server keeps failing")) << e;
  EXPECT_EQ(s.requests().size(), 3u);
}

TEST(DataBackends, TimeoutIsRetriedThenFailsClearly) {
  MockServer s("/v1/chat/completions");
  s.fallback([](int) { return MockReply{200, test::openai_reply("late"), {}, 0.6}; });
  BackendConfig c = config_for(BackendKind::openai, s);
  c.timeout_seconds = 0.15;
  c.retry.retries = 1;
  std::string e = error_of([&] { complete(c); });
  EXPECT_TRUE(contains(e, "no reply within 0.15 s (after 2 attempts)")) << e;
  EXPECT_TRUE(contains(e, "hint: raise --timeout")) << e;
  EXPECT_EQ(s.requests().size(), 2u);
}

TEST(DataBackends, MalformedAndEmptyBodies) {
  MockServer s("/api/chat");
  s.script({MockServer::ok("<html>not json</html>"), MockServer::ok(""),
            MockServer::ok("{\"unexpected\": true}")});
  BackendConfig c = config_for(BackendKind::ollama, s);
  std::string e1 = error_of([&] { complete(c); });
  EXPECT_TRUE(contains(e1, "reply is not a JSON object: '<html>not json</html>'")) << e1;
  EXPECT_TRUE(contains(e1, "really a ollama server")) << e1;
  std::string e2 = error_of([&] { complete(c); });
  EXPECT_TRUE(contains(e2, "HTTP 200 with an empty body")) << e2;
  std::string e3 = error_of([&] { complete(c); });
  EXPECT_TRUE(contains(e3, "reply has no message.content")) << e3;
  EXPECT_EQ(s.requests().size(), 3u) << "protocol errors are not retried";
}

TEST(DataBackends, EmptyModelTextIsNotAProtocolError) {
  MockServer s("/v1/messages");
  s.script({MockServer::ok(R"({"content": [], "usage": {"input_tokens": 5, "output_tokens": 0}})")});
  EXPECT_EQ(complete(config_for(BackendKind::anthropic, s)).text, "");
}

TEST(DataBackends, AuthAndNotFoundHints) {
  MockServer a("/v1/messages");
  a.script({MockServer::error(
      401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})")});
  std::string e = error_of([&] { complete(config_for(BackendKind::anthropic, a)); });
  EXPECT_TRUE(contains(e, "HTTP 401: invalid x-api-key")) << e;
  EXPECT_TRUE(contains(e, "hint: check ANTHROPIC_API_KEY")) << e;
  EXPECT_EQ(a.requests().size(), 1u);
  MockServer o("/api/chat");
  o.script({MockServer::error(404, R"({"error":"model \"mock-model\" not found, try pulling it first"})")});
  e = error_of([&] { complete(config_for(BackendKind::ollama, o)); });
  EXPECT_TRUE(contains(e, "run `ollama pull mock-model`")) << e;
}

TEST(DataBackends, MissingKeyAndModel) {
  BackendConfig c;
  c.kind = BackendKind::anthropic;
  auto http = make_curl_client();
  std::string e = error_of([&] { make_backend(c, *http); });
  EXPECT_TRUE(contains(e, "ANTHROPIC_API_KEY is not set")) << e;
  c.kind = BackendKind::openai;
  e = error_of([&] { make_backend(c, *http); });
  EXPECT_TRUE(contains(e, "the openai backend needs --model")) << e;
}

TEST(DataBackends, UnreachableServerIsNotRetried) {
  BackendConfig c;
  c.kind = BackendKind::ollama;
  c.base_url = "http://127.0.0.1:" + std::to_string(dead_port());
  c.retry = {3, 5.0, 5.0};  // would take 15 s if it retried
  std::string e = error_of([&] { complete(c); });
  EXPECT_TRUE(contains(e, "cannot reach http://127.0.0.1:")) << e;
  EXPECT_TRUE(contains(e, "hint: is `ollama serve` running?")) << e;
}

// ---- the CLI on the mocks ----

namespace {

// A Q&A reply with `n` fresh questions numbered from `first`, fenced and wrapped in prose.
std::string qa_batch(int first, int n) {
  std::string items;
  for (int i = 0; i < n; ++i) {
    const char* answers[] = {"YES", "no", "Maybe"};
    items += (i ? "," : "") + std::string("{\"q\": \"question number ") + std::to_string(first + i) +
             "\", \"a\": \"" + answers[(first + i) % 3] + "\"}";
  }
  return "Sure, here they are:\n```json\n{\"pairs\": [" + items + "]}\n```\n";
}

std::string gen_args(const MockServer& s, const std::string& backend, const std::string& extra) {
  return "data gen --backend " + backend + " --base-url " + s.url() +
         " --model m --seed 3 --retries 2 --backoff 0.01 " + extra;
}

}  // namespace

TEST(DataGenCli, GuessOnOllamaToStdout) {
  MockServer s("/api/chat");
  s.fallback([](int n) {
    if (n == 2) return MockServer::ok(test::ollama_chat_reply("{\"wrong\": [\"table\", \"bench\"]}"));
    return MockServer::ok(test::ollama_chat_reply(qa_batch(n * 4, 4), 50, 20));
  });
  auto r = test::run_cli(gen_args(s, "ollama", "--topic chair -n 8 --no-variants -d 2 --nonsense"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto pairs = parse_pairs(r.out, "out").pairs;
  const size_t templates = win_phrases("chair").size() + 20 + nonsense_phrases().size();
  EXPECT_EQ(pairs.size(), 8 + templates) << r.out;
  EXPECT_TRUE(contains(r.out, "question number 7|NO\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "gen: 8/8 pairs (+4), batch 2, tokens 100 in / 40 out")) << r.out;
  EXPECT_TRUE(
      contains(r.out, fmt::format("gen: wrote {} pairs (8 from the model, {} from templates) in 3 LLM calls",
                                  8 + templates, templates)))
      << r.out;
  auto first = s.requests().at(0).json();
  EXPECT_EQ(first["options"]["seed"], 3);
  EXPECT_EQ(s.requests().at(1).json()["options"]["seed"], 4);
}

TEST(DataGenCli, ChatOnOpenAiToFileWithRetries) {
  MockServer s("/v1/chat/completions");
  s.script({{503, "{\"error\": {\"message\": \"loading model\"}}", {{"Retry-After", "0"}}}});
  s.fallback([](int n) {
    return MockServer::ok(test::openai_reply("{\"pairs\": [{\"q\": \"hello " + std::to_string(n) +
                                             "\", \"a\": \"hi\"}, {\"q\": \"bye " + std::to_string(n) +
                                             "\", \"a\": \"SEE YA\"}]}"));
  });
  test::TempDir dir;
  std::string out = dir.file("chat.txt"), vocab = dir.file("vocab.txt");
  test::write_text(vocab, "HI\nBYE\n");
  auto r = test::run_cli(gen_args(s, "openai", "--mode chat --vocab '" + vocab + "' -n 3 -o '" + out + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "HTTP 503 from " + s.url() + "/v1/chat/completions, retry 1/2 in 0.0 s"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "dropped 'bye 1|SEE YA': not an allowed answer")) << r.out;
  EXPECT_EQ(read_file(out), "hello 1|HI\nhello 2|HI\nhello 3|HI\n");
}

TEST(DataGenCli, AnthropicMissingKey) {
  ::unsetenv("ANTHROPIC_API_KEY");
  auto r = test::run_cli("data gen --backend anthropic --base-url http://127.0.0.1:9 --topic chair");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      contains(r.out, "error: the anthropic backend needs an API key and ANTHROPIC_API_KEY is not set"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "hint: export ANTHROPIC_API_KEY=")) << r.out;
}

TEST(DataGenCli, AnthropicFencedJsonWithKeyFromEnvironment) {
  MockServer s("/v1/messages");
  s.fallback([](int n) { return MockServer::ok(test::anthropic_reply(qa_batch(n * 3, 3))); });
  ::setenv("ANTHROPIC_API_KEY", "sk-from-env", 1);
  auto r = test::run_cli(gen_args(s, "anthropic", "--topic cat -n 5 -d 0"));
  ::unsetenv("ANTHROPIC_API_KEY");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(s.requests().at(0).header("x-api-key"), "sk-from-env");
  EXPECT_EQ(s.requests().size(), 2u) << "two batches of 3 reach 5";
  EXPECT_EQ(parse_pairs(r.out, "out").pairs.size(), 5u + win_phrases("cat").size());
}

TEST(DataGenCli, UnreachableOllama) {
  auto r =
      test::run_cli("data gen --base-url http://127.0.0.1:" + std::to_string(dead_port()) + " --topic chair");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "error: cannot reach http://127.0.0.1:")) << r.out;
  EXPECT_TRUE(contains(r.out, "hint: is `ollama serve` running?")) << r.out;
}

TEST(DataGenCli, NonJsonRepliesFailAfterStaleLimit) {
  MockServer s("/api/chat");
  s.fallback(
      [](int) { return MockServer::ok(test::ollama_chat_reply("I am a language model and cannot...")); });
  auto r = test::run_cli(gen_args(s, "ollama", "--topic chair --stale 2"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "error: 2 replies in a row had no usable JSON")) << r.out;
  EXPECT_EQ(s.requests().size(), 2u);
}

TEST(DataGenCli, ModeNeedsItsOptions) {
  auto r = test::run_cli("data gen --base-url http://127.0.0.1:9");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "error: --mode guess needs --topic")) << r.out;
  r = test::run_cli("data gen --mode chat --base-url http://127.0.0.1:9");
  EXPECT_TRUE(contains(r.out, "error: --mode chat needs --vocab")) << r.out;
}

}  // namespace z80lm
