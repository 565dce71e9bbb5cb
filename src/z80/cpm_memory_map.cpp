#include "z80/cpm_memory_map.h"

#include <fmt/core.h>

namespace z80lm::z80 {

BufferLayout plan_buffers_at(uint32_t origin, uint32_t image_bytes, const std::vector<BssBlock>& buffers,
                             uint32_t stack_bytes) {
  const CpmMemoryMap cpm = plan_cpm_memory(image_bytes, buffers);
  BufferLayout layout;
  for (PlacedBlock p : cpm.buffers) {
    p.address = p.address - kLoadAddress + origin;
    layout.buffers.push_back(std::move(p));
  }
  layout.stack_bottom = cpm.stack_bottom - kLoadAddress + origin;
  layout.stack_top = layout.stack_bottom + stack_bytes;
  return layout;
}

CpmMemoryMap plan_cpm_memory(uint32_t image_bytes, const std::vector<BssBlock>& buffers) {
  CpmMemoryMap map;
  map.image_end = kLoadAddress + image_bytes;
  uint32_t next = map.image_end;
  // Unaligned buffers first: they fill the gap up to the first page boundary.
  for (bool aligned : {false, true}) {
    for (const BssBlock& b : buffers) {
      if (b.page_aligned != aligned) continue;
      if (aligned) next = (next + 0xFF) & ~uint32_t{0xFF};
      map.buffers.push_back({b, next});
      next += b.bytes;
    }
  }
  map.stack_bottom = next;
  map.stack_top = next + kStackBytes;
  return map;
}

std::string cpm_memory_problem(const CpmMemoryMap& map, uint32_t min_tpa_top) {
  if (map.stack_top <= min_tpa_top) return {};
  return fmt::format(
      "the program needs memory up to {:04X}h ({} bytes of image + {} bytes of buffers + {} bytes of stack "
      "from {:04X}h) but the TPA may end at {:04X}h ({} bytes short)",
      map.stack_top, map.image_bytes(), map.buffer_bytes(), kStackBytes, kLoadAddress, min_tpa_top,
      map.stack_top - min_tpa_top);
}

std::string cpm_memory_equs(const CpmMemoryMap& map) {
  std::string out = "; --- CP/M memory map (cpm_memory_map.h) ---\n";
  out += equ_line("WARM_BOOT", hex16(kWarmBoot), "JP here to return to CP/M");
  out += equ_line("BDOS", hex16(kBdosEntry), "CALL with C = function, DE = argument");
  out += equ_line("TPA_TOP_WORD", hex16(kTpaTopWord), "word: first address above the TPA");
  out += equ_line("CMD_TAIL", hex16(kCommandTail), "length byte, then the command tail");
  return out + buffer_and_stack_equs(map.buffers, map.stack_top, kStackBytes);
}

std::string buffer_and_stack_equs(const std::vector<PlacedBlock>& buffers, uint32_t stack_top,
                                  uint32_t stack_bytes) {
  std::string out;
  for (const PlacedBlock& p : buffers)
    out += equ_line(p.block.label, hex16(static_cast<uint16_t>(p.address)),
                    fmt::format("{} bytes: {}", p.block.bytes, p.block.comment));
  out += equ_line("STACK_TOP", hex16(static_cast<uint16_t>(stack_top)),
                  fmt::format("initial SP, {} bytes of stack below", stack_bytes));
  return out;
}

std::string format_cpm_memory_map(const CpmMemoryMap& map) {
  std::string out;
  auto row = [&](uint32_t start, uint32_t end, std::string_view what) {
    out += fmt::format("  {:04X}h-{:04X}h {:6} bytes  {}\n", start, end - 1, end - start, what);
  };
  row(0, kLoadAddress, "CP/M page zero (warm boot, BDOS entry, TPA top, command tail)");
  row(map.image_start, map.image_end, "image: code, charset, model (the .COM file)");
  for (const PlacedBlock& p : map.buffers)
    row(p.address, p.address + p.block.bytes, p.block.label + ": " + p.block.comment);
  row(map.stack_bottom, map.stack_top, "stack");
  return out;
}

}  // namespace z80lm::z80
