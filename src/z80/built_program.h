// built_program.h — an assembled Z80 program as the exporter returns it: image, source, listing.
//
//   BuiltProgram p = export_program(model, {});          // exporter.h
//   write_file_atomic("CHAT.COM", p.image());
//   write_file_atomic("CHAT.SYM", format_symbol_map(p.symbols));   // for `z80lm run --symbols`
//
// Invariants: `binary` is exactly what pasmo assembled from `source` (loaded at its origin);
// `memory_top` is the first address above everything the program uses (image, buffers, stack).
// Not modelled: how a target loads it (a .COM file, a tape block ...).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace z80lm::z80 {

struct BuiltProgram {
  std::vector<uint8_t> binary;              // the file image
  std::string source;                       // the complete pasmo source
  std::string listing;                      // pasmo's listing of it
  std::map<std::string, uint16_t> symbols;  // every label and EQU
  uint32_t image_bytes = 0;
  uint32_t memory_top = 0;  // first address above everything the program uses
  std::string memory_map;   // human-readable table of regions

  std::string_view image() const { return {reinterpret_cast<const char*>(binary.data()), binary.size()}; }
};

// "; symbols by address" then one "ADDRh  NAME" line per symbol, sorted by value then name.
std::string format_symbol_map(const std::map<std::string, uint16_t>& symbols);

}  // namespace z80lm::z80
