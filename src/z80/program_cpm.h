// program_cpm.h — the CP/M target: a model becomes CHAT.COM (shell + chat core + an engine).
//
//   BuiltProgram p = build_cpm_program(model, CompactEngine(), kDefaultMinTpaTop);
//   write_file_atomic("CHAT.COM", as_string(p.binary));
//
// The program: at 0100h it compares the word at 0006h (top of the TPA) with the top of its
// stack and, when memory is short, prints a message with BDOS 9 and returns to CP/M. Then:
//  - one-shot: `CHAT some question` answers the command tail (the CCP uppercases it and
//    prefixes a space; both are harmless) and returns to CP/M (JP 0);
//  - chat: print CR LF "> ", read a whole line, whatever its length, key by key with BDOS 1
//    (echoed by the BDOS; BS/DEL erase, ^C on an empty line returns to CP/M, CR or LF ends
//    it), keeping what `z80lm chat` hashes (leading spaces skipped, then 62 bytes; the rest
//    is read and dropped), print CR LF, print the answer character by character with BDOS 2
//    as it is generated; repeat. A line is answered once. A blank line asks again; a line
//    whose first non-blank character is '!' returns to CP/M.
// Memory map: cpm_memory_map.h (image, then the buffers of the chat core, the engine and the
// shell, then the stack). Assembly takes two pasmo passes: the first measures the image, the
// second places the buffers after it; both images must have the same size.
// Invariants: build_cpm_program throws z80lm::Error (naming the sizes) instead of returning a
// program that does not fit below `min_tpa_top`; what it returns is complete.
// Not modelled: CP/M 3 features, file I/O, ^C during an answer (BDOS 2 does not poll here),
// ^U/^X line erase and TAB columns while typing (BDOS 10 had them), BS editing of a line over
// 65,535 characters (the counts saturate).
#pragma once
#include <cstdint>

#include "model/model.h"
#include "z80/built_program.h"
#include "z80/cpm_memory_map.h"
#include "z80/engine.h"

namespace z80lm::z80 {

inline constexpr int kCpmLineMax = 62;  // bytes of a typed line kept: encoder.h kQueryMaxBytes

BuiltProgram build_cpm_program(const Model& m, const Engine& engine, uint32_t min_tpa_top);

}  // namespace z80lm::z80
