#include "data/gen_session.h"

#include <fmt/core.h>

#include "data/ascii_text.h"
#include "data/llm_json.h"
#include "text/pairs.h"
#include "util/error.h"

namespace z80lm {

namespace {

// 1234567 → "1,234,567"
std::string thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

std::optional<std::string> normalize_query(std::string_view raw) {
  auto ascii = to_ascii(raw);
  if (!ascii) return std::nullopt;
  return to_lower_ascii(collapse_spaces(*ascii));
}

std::optional<std::string> normalize_answer(std::string_view raw) {
  auto ascii = to_ascii(raw);
  if (!ascii) return std::nullopt;
  return to_upper_ascii(collapse_spaces(*ascii));
}

GenSession::GenSession(LlmBackend& llm, GenOptions options, Sink sink, Log log)
    : llm_(llm), options_(options), sink_(std::move(sink)), log_(std::move(log)), rng_(options.prompt_seed) {}

void GenSession::add_known(std::string_view query) {
  if (auto q = normalize_query(query)) seen_.insert(*q);
}

std::optional<nlohmann::json> GenSession::ask(std::string_view what, const std::string& system,
                                              const std::string& prompt) {
  LlmRequest request{system, prompt, options_.max_tokens, options_.temperature, std::nullopt};
  if (options_.seed) request.seed = (*options_.seed + static_cast<uint64_t>(counters_.calls)) & 0x7FFFFFFFu;
  ++counters_.calls;
  LlmReply reply = llm_.complete(request);
  counters_.input_tokens += reply.input_tokens;
  counters_.output_tokens += reply.output_tokens;
  if (reply.truncated)
    note(fmt::format("reply {} ({}) hit --max-tokens {}; raise it if replies keep getting cut",
                     counters_.calls, what, options_.max_tokens));
  std::string why;
  if (auto json = extract_json(reply.text, &why)) {
    unusable_in_a_row_ = 0;
    return json;
  }
  ++counters_.unusable_replies;
  ++unusable_in_a_row_;
  note(fmt::format("reply {} ({}) has no usable JSON ({}): '{}'", counters_.calls, what, why,
                   one_line_excerpt(reply.text, 100)));
  if (unusable_in_a_row_ >= options_.stale_limit)
    throw Error(
        fmt::format("{} replies in a row had no usable JSON ({}); last reply: '{}'", unusable_in_a_row_, why,
                    one_line_excerpt(reply.text, 100)),
        "use a larger or instruction-tuned model, raise --max-tokens if replies are cut off, or check the "
        "server's chat template");
  return std::nullopt;
}

bool GenSession::emit(std::string_view query, std::string_view answer) {
  return !target_reached() && write(query, answer);
}

bool GenSession::emit_fixed(std::string_view query, std::string_view answer) {
  if (!write(query, answer)) return false;
  ++counters_.fixed_pairs;
  return true;
}

bool GenSession::write(std::string_view raw_query, std::string_view raw_answer) {
  auto query = normalize_query(raw_query);
  auto answer = normalize_answer(raw_answer);
  if (!query || !answer) {
    ++counters_.rejected_ascii;
    return false;
  }
  if (!line_field_problem(*query).empty() || !line_field_problem(*answer).empty() ||
      (!query->empty() && query->front() == '#')) {
    ++counters_.rejected_format;
    return false;
  }
  if (query->size() < 2 || query->size() > kMaxQueryChars || answer->empty() ||
      answer->size() > kMaxResponseChars) {
    ++counters_.rejected_length;
    return false;
  }
  if (!seen_.insert(*query).second) {
    ++counters_.duplicates;
    return false;
  }
  lines_.push_back(*query + "|" + *answer);
  ++counters_.written;
  return true;
}

void GenSession::reject_answer(std::string_view query, std::string_view answer) {
  ++counters_.rejected_answer;
  if (counters_.rejected_answer <= 5)
    note(fmt::format("dropped '{}|{}': not an allowed answer{}", one_line_excerpt(query, 60),
                     one_line_excerpt(answer, 40),
                     counters_.rejected_answer == 5 ? " (further ones counted silently)" : ""));
}

bool GenSession::end_batch(int64_t new_pairs) {
  ++counters_.batches;
  counters_.stale_batches = new_pairs > 0 ? 0 : counters_.stale_batches + 1;
  flush();
  note(fmt::format("{}/{} pairs (+{}), batch {}, tokens {} in / {} out{}", target_pairs(), options_.target,
                   new_pairs, counters_.batches, thousands(counters_.input_tokens),
                   thousands(counters_.output_tokens), cost_text()));
  if (counters_.stale_batches < options_.stale_limit) return true;
  if (target_pairs() == 0)
    throw Error(
        fmt::format("{} batches gave no usable pair ({} duplicates, {} not ASCII, {} malformed, {} too "
                    "long or short, {} with a wrong answer)",
                    counters_.batches, counters_.duplicates, counters_.rejected_ascii,
                    counters_.rejected_format, counters_.rejected_length, counters_.rejected_answer),
        "the model does not follow the prompt's JSON format; try a larger or instruction-tuned model");
  note(fmt::format("stopping: {} batches in a row without a new pair (the model seems exhausted)",
                   counters_.stale_batches));
  return false;
}

void GenSession::flush() {
  if (sink_) sink_(lines_, flushed_);
  flushed_ = lines_.size();
}

std::string GenSession::cost_text() const {
  if (options_.price_in <= 0 && options_.price_out <= 0) return "";
  double usd = (static_cast<double>(counters_.input_tokens) * options_.price_in +
                static_cast<double>(counters_.output_tokens) * options_.price_out) /
               1e6;
  return fmt::format(", ${:.4f}", usd);
}

void GenSession::finish() {
  flush();
  const auto& c = counters_;
  note(fmt::format(
      "wrote {} pairs ({} from the model, {} from templates) in {} LLM calls; tokens {} in + {} out = {}{}",
      c.written, target_pairs(), c.fixed_pairs, c.calls, thousands(c.input_tokens),
      thousands(c.output_tokens), thousands(c.input_tokens + c.output_tokens), cost_text()));
  note(
      fmt::format("skipped {} duplicate queries, {} not ASCII, {} malformed (a bar, a control byte, "
                  "a leading #), {} too long/short, {} wrong answers; {} unusable replies",
                  c.duplicates, c.rejected_ascii, c.rejected_format, c.rejected_length, c.rejected_answer,
                  c.unusable_replies));
}

}  // namespace z80lm
