#include "zx/zx48_memory_map.h"

#include <fmt/core.h>

#include <algorithm>

namespace z80lm::zx {

Zx48Placement place_zx48_program(uint32_t span_bytes) {
  Zx48Placement p;
  p.span = span_bytes;
  const uint32_t room = kHighestEnd - kLowestOrigin;
  if (span_bytes > room) {
    p.origin = kLowestOrigin;
    p.end = kLowestOrigin + span_bytes;
    p.problem = fmt::format(
        "the program needs {} bytes (image, buffers and stack) but a 48K Spectrum has {} bytes free for it "
        "({:04X}h-{:04X}h, between the BASIC loader and the UDGs): {} bytes too many",
        span_bytes, room, kLowestOrigin, kHighestEnd - 1, span_bytes - room);
  } else {
    p.origin = static_cast<uint16_t>((kHighestEnd - span_bytes) & ~uint32_t{0xFF});
    p.end = p.origin + span_bytes;
  }
  p.contended_bytes = p.origin < kContendedEnd ? std::min(p.end, kContendedEnd) - p.origin : 0;
  return p;
}

std::string format_zx48_map(const Zx48Placement& placement) {
  std::string out;
  auto row = [&](uint32_t start, uint32_t end, std::string_view what) {
    if (end > start)
      out += fmt::format("  {:04X}h-{:04X}h {:6} bytes  {}\n", start, end - 1, end - start, what);
  };
  row(0x0000, kRomBytes, "ROM");
  row(kScreen, kAttributes, "screen bitmap (contended)");
  row(kAttributes, kPrinterBuffer, "screen attributes (contended)");
  row(kPrinterBuffer, kSystemVariables, "printer buffer (contended)");
  row(kSystemVariables, kChans, "system variables (contended)");
  row(kChans, kProg, "channel information (contended)");
  row(kProg, placement.origin, "BASIC loader, its workspace and stack; RAMTOP at the end (contended)");
  row(placement.origin, placement.end,
      placement.contended_bytes == 0 ? std::string("our program: image, buffers, stack")
                                     : fmt::format("our program: image, buffers, stack ({} bytes contended)",
                                                   placement.contended_bytes));
  row(placement.end, kUdg, "free");
  row(kUdg, kRamEnd, "user-defined graphics");
  return out;
}

}  // namespace z80lm::zx
