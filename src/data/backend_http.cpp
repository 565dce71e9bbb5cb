#include "data/backend_http.h"

#include <fmt/core.h>

#include "data/ascii_text.h"
#include "util/error.h"

namespace z80lm {

std::string join_url(std::string base, const std::string& path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0 && path.rfind("/v1/", 0) == 0)
    return base + path.substr(3);
  return base + path;
}

int64_t count_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

namespace {

// The server's own error message: {"error": "..."} (Ollama) or {"error": {"message": ...}}
// (Anthropic, OpenAI), else the start of the body.
std::string server_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const auto& e = j["error"];
    if (e.is_string()) return one_line_excerpt(e.get<std::string>(), 300);
    if (e.is_object() && e.contains("message") && e["message"].is_string())
      return one_line_excerpt(e["message"].get<std::string>(), 300);
  }
  return one_line_excerpt(body, 160);
}

}  // namespace

nlohmann::json post_json(HttpClient& http, const BackendConfig& config, const std::string& url,
                         std::vector<std::pair<std::string, std::string>> headers, const nlohmann::json& body,
                         const BackendHints& hints) {
  headers.emplace_back("Content-Type", "application/json");
  HttpRequest request{url, std::move(headers), body.dump(), config.timeout_seconds};
  HttpResponse r = post_with_retry(http, request, config.retry, config.log);
  const int attempts = is_retryable(r) ? config.retry.retries + 1 : 0;
  const std::string after = attempts ? fmt::format(" (after {} attempts)", attempts) : "";
  switch (r.failure) {
    case HttpFailure::connect:
      throw Error(fmt::format("cannot reach {}: {}", url, r.error), hints.unreachable);
    case HttpFailure::timeout:
      throw Error(fmt::format("{}: no reply within {:g} s{}", url, config.timeout_seconds, after),
                  "raise --timeout (a big model on a CPU can need minutes per reply) or --retries");
    case HttpFailure::other:
      throw Error(fmt::format("{}: {}{}", url, r.error, after),
                  "check --base-url; the server may have crashed");
    case HttpFailure::too_large:
      throw Error(fmt::format("{}: {}", url, r.error),
                  "check --base-url: that server does not answer like an LLM API");
    case HttpFailure::none:
      break;
  }
  if (r.status < 200 || r.status > 299) {
    std::string what = fmt::format("{}: HTTP {}{}: {}", url, r.status, after, server_message(r.body));
    if (r.status == 401 || r.status == 403) throw Error(what, hints.auth);
    if (r.status == 404) throw Error(what, hints.not_found);
    if (r.status == 429) throw Error(what, "rate limited: wait a while, or raise --retries");
    if (r.status >= 500) throw Error(what, "the server keeps failing: try again later, or raise --retries");
    throw Error(what, "check --model and --base-url");
  }
  if (r.body.empty())
    throw Error(fmt::format("{}: HTTP {} with an empty body", url, r.status),
                fmt::format("is {} really a {} server? check --base-url", url, backend_name(config.kind)));
  auto reply = nlohmann::json::parse(r.body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object())
    throw Error(fmt::format("{}: reply is not a JSON object: '{}'", url, one_line_excerpt(r.body, 160)),
                fmt::format("is {} really a {} server? check --base-url", url, backend_name(config.kind)));
  return reply;
}

}  // namespace z80lm
