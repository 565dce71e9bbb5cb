#include "text/charset.h"

#include <fmt/core.h>

#include <array>

namespace z80lm {

std::string build_charset(const std::vector<Pair>& pairs) {
  std::array<bool, 256> seen{};
  for (const auto& p : pairs)
    for (char c : p.response) seen[static_cast<unsigned char>(c)] = true;
  std::string cs;
  if (seen[' ']) cs += ' ';
  auto add_group = [&](auto belongs) {
    for (int c = 0x21; c < 0x7F; ++c)
      if (seen[c] && belongs(c)) cs += static_cast<char>(c);
  };
  add_group([](int c) { return c >= 'A' && c <= 'Z'; });
  add_group([](int c) { return c >= '0' && c <= '9'; });
  add_group([](int c) { return !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9'); });
  cs += kEndSymbol;
  return cs;
}

int charset_index(std::string_view charset, char c) {
  size_t i = charset.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

std::string charset_problem(std::string_view charset) {
  if (charset.size() < 2 || charset.size() > kMaxCharset)
    return fmt::format("charset has {} symbols, expected 2..{}", charset.size(), kMaxCharset);
  if (charset.back() != kEndSymbol) return "charset does not end with the end symbol (NUL)";
  std::array<bool, 256> seen{};
  for (size_t i = 0; i + 1 < charset.size(); ++i) {
    auto c = static_cast<unsigned char>(charset[i]);
    if (c < 0x20 || c > 0x7E) return fmt::format("charset symbol {} is byte 0x{:02X}, not printable ASCII", i, c);
    if (seen[c]) return fmt::format("charset symbol {} ('{}') appears twice", i, static_cast<char>(c));
    seen[c] = true;
  }
  return {};
}

std::string charset_display(std::string_view charset) {
  std::string out;
  for (char c : charset) out += c == kEndSymbol ? std::string("<end>") : std::string(1, c);
  return out;
}

}  // namespace z80lm
