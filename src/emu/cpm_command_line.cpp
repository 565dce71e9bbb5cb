#include "emu/cpm_command_line.h"

#include <fmt/core.h>

#include "util/error.h"

namespace z80lm::emu {

namespace {

uint8_t upper(char c) {
  return static_cast<uint8_t>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

// Fills `field` from `text` the CCP way: uppercase, '*' = '?' to the end, blank padding.
template <size_t N>
void fill_field(std::string_view text, uint8_t (&field)[N]) {
  size_t i = 0;
  for (char c : text) {
    if (i == N) break;
    if (c == '*') {
      while (i < N) field[i++] = '?';
      break;
    }
    field[i++] = upper(c);
  }
  while (i < N) field[i++] = ' ';
}

}  // namespace

std::array<uint8_t, 128> build_command_tail(std::span<const std::string> args) {
  std::string tail;
  for (const std::string& arg : args) {
    tail += ' ';
    for (char c : arg) tail += static_cast<char>(upper(c));
  }
  if (tail.size() > kMaxCommandTail)
    throw Error(
        fmt::format("command tail is {} characters; CP/M allows at most {}", tail.size(), kMaxCommandTail),
        "pass shorter arguments");
  std::array<uint8_t, 128> buffer{};
  buffer[0] = static_cast<uint8_t>(tail.size());
  for (size_t i = 0; i < tail.size(); ++i) buffer[1 + i] = static_cast<uint8_t>(tail[i]);
  return buffer;
}

std::array<uint8_t, 16> parse_fcb(std::string_view arg) {
  std::array<uint8_t, 16> fcb{};
  if (arg.size() >= 2 && arg[1] == ':') {
    const uint8_t drive = upper(arg[0]);
    if (drive >= 'A' && drive <= 'P') {
      fcb[0] = static_cast<uint8_t>(drive - 'A' + 1);
      arg.remove_prefix(2);
    }
  }
  const size_t dot = arg.find('.');
  uint8_t name[8];
  uint8_t type[3];
  fill_field(arg.substr(0, dot), name);
  fill_field(dot == std::string_view::npos ? std::string_view{} : arg.substr(dot + 1), type);
  std::copy(std::begin(name), std::end(name), fcb.begin() + 1);
  std::copy(std::begin(type), std::end(type), fcb.begin() + 9);
  return fcb;
}

}  // namespace z80lm::emu
