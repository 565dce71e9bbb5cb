#include "msx/msx_screen.h"

#include <fmt/core.h>

#include "util/error.h"
#include "zx/zx48_screen.h"

namespace z80lm::msx {

namespace {

// The TMS9918's 16 colours (0 transparent shown as black), 8-bit RGB.
constexpr uint8_t kPalette[16][3] = {{0, 0, 0},     {0, 0, 0},       {33, 200, 66},   {94, 220, 120},
                                     {84, 85, 237}, {125, 118, 252}, {212, 82, 77},   {66, 235, 245},
                                     {252, 85, 84}, {255, 121, 120}, {212, 193, 84},  {230, 206, 128},
                                     {33, 176, 59}, {201, 91, 186},  {204, 204, 204}, {255, 255, 255}};
constexpr uint32_t kBorder = 8;

}  // namespace

std::vector<std::string> text40_lines(std::span<const uint8_t> name_table) {
  std::vector<std::string> lines;
  for (int row = 0; row < kText40Rows; ++row) {
    std::string line;
    for (int col = 0; col < kText40Columns; ++col) {
      const size_t i = static_cast<size_t>(row * kText40Columns + col);
      const uint8_t c = i < name_table.size() ? name_table[i] : uint8_t{' '};
      line += c >= 0x20 && c <= 0x7E ? static_cast<char>(c) : '?';
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<uint8_t> text40_png(std::span<const uint8_t> name_table, std::span<const uint8_t> patterns,
                                uint8_t colours) {
  if (name_table.size() < kText40NameBytes || patterns.size() < kPatternBytes)
    throw Error(fmt::format("screen 0 needs {} bytes of name table and {} of patterns, got {} and {}",
                            kText40NameBytes, kPatternBytes, name_table.size(), patterns.size()),
                "dump VRAM from the name table and pattern generator table addresses");
  const uint32_t width = kText40Columns * 6 + 2 * kBorder, height = kText40Rows * 8 + 2 * kBorder;
  const uint8_t* fg = kPalette[colours >> 4];
  const uint8_t* bg = kPalette[colours & 15];
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      bool on = false;
      if (x >= kBorder && x < width - kBorder && y >= kBorder && y < height - kBorder) {
        const uint32_t cx = (x - kBorder) / 6, px = (x - kBorder) % 6, cy = (y - kBorder) / 8,
                       py = (y - kBorder) % 8;
        const uint8_t code = name_table[cy * kText40Columns + cx];
        on = (patterns[code * 8u + py] >> (7 - px)) & 1;
      }
      const uint8_t* c = on ? fg : bg;
      for (int k = 0; k < 3; ++k)
        rgb[(static_cast<size_t>(y) * width + x) * 3 + static_cast<size_t>(k)] = c[k];
    }
  return zx::encode_png_rgb(width, height, rgb);
}

}  // namespace z80lm::msx
