// program_zx48.h — the ZX Spectrum 48K target: a model becomes a chat program for the Spectrum's ROM.
//
//   BuiltProgram p = build_zx48_program(model, CompactEngine());      // binary: the CODE block
//   write_file_atomic("CHAT.TAP", as_chars(zx48_tap(p, "CHAT")));        // zx/zx48_media.h
//   write_file_atomic("CHAT.z80", as_chars(zx48_snapshot(p)));
//   Zx48Addresses a = zx48_addresses(p);                                 // origin, START, SNAP_START
//
// The program (Spectrum shell + the shared chat core + an engine, one pasmo source):
//  - START (RANDOMIZE USR START, from the BASIC loader): saves BASIC's SP and HL' (BASIC's
//    calculator needs HL' back), switches to its own stack, IY = 5C3Ah, IM 1, EI; CL-ALL
//    (0DAFh) clears the screen, CHAN-OPEN (1601h) with A = 2 selects the upper screen; prints
//    a banner.
//  - chat loop: SCR-CT (5C8Ch) = 255 so the ROM never stops with "scroll?"; prints CR "> ";
//    reads a line: keys come from the ROM's interrupt handler (HALT until FLAGS bit 5 is set,
//    take LAST-K, clear the bit); letters are upper-cased; DELETE erases (echo 08h ' ' 08h);
//    ENTER ends; other control keys, graphics and keyword codes are ignored. The whole line
//    is read, however long, and answered once: what `z80lm chat` hashes is kept (leading
//    spaces skipped, then LINE_MAX bytes), the rest is echoed and dropped. Prints CR, then
//    the answer character by character with RST 10h as it is generated.
//    A blank line asks again; a line whose first non-blank character is '!' quits.
//  - quit: restores HL' and BASIC's SP and RETurns: into BASIC after a .TAP load ("0 OK"),
//    or to 0000h (a clean reset into BASIC) in the snapshot, whose stack holds 0000h.
//  - SNAP_START (the snapshot's PC): copies the ROM's own initial channel table from 15AFh to
//    CHANS, so the snapshot works with any ROM that keeps the standard entry points, then START.
// ROM entry points used: 0010h, 0038h (the interrupt, implicitly), 0DAFh, 15AFh (data), 1601h;
// system variables: LAST-K, FLAGS, MODE, SCR-CT (IY-relative). IY is never changed; interrupts
// stay enabled throughout (the engines preserve IY and leave interrupts alone).
// Memory map: zx/zx48_memory_map.h. The image is model data first, then code, so for a large
// model the data fills contended memory and the code and buffers sit above 8000h.
// Invariants: build_zx48_program throws z80lm::Error (saying by how many bytes) instead of
// returning a program that does not fit between kLowestOrigin and the UDGs. The program's
// symbols include ZX_ORIGIN (load address), START and SNAP_START, so a BuiltProgram alone is
// enough to make its tape and snapshot; memory_top is the top of its stack.
// Not modelled: BREAK (CAPS+SPACE) during an answer, 128K features, the printer.
#pragma once
#include <cstdint>

#include "model/model.h"
#include "z80/built_program.h"
#include "z80/engine.h"

namespace z80lm::z80 {

inline constexpr int kZxLineMax = 62;           // bytes of a typed line kept: encoder.h kQueryMaxBytes
inline constexpr uint32_t kZxStackBytes = 256;  // ours + the ROM's print routine and interrupt handler

BuiltProgram build_zx48_program(const Model& m, const Engine& engine);

struct Zx48Addresses {
  uint16_t origin = 0;          // where the CODE block loads; the loader does CLEAR origin-1
  uint16_t entry = 0;           // START: what RANDOMIZE USR calls
  uint16_t snapshot_entry = 0;  // SNAP_START: the snapshot's PC
  uint32_t end = 0;             // first address above the program (memory_top)
};

// Read from the program's symbols. Throws z80lm::Error if `p` was not built for zx48.
Zx48Addresses zx48_addresses(const BuiltProgram& p);

}  // namespace z80lm::z80
