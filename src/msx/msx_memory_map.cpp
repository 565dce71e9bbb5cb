#include "msx/msx_memory_map.h"

#include <fmt/core.h>

#include <algorithm>

namespace z80lm::msx {

MsxPlacement place_msx_program(uint32_t span_bytes) {
  MsxPlacement p;
  p.span = span_bytes;
  const uint32_t room = kRamTop - kRamLow;
  if (span_bytes > room) {
    p.origin = kRamLow;
    p.end = kRamLow + span_bytes;
    p.problem = fmt::format(
        "the program needs {} bytes (image, buffers and stack) but an MSX with 64 KB has {} bytes of RAM "
        "for it ({:04X}h-{:04X}h, between the BIOS and its work area): {} bytes too many",
        span_bytes, room, kRamLow, kRamTop - 1, span_bytes - room);
  } else {
    p.origin = static_cast<uint16_t>((kRamTop - span_bytes) & ~uint32_t{0xFF});
    p.end = p.origin + span_bytes;
  }
  return p;
}

MsxRomLayout msx_rom_layout(uint32_t origin, uint32_t image_end) {
  MsxRomLayout layout;
  for (uint32_t i = 0; i < 3; ++i) {
    const uint32_t page_start = kRamLow + i * kPageBytes;
    const uint32_t start = std::max(origin, page_start);
    const uint32_t end = std::min(image_end, page_start + kPageBytes);
    layout.parts[i] = {.ram_start = start, .bytes = end > start ? end - start : 0, .bank = i + 1};
  }
  return layout;
}

std::string format_msx_map(const MsxPlacement& placement) {
  std::string out;
  auto row = [&](uint32_t start, uint32_t end, std::string_view what) {
    if (end > start)
      out += fmt::format("  {:04X}h-{:04X}h {:6} bytes  {}\n", start, end - 1, end - start, what);
  };
  row(0x0000, kBiosBytes, "BIOS ROM (slot 0)");
  row(kRamLow, placement.origin, "free RAM");
  row(placement.origin, placement.end, "our program: image, buffers, stack (RAM, copied from the cartridge)");
  row(placement.end, kRamTop, "free RAM");
  row(kRamTop, 0x10000, "BIOS work area and hooks");
  return out;
}

}  // namespace z80lm::msx
