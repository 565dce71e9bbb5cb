#include "util/printable.h"

#include <fmt/core.h>

namespace z80lm {

namespace {
bool plain(unsigned char c) {
  return c >= 0x20 && c <= 0x7E && c != '\\';
}
}  // namespace

std::string printable(std::string_view bytes, size_t max_bytes) {
  const bool cut = max_bytes != 0 && bytes.size() > max_bytes;
  const std::string_view shown = cut ? bytes.substr(0, max_bytes) : bytes;
  std::string out;
  out.reserve(shown.size());
  for (char ch : shown) {
    const auto c = static_cast<unsigned char>(ch);
    if (plain(c))
      out += ch;
    else if (c == '\\')
      out += "\\\\";
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (cut) out += fmt::format("... ({} bytes)", bytes.size());
  return out;
}

bool is_printable(std::string_view bytes) {
  for (char ch : bytes)
    if (!plain(static_cast<unsigned char>(ch))) return false;
  return true;
}

}  // namespace z80lm
