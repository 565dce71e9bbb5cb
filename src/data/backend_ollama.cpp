// The Ollama backend: /api/chat or /api/generate, non-streaming, JSON mode.
#include <fmt/core.h>

#include "data/backend_http.h"
#include "util/error.h"

namespace z80lm {

namespace {

class OllamaBackend final : public LlmBackend {
 public:
  OllamaBackend(BackendConfig config, HttpClient& http) : config_(std::move(config)), http_(http) {}

  std::string describe() const override {
    return fmt::format("ollama {} at {} ({})", config_.model, config_.base_url,
                       config_.ollama_generate ? "/api/generate" : "/api/chat");
  }

  LlmReply complete(const LlmRequest& request) override {
    nlohmann::json options = {{"num_predict", request.max_tokens}, {"temperature", request.temperature}};
    if (request.seed) options["seed"] = *request.seed;
    nlohmann::json body = {
        {"model", config_.model}, {"stream", false}, {"format", "json"}, {"options", options}};
    std::string path;
    if (config_.ollama_generate) {
      path = "/api/generate";
      body["prompt"] = request.prompt;
      if (!request.system.empty()) body["system"] = request.system;
    } else {
      path = "/api/chat";
      nlohmann::json messages = nlohmann::json::array();
      if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
      messages.push_back({{"role", "user"}, {"content", request.prompt}});
      body["messages"] = messages;
    }
    const std::string url = join_url(config_.base_url, path);
    BackendHints hints{fmt::format("is `ollama serve` running? (or pass --base-url; default {})",
                                   default_base_url(BackendKind::ollama)),
                       "Ollama needs no key: check --base-url",
                       fmt::format("is the model pulled? run `ollama pull {}`", config_.model)};
    nlohmann::json reply = post_json(http_, config_, url, {}, body, hints);

    const nlohmann::json* text = nullptr;
    if (config_.ollama_generate) {
      if (reply.contains("response")) text = &reply["response"];
    } else if (reply.contains("message") && reply["message"].is_object() &&
               reply["message"].contains("content")) {
      text = &reply["message"]["content"];
    }
    if (!text || !text->is_string())
      throw Error(fmt::format("{}: reply has no {}", url,
                              config_.ollama_generate ? "\"response\"" : "message.content"),
                  "is --base-url an Ollama server? for OpenAI-compatible servers use --backend openai");
    LlmReply out;
    out.text = text->get<std::string>();
    out.input_tokens = count_field(reply, "prompt_eval_count");
    out.output_tokens = count_field(reply, "eval_count");
    out.truncated = string_field(reply, "done_reason") == "length";
    return out;
  }

 private:
  BackendConfig config_;
  HttpClient& http_;
};

}  // namespace

std::unique_ptr<LlmBackend> make_ollama_backend(const BackendConfig& config, HttpClient& http) {
  return std::make_unique<OllamaBackend>(config, http);
}

}  // namespace z80lm
