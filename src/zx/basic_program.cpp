#include "zx/basic_program.h"

#include <fmt/core.h>

#include "util/error.h"

namespace z80lm::zx {

namespace {

constexpr size_t kHiddenNumberBytes = 5;

}  // namespace

std::vector<uint8_t> basic_number(uint16_t value) {
  std::vector<uint8_t> out;
  for (char digit : fmt::format("{}", value)) out.push_back(static_cast<uint8_t>(digit));
  out.push_back(kNumberMarker);
  // Integer form: 00h, sign 00h (positive), low, high, 00h.
  out.insert(out.end(),
             {0x00, 0x00, static_cast<uint8_t>(value & 0xFF), static_cast<uint8_t>(value >> 8), 0x00});
  return out;
}

std::vector<uint8_t> encode_basic_line(const BasicLine& line) {
  if (line.number > kMaxLineNumber)
    throw Error(fmt::format("BASIC line number {} is above {}", line.number, kMaxLineNumber),
                "use line numbers 0..9999");
  const size_t length = line.body.size() + 1;
  std::vector<uint8_t> out = {static_cast<uint8_t>(line.number >> 8),
                              static_cast<uint8_t>(line.number & 0xFF), static_cast<uint8_t>(length & 0xFF),
                              static_cast<uint8_t>(length >> 8)};
  out.insert(out.end(), line.body.begin(), line.body.end());
  out.push_back(kEndOfLine);
  return out;
}

std::vector<uint8_t> autorun_loader(const LoaderAddresses& addresses) {
  BasicLine line{kLoaderLine, {}};
  auto append = [&line](std::initializer_list<uint8_t> bytes) { line.body.insert(line.body.end(), bytes); };
  auto append_number = [&line](uint16_t value) {
    const std::vector<uint8_t> n = basic_number(value);
    line.body.insert(line.body.end(), n.begin(), n.end());
  };
  append({kTokenClear});
  append_number(addresses.clear);
  append({':', kTokenLoad, '"', '"', kTokenCode, ':', kTokenRandomize, kTokenUsr});
  append_number(addresses.usr);
  return encode_basic_line(line);
}

std::vector<BasicLine> parse_basic_program(std::span<const uint8_t> program, std::string_view name) {
  std::vector<BasicLine> lines;
  size_t offset = 0;
  while (offset < program.size()) {
    if (program.size() - offset < 4)
      throw Error(fmt::format("{}: BASIC line at byte {} is cut off", name, offset),
                  "the program is damaged");
    BasicLine line;
    line.number = static_cast<uint16_t>((program[offset] << 8) | program[offset + 1]);
    const size_t length = program[offset + 2] | (program[offset + 3] << 8);
    if (length == 0 || program.size() - offset - 4 < length)
      throw Error(fmt::format("{}: BASIC line {} at byte {}: length {} runs past the end of the program",
                              name, line.number, offset, length),
                  "the program is damaged");
    if (program[offset + 4 + length - 1] != kEndOfLine)
      throw Error(fmt::format("{}: BASIC line {} at byte {} does not end in 0Dh", name, line.number, offset),
                  "the program is damaged");
    line.body.assign(program.begin() + static_cast<ptrdiff_t>(offset + 4),
                     program.begin() + static_cast<ptrdiff_t>(offset + 4 + length - 1));
    lines.push_back(std::move(line));
    offset += 4 + length;
  }
  return lines;
}

std::optional<uint16_t> number_after_token(std::span<const BasicLine> lines, uint8_t token) {
  for (const BasicLine& line : lines) {
    const std::vector<uint8_t>& b = line.body;
    bool after_token = false;
    for (size_t i = 0; i < b.size(); ++i) {
      if (b[i] == token) after_token = true;
      if (b[i] != kNumberMarker) continue;
      if (b.size() - i - 1 < kHiddenNumberBytes) return std::nullopt;
      if (after_token) {
        const uint8_t* n = &b[i + 1];
        if (n[0] != 0x00 || n[1] != 0x00 || n[4] != 0x00) return std::nullopt;  // not a positive integer
        return static_cast<uint16_t>(n[2] | (n[3] << 8));
      }
      i += kHiddenNumberBytes;  // skip the hidden bytes: they may contain any value
    }
  }
  return std::nullopt;
}

}  // namespace z80lm::zx
