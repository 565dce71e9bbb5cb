// llm_backend.h — one prompt in, one text reply out, from Ollama, Anthropic or an
// OpenAI-compatible server.
//
//   auto http = z80lm::make_curl_client();
//   z80lm::BackendConfig cfg{.kind = z80lm::BackendKind::ollama, .model = "gemma2:9b"};
//   auto llm = z80lm::make_backend(cfg, *http);
//   z80lm::LlmReply r = llm->complete({.system = "...", .prompt = "..."});
//
// Protocols (non-streaming, JSON over HTTP POST):
// - ollama:    {base}/api/chat (default) or {base}/api/generate; `format: "json"`,
//              options {num_predict, temperature, seed}; tokens from prompt_eval_count /
//              eval_count. Default base http://localhost:11434.
// - anthropic: {base}/v1/messages with headers x-api-key and anthropic-version; usage
//              input_tokens / output_tokens; no seed. Default base https://api.anthropic.com.
// - openai:    {base}/v1/chat/completions (llama.cpp server, vLLM, LM Studio, ...);
//              optional `Authorization: Bearer KEY`; `seed`; usage prompt_tokens /
//              completion_tokens. Default base http://localhost:8080. A base that already
//              ends in /v1 is not given a second one.
// Invariants: `complete` returns the model's text (possibly empty or not JSON — judging it
// is the caller's job) or throws z80lm::Error with a hint naming the likely cause: no key,
// nothing listening, unknown model, rate limit or server errors after all retries, a reply
// that is not the protocol's JSON. Transient failures are retried (data/retry.h).
// Not modelled: streaming, tool use, images, multi-turn conversations.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "data/http_client.h"
#include "data/retry.h"

namespace z80lm {

enum class BackendKind { ollama, anthropic, openai };

struct BackendConfig {
  BackendKind kind = BackendKind::ollama;
  std::string model;             // "" = the backend's default model (openai has none)
  std::string base_url;          // "" = the backend's default address
  std::string api_key;           // anthropic: required; openai: optional; ollama: unused
  bool ollama_generate = false;  // use /api/generate instead of /api/chat
  double timeout_seconds = 120;
  RetryPolicy retry;
  RetryLog log;  // retry notices (stderr in the CLI)
};

struct LlmRequest {
  std::string system;  // instructions; "" for none
  std::string prompt;
  int max_tokens = 1024;
  double temperature = 0.8;
  std::optional<uint64_t> seed;  // passed to backends that accept one
};

struct LlmReply {
  std::string text;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool truncated = false;  // the reply hit max_tokens
};

class LlmBackend {
 public:
  virtual ~LlmBackend() = default;
  virtual LlmReply complete(const LlmRequest& request) = 0;
  virtual std::string describe() const = 0;  // "ollama gemma2:9b at http://localhost:11434"
};

BackendKind parse_backend_kind(const std::string& name);  // throws z80lm::Error
std::string backend_name(BackendKind kind);
std::string default_base_url(BackendKind kind);
std::string default_model(BackendKind kind);  // "" for openai: the server decides what it serves

// Throws z80lm::Error for a missing key (anthropic) or model (openai).
std::unique_ptr<LlmBackend> make_backend(const BackendConfig& config, HttpClient& http);

}  // namespace z80lm
