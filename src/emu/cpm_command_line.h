// cpm_command_line.h — what the CP/M 2.2 CCP leaves in page zero for a program's arguments.
//
//   auto tail = build_command_tail({"hello", "there"});   // {12, ' ','H','E','L','L','O',' ','T',...}
//   auto fcb = parse_fcb("b:notes.txt");                  // {2, 'N','O','T','E','S',' ',' ','
//   ','T','X','T',0,0,0,0,0}
//
// Invariants: the command tail is what the CCP copies to 0080h: a length byte, then the
// arguments joined by single spaces with the leading space the CCP keeps, uppercased; unused
// bytes are zero. A tail longer than 127 characters is an error (the CCP's buffer holds 127).
// An FCB is the 16 bytes the CCP writes at 005Ch/006Ch: drive (0 = default, 1 = A: .. 16 = P:),
// 8-byte name and 3-byte type, uppercased and blank padded, '*' filled with '?', then EX, S1,
// S2, RC zeroed. Over-long names and types are cut to 8 and 3 characters, as the CCP does.
//
// Not modelled: the CCP's other delimiters (= _ < > , ; inside one argument); arguments come
// from the host's argv, already split at spaces. User numbers in drive specifiers.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace z80lm::emu {

inline constexpr size_t kMaxCommandTail = 127;

std::array<uint8_t, 128> build_command_tail(std::span<const std::string> args);  // throws z80lm::Error
std::array<uint8_t, 16> parse_fcb(std::string_view arg);  // an empty arg gives a blank FCB

}  // namespace z80lm::emu
