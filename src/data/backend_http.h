// backend_http.h — what the three LLM backends share: URL joining and "POST JSON, get JSON
// or a helpful error".
//
//   nlohmann::json reply = z80lm::post_json(http, config, url, headers, body, hints);
//
// Invariants: returns the parsed reply of an HTTP 2xx; anything else throws z80lm::Error
// whose message names the URL and the failure (with the server's own error message when
// the body carries one) and whose hint comes from `hints`. Internal to src/data/backend_*.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/llm_backend.h"

namespace z80lm {

struct BackendHints {
  std::string unreachable;  // nothing listening / unknown host
  std::string auth;         // HTTP 401/403
  std::string not_found;    // HTTP 404 (wrong URL or unknown model)
};

// base + path, without a doubled "/v1" and without a doubled "/".
std::string join_url(std::string base, const std::string& path);

nlohmann::json post_json(HttpClient& http, const BackendConfig& config, const std::string& url,
                         std::vector<std::pair<std::string, std::string>> headers, const nlohmann::json& body,
                         const BackendHints& hints);

// A JSON number field as int64 (0 when absent or not a number).
int64_t count_field(const nlohmann::json& object, const char* key);
// A JSON string field ("" when absent or not a string: servers send null freely).
std::string string_field(const nlohmann::json& object, const char* key);

// The backends' constructors (make_backend picks one).
std::unique_ptr<LlmBackend> make_ollama_backend(const BackendConfig& config, HttpClient& http);
std::unique_ptr<LlmBackend> make_anthropic_backend(const BackendConfig& config, HttpClient& http);
std::unique_ptr<LlmBackend> make_openai_backend(const BackendConfig& config, HttpClient& http);

}  // namespace z80lm
