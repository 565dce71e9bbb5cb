// The Anthropic Messages API backend: /v1/messages, non-streaming.
#include <fmt/core.h>

#include "data/backend_http.h"
#include "util/error.h"

namespace z80lm {

namespace {

constexpr const char* kAnthropicVersion = "2023-06-01";

class AnthropicBackend final : public LlmBackend {
 public:
  AnthropicBackend(BackendConfig config, HttpClient& http) : config_(std::move(config)), http_(http) {}

  std::string describe() const override {
    return fmt::format("anthropic {} at {}", config_.model, config_.base_url);
  }

  LlmReply complete(const LlmRequest& request) override {
    nlohmann::json body = {
        {"model", config_.model},
        {"max_tokens", request.max_tokens},
        {"temperature", request.temperature},
        {"messages", nlohmann::json::array({{{"role", "user"}, {"content", request.prompt}}})},
    };
    if (!request.system.empty()) body["system"] = request.system;
    const std::string url = join_url(config_.base_url, "/v1/messages");
    BackendHints hints{"check your network connection and --base-url",
                       "check ANTHROPIC_API_KEY (console.anthropic.com > API keys)",
                       fmt::format("unknown model '{}'? check --model", config_.model)};
    nlohmann::json reply =
        post_json(http_, config_, url,
                  {{"x-api-key", config_.api_key}, {"anthropic-version", kAnthropicVersion}}, body, hints);
    if (!reply.contains("content") || !reply["content"].is_array())
      throw Error(fmt::format("{}: reply has no \"content\" list", url),
                  "is --base-url the Anthropic API? for OpenAI-compatible servers use --backend openai");
    LlmReply out;
    for (const auto& block : reply["content"])
      if (string_field(block, "type") == "text") out.text += string_field(block, "text");
    if (reply.contains("usage")) {
      out.input_tokens = count_field(reply["usage"], "input_tokens");
      out.output_tokens = count_field(reply["usage"], "output_tokens");
    }
    out.truncated = string_field(reply, "stop_reason") == "max_tokens";
    return out;
  }

 private:
  BackendConfig config_;
  HttpClient& http_;
};

}  // namespace

std::unique_ptr<LlmBackend> make_anthropic_backend(const BackendConfig& config, HttpClient& http) {
  return std::make_unique<AnthropicBackend>(config, http);
}

}  // namespace z80lm
