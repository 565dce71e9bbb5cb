// gen_session.h — the bookkeeping of one `z80lm data gen` run, shared by every mode:
// LLM calls with token/cost accounting, cleaning and deduplicating pairs, the target
// count, stale-batch detection, progress, and handing finished lines to the output.
//
//   z80lm::GenSession s(llm, options, sink, log);
//   while (!s.target_reached()) {
//     int64_t before = s.written();
//     if (auto j = s.ask("Q&A batch", system, prompt))
//       for (auto& p : z80lm::json_pairs(*j)) s.emit(p.query, p.answer);
//     if (!s.end_batch(s.written() - before)) break;   // stale: the model is exhausted
//   }
//   s.emit_fixed("hello", "IDK");                       // template lines come on top of the target
//   s.finish();
//
// Invariants:
// - Every written line is `query|ANSWER`, printable ASCII (ascii_text.h), no '|' in the
//   query or the answer, query 2..60 bytes lower-cased with single spaces and not starting
//   with '#', answer 1..50 bytes upper-cased: `parse_pairs` reads it back unchanged.
// - A query (compared lower-cased) is written at most once per run, whatever its answer;
//   queries passed to add_known() count as already written.
// - Exactly `target` pairs come from emit() unless the model runs dry first: once the
//   target is reached emit() writes nothing more. emit_fixed() lines (templates) are not
//   counted against the target and are always written.
// - `ask` returns nullopt for a reply without usable JSON and throws z80lm::Error once
//   `stale_limit` replies in a row were unusable; `end_batch` returns false once
//   `stale_limit` batches in a row wrote nothing, and throws if no batch ever wrote anything.
// - The sink gets all lines so far plus the index of the first new one after every batch
//   and at finish(), so a file can be rewritten atomically and stdout streamed.
// - Backend seeds are (seed + call number) mod 2^31, so repeated prompts still differ.
// Not modelled: concurrency (one request at a time), persistence of the dedupe set.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "data/llm_backend.h"
#include "util/rng.h"

namespace z80lm {

struct GenOptions {
  int64_t target = 100;   // pairs to write (LLM-written pairs and their variants)
  int stale_limit = 5;    // batches in a row without a new pair before stopping
  int max_tokens = 1024;  // per reply
  double temperature = 0.8;
  std::optional<uint64_t> seed;  // when set, passed on to backends that accept one
  uint64_t prompt_seed = 42;     // drives the prompt choices (categories, intents)
  double price_in = 0;           // USD per million input tokens (0 = unknown)
  double price_out = 0;          // USD per million output tokens
};

struct GenCounters {
  int64_t written = 0;
  int64_t duplicates = 0;
  int64_t rejected_ascii = 0;   // no sensible ASCII spelling
  int64_t rejected_format = 0;  // '|', control bytes, a leading '#'
  int64_t rejected_length = 0;
  int64_t rejected_answer = 0;  // not an allowed answer for the mode
  int64_t calls = 0;
  int64_t unusable_replies = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t batches = 0;
  int64_t stale_batches = 0;  // in a row, at the moment
  int64_t fixed_pairs = 0;    // written by emit_fixed (templates), not counted in the target
};

class GenSession {
 public:
  using Sink = std::function<void(const std::vector<std::string>& lines, size_t first_new)>;
  using Log = std::function<void(const std::string& line)>;

  GenSession(LlmBackend& llm, GenOptions options, Sink sink, Log log);

  void add_known(std::string_view query);
  std::optional<nlohmann::json> ask(std::string_view what, const std::string& system,
                                    const std::string& prompt);
  bool emit(std::string_view query, std::string_view answer);
  bool emit_fixed(std::string_view query, std::string_view answer);
  void reject_answer(std::string_view query, std::string_view answer);
  int64_t target_pairs() const { return counters_.written - counters_.fixed_pairs; }
  bool target_reached() const { return target_pairs() >= options_.target; }
  bool end_batch(int64_t new_pairs);
  void note(const std::string& line) { log_("gen: " + line); }
  void finish();

  int64_t written() const { return counters_.written; }
  const GenCounters& counters() const { return counters_; }
  const GenOptions& options() const { return options_; }
  Rng& rng() { return rng_; }

 private:
  bool write(std::string_view query, std::string_view answer);
  void flush();
  std::string cost_text() const;

  LlmBackend& llm_;
  GenOptions options_;
  Sink sink_;
  Log log_;
  Rng rng_;
  GenCounters counters_;
  int64_t unusable_in_a_row_ = 0;
  std::unordered_set<std::string> seen_;
  std::vector<std::string> lines_;
  size_t flushed_ = 0;
};

// The query as the session stores and compares it: ASCII, lower-cased, single spaces.
std::optional<std::string> normalize_query(std::string_view raw);
// The answer as written: ASCII, upper-cased, single spaces.
std::optional<std::string> normalize_answer(std::string_view raw);

}  // namespace z80lm
