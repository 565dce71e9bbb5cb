// basic_program.h — tokenized ZX Spectrum 48K BASIC: the autorun loader and a reader for it.
//
//   std::vector<uint8_t> prog = autorun_loader({.clear = 0x5FFF, .usr = 0x6000});
//   // 10 CLEAR 24575: LOAD "" CODE : RANDOMIZE USR 24576
//   std::optional<uint16_t> entry = number_after_token(parse_basic_program(prog, "loader"), kTokenUsr);
//
// Format (as the ROM stores a program at PROG and SAVE writes it): lines of
//   line number (2 bytes, big-endian), length of the rest (2 bytes, little-endian, including
//   the final 0Dh), body, 0Dh.
// Keywords are single bytes A5h..FFh. A number literal is its ASCII digits followed by 0Eh
// and a 5-byte hidden value the interpreter actually uses; small integers (-65535..65535)
// use the integer form 00h, sign (00h/FFh), value low, value high, 00h.
// Invariants: every number we write is an integer 0..65535 whose digits and hidden value
// agree; parse_basic_program accepts exactly the line structure above.
// Not modelled: floating-point literals (5-byte exponent form), variables areas, 128K tokens.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace z80lm::zx {

// The keywords the loader uses (48K token values).
inline constexpr uint8_t kTokenCode = 0xAF;
inline constexpr uint8_t kTokenUsr = 0xC0;
inline constexpr uint8_t kTokenLoad = 0xEF;
inline constexpr uint8_t kTokenRandomize = 0xF9;
inline constexpr uint8_t kTokenClear = 0xFD;
inline constexpr uint8_t kNumberMarker = 0x0E;  // hidden 5-byte number follows
inline constexpr uint8_t kEndOfLine = 0x0D;
inline constexpr uint16_t kMaxLineNumber = 9999;

struct BasicLine {
  uint16_t number = 0;
  std::vector<uint8_t> body;  // tokens and characters, without the final 0Dh
};

// The digits of `value`, 0Eh, and its 5-byte integer form.
std::vector<uint8_t> basic_number(uint16_t value);
// Line number, length, body, 0Dh. Throws z80lm::Error for a line number above 9999.
std::vector<uint8_t> encode_basic_line(const BasicLine& line);

struct LoaderAddresses {
  uint16_t clear = 0;  // CLEAR value: the new RAMTOP, just below the code
  uint16_t usr = 0;    // where RANDOMIZE USR jumps
};
inline constexpr uint16_t kLoaderLine = 10;  // the loader's only line, and its autostart line

// 10 CLEAR clear: LOAD "" CODE : RANDOMIZE USR usr
std::vector<uint8_t> autorun_loader(const LoaderAddresses& addresses);

// Splits a program into lines. Throws z80lm::Error naming the byte offset of a line whose
// length runs past the end or that does not end in 0Dh.
std::vector<BasicLine> parse_basic_program(std::span<const uint8_t> program, std::string_view name);

// The hidden value of the first number literal after the first `token` in the program
// (e.g. kTokenUsr -> the USR address); std::nullopt if there is none or it is not an integer
// 0..65535.
std::optional<uint16_t> number_after_token(std::span<const BasicLine> lines, uint8_t token);

}  // namespace z80lm::zx
