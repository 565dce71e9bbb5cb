// msx_screen.h — the MSX's screen 0 (TEXT1, 40 x 24) as text and as a picture (PNG), from VRAM.
//
//   std::vector<std::string> lines = text40_lines(name_table);          // 960 bytes
//   std::vector<uint8_t> png = text40_png(name_table, patterns, 0xF4);  // patterns: 2048 bytes
//
// For tests and docs: openMSX's Tcl console dumps the name table and the pattern generator table
// (VDP registers 2 and 4 say where), and these turn them into what the user sees. Each character
// is 6 x 8 pixels (the top 6 bits of each pattern byte), so the picture is 240 x 192, plus an
// 8-pixel border in the background colour. `colours` is VDP register 7: foreground in the top 4
// bits, background in the low 4, TMS9918 palette.
// Not modelled: other screen modes, the cursor (C-BIOS draws it in the name table anyway).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace z80lm::msx {

inline constexpr int kText40Columns = 40;
inline constexpr int kText40Rows = 24;
inline constexpr uint32_t kText40NameBytes = kText40Columns * kText40Rows;  // 960
inline constexpr uint32_t kPatternBytes = 256 * 8;

// 24 lines, trailing spaces removed; bytes outside 20h-7Eh become '?'.
std::vector<std::string> text40_lines(std::span<const uint8_t> name_table);

// Throws z80lm::Error when the tables are shorter than kText40NameBytes / kPatternBytes.
std::vector<uint8_t> text40_png(std::span<const uint8_t> name_table, std::span<const uint8_t> patterns,
                                uint8_t colours);

}  // namespace z80lm::msx
