// cpm_memory_map.h — where an exported CP/M program lives in memory: every address named once.
//
//   CpmMemoryMap map = plan_cpm_memory(image_bytes, buffers);        // buffers: engine + chat core
//   if (std::string p = cpm_memory_problem(map, kDefaultMinTpaTop); !p.empty()) throw Error(p, ...);
//   source += cpm_memory_equs(map);                                   // EQU lines for the program
//
//   0000h  JP warm boot           0005h  JP BDOS (CALL 5)      0006h  word: top of the TPA
//   0080h  command tail           0100h  image (code + model)  image end .. buffers .. stack
//   TPA top = the word at 0006h (the BDOS entry; the first byte the program must not touch).
//
// Invariants: the image starts at kLoadAddress; buffers follow it, unaligned ones first (in
// the order given, filling the gap to the next page), then page-aligned ones; the stack (kStackBytes) comes
// last and its top is the highest address the program needs (`stack_top`, exclusive). The export refuses a
// program whose stack_top exceeds the minimum TPA top it was asked to support, and the program itself
// compares stack_top with the real word at 0006h at start-up.
// Not modelled: CP/M 3 banked memory, programs that overlay the CCP (we never do).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "z80/asm_part.h"

namespace z80lm::z80 {

inline constexpr uint16_t kWarmBoot = 0x0000;          // JP 0: back to CP/M (the CCP reloads)
inline constexpr uint16_t kBdosEntry = 0x0005;         // CALL 5 with C = function, DE = argument
inline constexpr uint16_t kTpaTopWord = 0x0006;        // word: BDOS base = first address above the TPA
inline constexpr uint16_t kCommandTail = 0x0080;       // length byte, then the CCP's uppercased tail
inline constexpr uint16_t kLoadAddress = 0x0100;       // a .COM file loads and starts here
inline constexpr uint16_t kDefaultMinTpaTop = 0xE406;  // a typical 64K CP/M 2.2 (BDOS at E406h)
inline constexpr uint16_t kCpm48kTpaTop = 0xAC06;      // a 48K CP/M 2.2 (MOVCPM 48: BDOS at AC06h)
inline constexpr uint16_t kCpcTpaTop = 0x9F00;         // the CP/M 2.2 of an Amstrad CPC 464/6128 (39.75K)
inline constexpr uint32_t kStackBytes = 128;           // our own stack, above all buffers
inline constexpr uint32_t kAddressSpace = 0x10000;     // 64 KiB

struct PlacedBlock {
  BssBlock block;
  uint32_t address = 0;
};

struct CpmMemoryMap {
  uint32_t image_start = kLoadAddress;
  uint32_t image_end = kLoadAddress;  // first byte after the .COM image
  std::vector<PlacedBlock> buffers;   // in address order, all at or above image_end
  uint32_t stack_bottom = 0;          // lowest byte the stack may use
  uint32_t stack_top = 0;             // initial SP; first byte above everything we use

  uint32_t image_bytes() const { return image_end - image_start; }
  uint32_t buffer_bytes() const { return stack_bottom - image_end; }  // alignment gaps included
};

// Places the buffers after an image of `image_bytes` and the stack after them.
CpmMemoryMap plan_cpm_memory(uint32_t image_bytes, const std::vector<BssBlock>& buffers);

// The same layout for a program whose image starts at the page-aligned `origin` instead of
// 0100h (the Spectrum and MSX targets): plan_cpm_memory starts at a page boundary too, so
// shifting its addresses gives the same layout; the stack is `stack_bytes` long.
struct BufferLayout {
  std::vector<PlacedBlock> buffers;
  uint32_t stack_bottom = 0;
  uint32_t stack_top = 0;
};
BufferLayout plan_buffers_at(uint32_t origin, uint32_t image_bytes, const std::vector<BssBlock>& buffers,
                             uint32_t stack_bytes);

// Empty when everything fits below `min_tpa_top`, else one line naming the sizes.
std::string cpm_memory_problem(const CpmMemoryMap& map, uint32_t min_tpa_top);

// EQU lines for placed buffers and the initial SP (STACK_TOP) with `stack_bytes` below it:
// the part every target's memory map shares.
std::string buffer_and_stack_equs(const std::vector<PlacedBlock>& buffers, uint32_t stack_top,
                                  uint32_t stack_bytes);

// EQU lines for the CP/M addresses above and for every placed buffer and the stack.
std::string cpm_memory_equs(const CpmMemoryMap& map);

// A human-readable table: start, end, bytes and purpose of each region.
std::string format_cpm_memory_map(const CpmMemoryMap& map);

}  // namespace z80lm::z80
