// pasmo.h — assemble Z80 source text with pasmo and get back bytes, listing and symbols.
//
//   AssembleResult r = z80lm::z80::assemble(" org 100h\nstart: ld c,9\n ...", {.source_name = "chat.asm"});
//   write_file_atomic("chat.com", std::string_view(reinterpret_cast<const char*>(r.binary.data()),
//   r.binary.size())); uint16_t entry = r.symbols.at("start");
//
// Invariants: pasmo (the binary at Z80LM_PASMO) runs in a private temporary directory that is
// removed afterwards, with no shell involved; nothing else on disk is touched. `binary` is the
// raw image from the lowest to the highest address the source emits (pasmo --bin), and
// `origin` is the address of its first byte (0100h for a CP/M program with ORG 100h). Symbol
// names keep the case pasmo reports. On any assembly error assemble() throws z80lm::Error with
// pasmo's first error: "chat.asm line 12: Symbol 'loop' is undefined: `  jp loop`".
//
// Not modelled: INCLUDE/INCBIN paths relative to the caller's directory (pass include_dirs),
// pasmo's other output formats (.tap, .hex ...).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace z80lm::z80 {

struct AssembleOptions {
  std::string source_name = "source.asm";      // how errors name the source
  bool want_listing = false;                   // fill AssembleResult::listing
  std::vector<std::string> include_dirs = {};  // -I directories for INCLUDE / INCBIN
  std::vector<std::string> defines = {};       // -E NAME=VALUE predefined symbols
};

struct AssembleResult {
  std::vector<uint8_t> binary;
  uint16_t origin = 0;                      // address of binary[0]
  std::string listing;                      // pasmo -d pass-2 listing, when requested
  std::map<std::string, uint16_t> symbols;  // every label and EQU
};

AssembleResult assemble(std::string_view source, const AssembleOptions& options = {});

// Parses a pasmo symbol file: lines "NAME<tabs>EQU 0ABCDH". Throws z80lm::Error naming the line
// for anything else (blank lines are skipped). `file_name` is used in errors only.
std::map<std::string, uint16_t> parse_pasmo_symbols(std::string_view text,
                                                    std::string_view file_name = "symbols");

}  // namespace z80lm::z80
