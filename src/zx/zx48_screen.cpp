#include "zx/zx48_screen.h"

#include <fmt/core.h>
#include <zlib.h>

#include <array>

#include "util/error.h"

namespace z80lm::zx {

namespace {

constexpr uint32_t kWidth = 256;
constexpr uint32_t kHeight = 192;
constexpr size_t kBitmapBytes = 6144;
constexpr size_t kColumns = 32;
constexpr size_t kRows = 24;

size_t bitmap_offset(uint32_t y, size_t column) {
  return ((y & 0xC0) << 5) | ((y & 7) << 8) | ((y & 0x38) << 2) | column;
}

void check_size(std::span<const uint8_t> screen) {
  if (screen.size() != kScreenMemoryBytes)
    throw Error(fmt::format("screen memory has {} bytes, expected {}", screen.size(), kScreenMemoryBytes),
                "pass the 6912 bytes from 4000h");
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_chunk(std::vector<uint8_t>& out, const char (&type)[5], std::span<const uint8_t> data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0, out.data() + start, static_cast<uInt>(out.size() - start));
  put_be32(out, static_cast<uint32_t>(crc));
}

}  // namespace

std::vector<uint8_t> encode_png_rgb(uint32_t width, uint32_t height, std::span<const uint8_t> rgb) {
  if (rgb.size() != static_cast<size_t>(width) * height * 3)
    throw Error(fmt::format("PNG: {} bytes of pixels for {} x {} RGB", rgb.size(), width, height),
                "internal error");
  std::vector<uint8_t> rows;  // each row: filter type 0, then its pixels
  rows.reserve(rgb.size() + height);
  for (uint32_t y = 0; y < height; ++y) {
    rows.push_back(0);
    rows.insert(rows.end(), rgb.begin() + static_cast<ptrdiff_t>(y) * width * 3,
                rgb.begin() + static_cast<ptrdiff_t>(y + 1) * width * 3);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(rows.size()));
  std::vector<uint8_t> packed(packed_size);
  if (compress2(packed.data(), &packed_size, rows.data(), static_cast<uLong>(rows.size()),
                Z_BEST_COMPRESSION) != Z_OK)
    throw Error("PNG: zlib compression failed", "internal error");
  packed.resize(packed_size);

  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> header;
  put_be32(header, width);
  put_be32(header, height);
  header.insert(header.end(), {8, 2, 0, 0, 0});  // 8 bits, RGB, deflate, no filter set, no interlace
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", {});
  return out;
}

std::vector<uint8_t> screen_png(std::span<const uint8_t> screen) {
  check_size(screen);
  std::vector<uint8_t> rgb(static_cast<size_t>(kWidth) * kHeight * 3);
  for (uint32_t y = 0; y < kHeight; ++y) {
    for (size_t column = 0; column < kColumns; ++column) {
      const uint8_t bits = screen[bitmap_offset(y, column)];
      const uint8_t attribute = screen[kBitmapBytes + (y / 8) * kColumns + column];
      const uint8_t level = (attribute & 0x40) ? 0xFF : 0xD7;
      for (int bit = 0; bit < 8; ++bit) {
        const int colour = (bits & (0x80 >> bit)) ? attribute & 7 : (attribute >> 3) & 7;
        uint8_t* pixel = &rgb[(static_cast<size_t>(y) * kWidth + column * 8 + static_cast<size_t>(bit)) * 3];
        pixel[0] = (colour & 2) ? level : 0;  // colour bits: 1 blue, 2 red, 4 green
        pixel[1] = (colour & 4) ? level : 0;
        pixel[2] = (colour & 1) ? level : 0;
      }
    }
  }
  return encode_png_rgb(kWidth, kHeight, rgb);
}

std::vector<std::string> screen_text(std::span<const uint8_t> screen, std::span<const uint8_t> font) {
  check_size(screen);
  if (font.size() != kFontBytes)
    throw Error(fmt::format("font has {} bytes, expected {}", font.size(), kFontBytes),
                "pass 96 glyphs of 8 bytes");
  std::vector<std::string> lines;
  for (size_t row = 0; row < kRows; ++row) {
    std::string line;
    for (size_t column = 0; column < kColumns; ++column) {
      std::array<uint8_t, 8> cell{};
      for (uint32_t k = 0; k < 8; ++k)
        cell[k] = screen[bitmap_offset(static_cast<uint32_t>(row * 8 + k), column)];
      char found = '?';
      for (size_t c = 0; c < 96 && found == '?'; ++c) {
        bool same = true, inverse = true;
        for (size_t k = 0; k < 8; ++k) {
          same = same && cell[k] == font[c * 8 + k];
          inverse = inverse && cell[k] == static_cast<uint8_t>(~font[c * 8 + k]);
        }
        if (same || inverse) found = static_cast<char>(0x20 + c);
      }
      line += found;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace z80lm::zx
