// zx48_screen.h — the Spectrum's screen memory as a picture (PNG) and as text (for tests).
//
//   std::vector<uint8_t> png = screen_png(screen);                 // screen: 6912 bytes from 4000h
//   std::vector<std::string> lines = screen_text(screen, font);    // font: 768 bytes (ROM 3D00h)
//
// Layout (the ULA's): pixel row y (0..191) of character column x (0..31) is the bitmap byte at
// ((y & C0h) << 5) | ((y & 7) << 8) | ((y & 38h) << 2) | x, bit 7 leftmost; the 32 x 24
// attribute bytes follow at 1800h: bits 0-2 ink, 3-5 paper, 6 bright, 7 flash.
// screen_png draws 256 x 192 pixels (no border), flash shown as not flashing, in the usual
// palette (D7h for normal, FFh for bright). screen_text reads each 8 x 8 cell back as the
// character 20h..7Fh whose glyph in `font` matches it, ink or paper either way round; a blank
// cell is ' ', an unknown one '?'; trailing spaces of each of the 24 lines are dropped.
// Not modelled: the border, flash timing, UDGs and block graphics in screen_text.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace z80lm::zx {

inline constexpr size_t kScreenMemoryBytes = 6912;  // bitmap 6144 + attributes 768
inline constexpr size_t kFontBytes = 96 * 8;        // characters 20h..7Fh, 8 bytes each

// Throws z80lm::Error unless screen.size() == kScreenMemoryBytes.
std::vector<uint8_t> screen_png(std::span<const uint8_t> screen);
std::vector<std::string> screen_text(std::span<const uint8_t> screen, std::span<const uint8_t> font);

// A minimal PNG (8-bit RGB, no interlace, one zlib IDAT): `rgb` is (height, width, 3).
std::vector<uint8_t> encode_png_rgb(uint32_t width, uint32_t height, std::span<const uint8_t> rgb);

}  // namespace z80lm::zx
