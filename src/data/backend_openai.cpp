// The OpenAI-compatible backend: /v1/chat/completions, non-streaming (llama.cpp server,
// vLLM, LM Studio, OpenAI itself).
#include <fmt/core.h>

#include "data/backend_http.h"
#include "util/error.h"

namespace z80lm {

namespace {

class OpenAiBackend final : public LlmBackend {
 public:
  OpenAiBackend(BackendConfig config, HttpClient& http) : config_(std::move(config)), http_(http) {}

  std::string describe() const override {
    return fmt::format("openai-compatible {} at {}", config_.model, config_.base_url);
  }

  LlmReply complete(const LlmRequest& request) override {
    nlohmann::json messages = nlohmann::json::array();
    if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
    messages.push_back({{"role", "user"}, {"content", request.prompt}});
    nlohmann::json body = {{"model", config_.model},
                           {"messages", messages},
                           {"max_tokens", request.max_tokens},
                           {"temperature", request.temperature},
                           {"stream", false}};
    if (request.seed) body["seed"] = *request.seed;
    std::vector<std::pair<std::string, std::string>> headers;
    if (!config_.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + config_.api_key);
    const std::string url = join_url(config_.base_url, "/v1/chat/completions");
    BackendHints hints{
        fmt::format(
            "is the server (llama-server, vLLM, LM Studio) running there? pass --base-url (default {})",
            default_base_url(BackendKind::openai)),
        "check OPENAI_API_KEY", "check --base-url (it must serve /v1/chat/completions) and --model"};
    nlohmann::json reply = post_json(http_, config_, url, headers, body, hints);
    const auto& choices = reply.contains("choices") ? reply["choices"] : nlohmann::json();
    if (!choices.is_array() || choices.empty() || !choices[0].is_object() || !choices[0].contains("message"))
      throw Error(fmt::format("{}: reply has no choices[0].message", url),
                  "is --base-url an OpenAI-compatible server? for Ollama's own API use --backend ollama");
    const auto& message = choices[0]["message"];
    LlmReply out;
    out.text = string_field(message, "content");
    if (reply.contains("usage")) {
      out.input_tokens = count_field(reply["usage"], "prompt_tokens");
      out.output_tokens = count_field(reply["usage"], "completion_tokens");
    }
    out.truncated = string_field(choices[0], "finish_reason") == "length";
    return out;
  }

 private:
  BackendConfig config_;
  HttpClient& http_;
};

}  // namespace

std::unique_ptr<LlmBackend> make_openai_backend(const BackendConfig& config, HttpClient& http) {
  return std::make_unique<OpenAiBackend>(config, http);
}

}  // namespace z80lm
