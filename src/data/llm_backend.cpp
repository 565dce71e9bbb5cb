#include "data/llm_backend.h"

#include <fmt/core.h>

#include "data/backend_http.h"
#include "util/error.h"

namespace z80lm {

BackendKind parse_backend_kind(const std::string& name) {
  if (name == "ollama") return BackendKind::ollama;
  if (name == "anthropic") return BackendKind::anthropic;
  if (name == "openai") return BackendKind::openai;
  throw Error(fmt::format("unknown backend '{}'", name), "use --backend ollama, anthropic or openai");
}

std::string backend_name(BackendKind kind) {
  switch (kind) {
    case BackendKind::ollama:
      return "ollama";
    case BackendKind::anthropic:
      return "anthropic";
    case BackendKind::openai:
      return "openai";
  }
  return "?";
}

std::string default_base_url(BackendKind kind) {
  switch (kind) {
    case BackendKind::ollama:
      return "http://localhost:11434";
    case BackendKind::anthropic:
      return "https://api.anthropic.com";
    case BackendKind::openai:
      return "http://localhost:8080";  // llama.cpp's llama-server
  }
  return "";
}

std::string default_model(BackendKind kind) {
  switch (kind) {
    case BackendKind::ollama:
      return "gemma2:9b";
    case BackendKind::anthropic:
      return "claude-sonnet-4-20250514";
    case BackendKind::openai:
      return "";
  }
  return "";
}

std::unique_ptr<LlmBackend> make_backend(const BackendConfig& config, HttpClient& http) {
  BackendConfig c = config;
  if (c.base_url.empty()) c.base_url = default_base_url(c.kind);
  if (c.model.empty()) c.model = default_model(c.kind);
  switch (c.kind) {
    case BackendKind::ollama:
      return make_ollama_backend(c, http);
    case BackendKind::anthropic:
      if (c.api_key.empty())
        throw Error("the anthropic backend needs an API key and ANTHROPIC_API_KEY is not set",
                    "export ANTHROPIC_API_KEY=sk-ant-... (console.anthropic.com), or use --backend ollama");
      return make_anthropic_backend(c, http);
    case BackendKind::openai:
      if (c.model.empty())
        throw Error(
            "the openai backend needs --model",
            "pass the served model's name (GET /v1/models lists it; llama.cpp's server accepts any name)");
      return make_openai_backend(c, http);
  }
  throw Error("unknown backend");
}

}  // namespace z80lm
