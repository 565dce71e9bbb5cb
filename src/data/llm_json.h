// llm_json.h — reading the JSON an LLM meant to write.
//
//   std::string why;
//   auto j = z80lm::extract_json("Sure!\n```json\n{\"pairs\": [...],}\n```", &why);
//   for (auto& p : z80lm::json_pairs(*j)) use(p.query, p.answer);
//   for (auto& s : z80lm::json_strings(*j, {"questions"})) use(s);
//
// extract_json tries, in order, and returns the first value that parses:
// (a reply longer than limits::kLlmReplyBytes is refused: nullopt)
// 1. the whole reply, with <think>...</think> blocks removed;
// 2. the inside of the first ``` fence (any info string, e.g. ```json);
// 3. every {...} or [...] from left to right (strings and escapes respected), so prose
//    before and after the JSON does not matter: as written, then with trailing commas
//    removed (`[1, 2,]`); one cut off by the token limit is closed after its last complete
//    element.
// The readers are lenient about shape: the list may sit under any of the expected keys,
// under the only key, or be the top-level value; a string where a list is expected is
// split into lines (and at commas for word lists), bulleted or numbered or not; numbers
// become their decimal text; booleans become YES/NO answers; an object mapping query to
// answer is read as pairs. Items that are neither are skipped, never thrown at.
// Not modelled: single-quoted (Python-style) JSON, JSON5 comments.
#pragma once
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace z80lm {

// nullopt when nothing parses; `why` (optional) then says so in a few words.
std::optional<nlohmann::json> extract_json(std::string_view reply, std::string* why = nullptr);

enum class ListStyle {
  lines,  // a string is split at newlines and ';' (questions may contain commas)
  words,  // also at commas (lists of single words or short names)
};

// The strings of the list found under one of `keys` (see above).
std::vector<std::string> json_strings(const nlohmann::json& value, std::initializer_list<const char*> keys,
                                      ListStyle style = ListStyle::lines);

struct RawPair {
  std::string query;
  std::string answer;
};

// Question/answer pairs: objects {"q"|"question"|"query"|"message"|"user": ..., "a"|"answer"|
// "response"|"reply": ...}, two-element arrays [q, a], or an object {query: answer, ...}.
std::vector<RawPair> json_pairs(const nlohmann::json& value);

}  // namespace z80lm
