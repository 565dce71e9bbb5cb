// asm_part.h — a piece of a generated Z80 program: code, image data and buffers, as pasmo text.
//
//   z80lm::z80::AsmPart part;
//   part.code += "NET_QUERY:\n        RET\n";
//   part.data += z80lm::z80::db_lines(packed_bytes, "L1_W");
//   part.bss.push_back({"NET_A", 512, true, "accumulators, split pages"});
//
// A program is assembled from parts (an engine, the chat core, a target's shell): their code
// and data are concatenated into one pasmo source, and their buffers are placed after the
// image by the target's memory map (cpm_memory_map.h), which also emits each buffer's label
// as an EQU. Invariants: labels are unique program-wide (each part prefixes its own);
// buffers are uninitialised memory (a real CP/M leaves garbage there): code must not assume
// zeros. Not modelled: relocation (every target assembles at a fixed ORG).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace z80lm::z80 {

// A buffer outside the file image; its label becomes an EQU with the address.
struct BssBlock {
  std::string label;
  uint32_t bytes = 0;
  bool page_aligned = false;  // address & 0FFh == 0 (split lo/hi vectors index by L)
  std::string comment;        // one line: what it holds
};

struct AsmPart {
  std::string code;           // instructions and their labels
  std::string data;           // DB/DW/EQU lines that belong in the image
  std::vector<BssBlock> bss;  // buffers after the image
};

// "0A3h"-style literals pasmo accepts (a leading 0 when the first digit is a letter).
std::string hex8(uint8_t v);
std::string hex16(uint16_t v);

// `DB` lines, `per_line` bytes each; the first line carries `label:` when it is not empty.
std::string db_lines(std::span<const uint8_t> bytes, std::string_view label = {}, int per_line = 16);

// A `DB` line spelling a string: letters, digits and spaces quoted, other bytes as numbers.
std::string db_text(std::string_view bytes);

// "NAME    EQU  value      ; comment" with aligned columns.
std::string equ_line(std::string_view name, std::string_view value, std::string_view comment = {});

}  // namespace z80lm::z80
