#include "z80/asm_part.h"

#include <fmt/core.h>

#include <cctype>
#include <vector>

namespace z80lm::z80 {

std::string hex8(uint8_t v) {
  return fmt::format("{:03X}h", v);
}

std::string hex16(uint16_t v) {
  return fmt::format("{:05X}h", v);
}

std::string db_lines(std::span<const uint8_t> bytes, std::string_view label, int per_line) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += static_cast<size_t>(per_line)) {
    out += fmt::format("{:<7} DB   ", i == 0 && !label.empty() ? std::string(label) + ":" : "");
    for (size_t k = i; k < bytes.size() && k < i + static_cast<size_t>(per_line); ++k)
      out += (k == i ? "" : ",") + hex8(bytes[k]);
    out += "\n";
  }
  return out;
}

std::string db_text(std::string_view bytes) {
  // Quoted runs of letters, digits and spaces; numbers for everything else, so that no
  // quote, semicolon or backslash ever depends on how pasmo lexes strings.
  std::vector<std::string> items;
  bool in_run = false;
  for (char ch : bytes) {
    auto c = static_cast<uint8_t>(ch);
    bool printable = std::isalnum(c) || c == ' ';
    if (!printable)
      items.push_back(hex8(c));
    else if (in_run)
      items.back().insert(items.back().size() - 1, 1, ch);
    else
      items.push_back(fmt::format("\"{}\"", ch));
    in_run = printable;
  }
  std::string out = "        DB   ";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "\n";
}

std::string equ_line(std::string_view name, std::string_view value, std::string_view comment) {
  std::string line = fmt::format("{:<16}EQU  {}", name, value);
  if (!comment.empty()) line = fmt::format("{:<38}; {}", line, comment);
  return line + "\n";
}

}  // namespace z80lm::z80
