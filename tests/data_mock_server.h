// data_mock_server.h — scripted local LLM servers for the data tool tests.
//
//   MockServer s("/api/chat");                         // 127.0.0.1, ephemeral port
//   s.script({{429, "{}", {{"Retry-After", "0"}}}, MockServer::ok(ollama_chat_reply("{}"))});
//   ... point a backend at s.url() ...
//   EXPECT_EQ(s.requests().size(), 2u);
//
// Binds 127.0.0.1 only. Each POST to `path` takes the next scripted reply; when the script
// is used up, `fallback(n)` (n = request number from 0) makes one. Requests are recorded
// (body and headers). Other paths get 404. A reply may be endless (MockReply::endless): a
// server that never stops sending.
#pragma once
#include <httplib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace z80lm::test {

struct MockReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  double delay_seconds = 0;  // sleep before answering (timeouts)
  // Endless: after `body`, the reply goes on forever (chunked), `endless_chunk` bytes at a time
  // with `endless_pause` seconds between chunks, until the client hangs up.
  bool endless = false;
  size_t endless_chunk = 65536;
  double endless_pause = 0;
};

struct MockRequest {
  std::string path;
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class MockServer {
 public:
  explicit MockServer(const std::string& path) {
    server_.Post(path, [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~MockServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  void script(std::vector<MockReply> replies) {
    std::lock_guard lock(mutex_);
    script_.insert(script_.end(), replies.begin(), replies.end());
  }
  void fallback(std::function<MockReply(int)> make) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(make);
  }
  std::vector<MockRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  static MockReply ok(std::string body) { return {200, std::move(body), {}, 0}; }
  static MockReply error(int status, std::string body) { return {status, std::move(body), {}, 0}; }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    MockReply reply{500, "{\"error\": \"mock script exhausted\"}", {}, 0};
    {
      std::lock_guard lock(mutex_);
      int n = static_cast<int>(requests_.size());
      requests_.push_back({req.path, req.body, req.headers});
      if (!script_.empty()) {
        reply = script_.front();
        script_.pop_front();
      } else if (fallback_) {
        reply = fallback_(n);
      }
    }
    if (reply.delay_seconds > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(reply.delay_seconds));
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    if (reply.endless) {
      res.set_chunked_content_provider("application/json", [reply](size_t offset, httplib::DataSink& sink) {
        if (offset == 0 && !reply.body.empty() && !sink.write(reply.body.data(), reply.body.size())) return false;
        if (reply.endless_pause > 0)
          std::this_thread::sleep_for(std::chrono::duration<double>(reply.endless_pause));
        const std::string chunk(reply.endless_chunk, ' ');
        return sink.is_writable() && sink.write(chunk.data(), chunk.size());
      });
      return;
    }
    res.set_content(reply.body, "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::deque<MockReply> script_;
  std::function<MockReply(int)> fallback_;
  std::vector<MockRequest> requests_;
};

// Protocol envelopes around a model's text.
inline std::string ollama_chat_reply(const std::string& text, int in = 11, int out = 7) {
  return nlohmann::json{{"model", "mock"},
                        {"message", {{"role", "assistant"}, {"content", text}}},
                        {"done", true},
                        {"done_reason", "stop"},
                        {"prompt_eval_count", in},
                        {"eval_count", out}}
      .dump();
}
inline std::string ollama_generate_reply(const std::string& text, int in = 11, int out = 7) {
  return nlohmann::json{
      {"model", "mock"}, {"response", text}, {"done", true}, {"prompt_eval_count", in}, {"eval_count", out}}
      .dump();
}
inline std::string anthropic_reply(const std::string& text, int in = 11, int out = 7) {
  return nlohmann::json{{"type", "message"},
                        {"role", "assistant"},
                        {"content", {{{"type", "text"}, {"text", text}}}},
                        {"stop_reason", "end_turn"},
                        {"usage", {{"input_tokens", in}, {"output_tokens", out}}}}
      .dump();
}
inline std::string openai_reply(const std::string& text, int in = 11, int out = 7) {
  return nlohmann::json{
      {"object", "chat.completion"},
      {"choices",
       {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", in}, {"completion_tokens", out}}}}
      .dump();
}

}  // namespace z80lm::test
