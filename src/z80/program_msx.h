// program_msx.h — the MSX target: a model becomes a 64 KiB ASCII16 cartridge ROM that chats on an MSX1.
//
//   BuiltProgram p = build_msx_program(model, FastEngine());
//   write_file_atomic("CHAT.ROM", p.image());      // the whole cartridge image
//   MsxAddresses a = msx_addresses(p);             // origin, START, ... for tests and `run`
//
// The program (one pasmo source, like the Spectrum's): the MSX shell around the shared chat
// core (z80/chat_core.h) and an engine (z80/engine.h), assembled for RAM at a page-aligned
// origin as high as it fits below the BIOS work area; its bytes go into the cartridge's banks
// 1-3 and a loader in bank 0 copies them to RAM at boot (msx/msx_memory_map.h). The shell:
//   START      SP = our stack; H.KEYI and H.TIMI set to RET (no other ROM's interrupt code runs
//              on memory we use); IM 1, EI; INITXT with LINL40 = 40 (screen 0, cleared); banner.
//   chat loop  CR LF "> "; a line read with CHGET (echoed with CHPUT, BS erases): leading spaces
//              are counted, not stored, then QUERY_MAX bytes are stored and any more counted,
//              so QUERY_SPAN sees exactly text/encoder.h query_span of the whole line, however
//              long; blank: ask again; first non-blank '!': print the goodbye line, DI, HALT
//              (an MSX cartridge that took over at INIT has nothing to return to: reset the
//              machine to chat again); else ANSWER prints with CHPUT as it generates.
// BIOS entry points used: ENASLT, RSLREG (loader), CHGET, CHPUT, INITXT, 0038h (implicitly).
// Interrupts stay on while chatting (the BIOS scans the keyboard in its interrupt handler), so
// the engines run in their portable flavour (no DI, SP stays the stack).
// Invariants: build_msx_program throws z80lm::Error (saying by how many bytes) instead of
// returning a program that does not fit; `binary` is the 64 KiB ROM; symbols are the RAM
// program's plus the loader's (prefixed LDR_) and include MSX_ORIGIN and START; memory_top is
// the top of the stack.
// Not modelled: MSX2 features, a RAM check at boot (a 16/32 KB MSX crashes), STOP/CTRL+STOP.
#pragma once
#include <cstdint>

#include "model/model.h"
#include "z80/built_program.h"
#include "z80/engine.h"

namespace z80lm::z80 {

BuiltProgram build_msx_program(const Model& m, const Engine& engine);

struct MsxAddresses {
  uint16_t origin = 0;  // the image's address in RAM
  uint16_t entry = 0;   // START, where the copier jumps
  uint32_t end = 0;     // first address above the program (memory_top)
};

// Read from the program's symbols. Throws z80lm::Error if `p` was not built for msx.
MsxAddresses msx_addresses(const BuiltProgram& p);

}  // namespace z80lm::z80
