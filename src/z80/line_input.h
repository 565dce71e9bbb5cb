// line_input.h — the target-independent parts of a chat shell's whole-line reader.
//
//   code += "READ_LINE: ...";                 // the target's key loop: read, echo, edit
//   code += line_keep_asm();                  // at RL_KEEP, HL = LINE_LEN, E = the key
//   code += "        JR   RL_KEY\n";
//   code += line_span_asm();                  // RL_DONE: HL = LINE_BUF, B = bytes kept; INC_SAT
//
// A shell reads a whole typed line, whatever its length, and keeps only what `z80lm chat`
// hashes (text/encoder.h query_span): leading spaces are not kept, then at most LINE_MAX
// bytes; LINE_LEN and LINE_COL are 16-bit counts that stop at FFFFh (INC_SAT), so editing
// works across the whole line. The key loop, echo and erasing differ per target (BDOS 1 on
// CP/M, the ROM's keyboard on the Spectrum) and stay in the shells; these fragments are the
// same text in both, so the assembled programs are byte for byte what one shell would have.
// Symbols the shell defines: LINE_BUF, LINE_MAX, LINE_LEN, LINE_COL, RL_KEY.
// Not modelled: key input and echo.
#pragma once
#include <string_view>

namespace z80lm::z80 {

// RL_KEEP: HL = LINE_LEN (not 0, or E is not a space), E = the key: stores E at LINE_BUF+HL
// while HL < LINE_MAX, then LINE_LEN = HL + 1 (saturating). Falls through after it.
std::string_view line_keep_asm();

// RL_DONE: B = the kept bytes (at most LINE_MAX), HL = LINE_BUF, then RET; and INC_SAT.
std::string_view line_span_asm();

}  // namespace z80lm::z80
