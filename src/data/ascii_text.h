// ascii_text.h — making LLM-written text safe for query|response lines.
//
//   auto q = z80lm::to_ascii("Is it “big”… or tiny?");   // "Is it \"big\"... or tiny?"
//   auto bad = z80lm::to_ascii("is it 🐘?");              // nullopt: nothing sensible to map
//   std::string why = z80lm::line_field_problem("a|b");  // "contains '|'"
//
// to_ascii decodes UTF-8 and transliterates what has an obvious ASCII spelling: typographic
// quotes, dashes and spaces, the ellipsis, the Latin-1 letters and common Latin Extended-A
// letters (é → e, ß → ss, Œ → OE); zero-width characters and soft hyphens vanish. Any other
// code point, or malformed UTF-8, makes the whole text unusable (nullopt): dropping an emoji
// or a CJK word silently would change what the line means.
// line_field_problem names why a text cannot be one side of a training line ('|', a
// control byte, a non-ASCII byte), or returns "". collapse_spaces trims and squeezes runs
// of spaces to one. one_line_excerpt shows untrusted text in a message: at most `limit`
// bytes, line breaks and tabs as spaces, every other byte outside printable ASCII escaped
// as \xNN (util/printable.h), "..." when cut.
// Not modelled: any Unicode normalisation beyond this table.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace z80lm {

std::optional<std::string> to_ascii(std::string_view utf8);
std::string line_field_problem(std::string_view text);
std::string collapse_spaces(std::string_view text);
std::string one_line_excerpt(std::string_view text, size_t limit);

}  // namespace z80lm
