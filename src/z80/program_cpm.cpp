#include "z80/program_cpm.h"

#include <fmt/core.h>

#include "util/error.h"
#include "z80/chat_core.h"
#include "z80/exporter.h"
#include "z80/line_input.h"
#include "z80/pasmo.h"

namespace z80lm::z80 {

namespace {

constexpr std::string_view kShellCode = R"(
; ======================================================================================
; CP/M shell (program_cpm.h): memory check, one-shot mode, chat loop, BDOS console I/O.
; The BDOS may clobber every register.
; ======================================================================================
START:
        LD   HL,(TPA_TOP_WORD)          ; first address above the TPA (the BDOS)
        LD   DE,STACK_TOP               ; first address above everything we use
        OR   A
        SBC  HL,DE
        JR   NC,START_FITS
        LD   DE,MSG_NO_ROOM             ; too little memory: say so, back to CP/M
        LD   C,9                        ; BDOS 9: print a string up to '$'
        CALL BDOS
        JP   WARM_BOOT
START_FITS:
        LD   SP,STACK_TOP               ; our own stack, above the buffers
        LD   HL,CMD_TAIL+1              ; one-shot mode: A>CHAT some question
        LD   A,(CMD_TAIL)
        LD   B,A
        CALL QUERY_SPAN
        JR   Z,CHAT_LOOP                ; no question: chat
        CALL ANSWER
        JP   WARM_BOOT

CHAT_LOOP:
        LD   DE,MSG_PROMPT              ; CR LF "> "
        LD   C,9
        CALL BDOS
        CALL READ_LINE                  ; HL = LINE_BUF, B = bytes kept
        PUSH HL
        PUSH BC
        LD   DE,MSG_CRLF
        LD   C,9
        CALL BDOS
        POP  BC
        POP  HL
        CALL QUERY_SPAN
        JR   Z,CHAT_LOOP                ; blank line: ask again
        LD   A,(HL)
        CP   '!'
        JP   Z,WARM_BOOT                ; '!' quits
        CALL ANSWER
        JR   CHAT_LOOP

; READ_LINE: read one whole line, whatever its length, a key at a time with BDOS 1 (which
; echoes it), and keep what `z80lm chat` hashes (encoder.h query_span): leading spaces are
; not kept, the next LINE_MAX bytes go to LINE_BUF, the rest is read and dropped. BS and DEL
; erase the last character typed (kept or not); ^C on an empty line returns to CP/M, as BDOS
; 10 does; CR or LF ends the line. The counts stop at FFFFh.
; Out: HL = LINE_BUF, B = bytes kept (0..LINE_MAX).
READ_LINE:
        LD   HL,0
        LD   (LINE_COL),HL              ; characters on the line (what BS can erase)
        LD   (LINE_LEN),HL              ; characters after the leading spaces
RL_KEY:
        LD   C,1                        ; BDOS 1: a key, echoed
        CALL BDOS
        LD   HL,(LINE_COL)
        CP   13
        JR   Z,RL_DONE                  ; CR
        CP   10
        JR   Z,RL_DONE                  ; LF
        CP   8
        JR   Z,RL_BS                    ; the BDOS echoed BS: the cursor is one column left
        CP   7Fh
        JR   Z,RL_DEL                   ; DEL: the BDOS echo shows nothing useful
        LD   E,A                        ; E = the key
        LD   A,H
        OR   L
        JR   NZ,RL_COUNT_COL
        LD   A,E
        CP   3
        JR   Z,RL_CTRL_C                ; ^C on an empty line
RL_COUNT_COL:
        CALL INC_SAT
        LD   (LINE_COL),HL
        LD   HL,(LINE_LEN)
        LD   A,H
        OR   L
        JR   NZ,RL_KEEP
        LD   A,E
        CP   ' '
        JR   Z,RL_KEY                   ; a leading space: not kept
)";

// (line_input.h: RL_KEEP .. LINE_LEN updated)
constexpr std::string_view kShellCodeMiddle = R"(        JR   RL_KEY
RL_DEL:
        LD   A,8
        CALL PUT_CHAR                   ; step left, as the BDOS does for BS
        LD   HL,(LINE_COL)
RL_BS:
        LD   A,H
        OR   L
        JR   Z,RL_BS_EDGE
        DEC  HL
        LD   (LINE_COL),HL
        LD   HL,(LINE_LEN)
        LD   A,H
        OR   L
        JR   Z,RL_ERASE                 ; a leading space goes
        DEC  HL
        LD   (LINE_LEN),HL
RL_ERASE:
        LD   DE,MSG_ERASE               ; space, BS: rub the character out
        LD   C,9
        CALL BDOS
        JR   RL_KEY
RL_BS_EDGE:
        LD   A,' '                      ; nothing to erase: step right again over the prompt
        CALL PUT_CHAR
        JR   RL_KEY
RL_CTRL_C:
        LD   DE,MSG_CTRL_C
        LD   C,9
        CALL BDOS
        JP   WARM_BOOT
)";

// (line_input.h: RL_DONE, INC_SAT)
constexpr std::string_view kShellCodeTail = R"(
; PUT_CHAR: print A with BDOS 2 (console output).
PUT_CHAR:
        LD   E,A
        LD   C,2
        JP   BDOS
)";

std::string shell_data(const CpmMemoryMap& map) {
  std::string out = "\n; --- CP/M shell data ---\n";
  out += equ_line("LINE_MAX", std::to_string(kCpmLineMax), "bytes of a line kept (the query span)");
  out += "MSG_PROMPT:\n" + db_text("\r\n> $");
  out += "MSG_CRLF:\n" + db_text("\r\n$");
  out += "MSG_ERASE:\n" + db_text(" \b$");
  out += "MSG_CTRL_C:\n" + db_text("^C$");
  out +=
      "MSG_NO_ROOM:\n" +
      db_text(fmt::format("Not enough memory: this program needs a TPA up to {:04X}h.\r\n$", map.stack_top));
  return out;
}

std::vector<BssBlock> shell_bss() {
  return {{"LINE_BUF", kCpmLineMax, false, "CP/M shell: the kept part of the line"},
          {"LINE_LEN", 2, false, "CP/M shell: characters typed after the leading spaces"},
          {"LINE_COL", 2, false, "CP/M shell: characters typed on the line"}};
}

std::string program_source(const Model& m, const Engine& engine, const CpmMemoryMap& map, const AsmPart& core,
                           const AsmPart& net) {
  std::string src = fmt::format(
      "; Generated by `z80lm export` (target cpm, engine {}). Do not edit: export again.\n"
      "; Model: {} ({} symbols). Assemble with: pasmo --bin CHAT.ASM CHAT.COM\n\n"
      "        ORG  {}\n\n",
      engine.name(), layer_widths_text(m), m.output_size(), hex16(kLoadAddress));
  src += cpm_memory_equs(map) + "\n";
  src += kShellCode;
  src += line_keep_asm();
  src += kShellCodeMiddle;
  src += line_span_asm();  // RL_DONE, INC_SAT
  src += kShellCodeTail;
  src += core.code;
  src += net.code;
  src += shell_data(map) + "\n" + core.data + "\n" + net.data;
  src += "\nIMAGE_END:                              ; first byte after the .COM image\n";
  return src;
}

}  // namespace

BuiltProgram build_cpm_program(const Model& m, const Engine& engine, uint32_t min_tpa_top) {
  if (std::string p = engine.problem(m); !p.empty())
    throw Error(fmt::format("engine {} cannot run this model: {}", engine.name(), p),
                "train a smaller model (see `z80lm train --help`)");
  if (const uint32_t model_top = kLoadAddress + engine.model_bytes(m); model_top > min_tpa_top)
    throw Error(
        fmt::format("the model alone takes {} bytes of the image (engine {}), up to {:05X}h before any code "
                    "or buffers, but the TPA may end at {:04X}h",
                    engine.model_bytes(m), engine.name(), model_top, min_tpa_top),
        model_top <= 0xFFFF
            ? fmt::format("{}; or export for a larger CP/M with --min-tpa", engine.too_large_hint())
            : std::string(engine.too_large_hint()));
  const AsmPart core = chat_core_asm(m, {.put_char = "PUT_CHAR"});
  const AsmPart net = engine.generate(m, {.may_disable_interrupts = true});  // CP/M has no interrupt duty
  std::vector<BssBlock> bss = core.bss;
  bss.insert(bss.end(), net.bss.begin(), net.bss.end());
  for (const BssBlock& b : shell_bss()) bss.push_back(b);

  // Pass 1 measures the image (buffer addresses do not change any instruction's size).
  const size_t measured =
      assemble(program_source(m, engine, plan_cpm_memory(0, bss), core, net), {.source_name = "CHAT.ASM"})
          .binary.size();
  const CpmMemoryMap map = plan_cpm_memory(static_cast<uint32_t>(measured), bss);
  if (std::string p = cpm_memory_problem(map, min_tpa_top); !p.empty())
    throw Error(p, fmt::format("{}; or export for a larger CP/M with --min-tpa", engine.too_large_hint()));

  BuiltProgram out;
  out.source = program_source(m, engine, map, core, net);
  AssembleResult r = assemble(out.source, {.source_name = "CHAT.ASM", .want_listing = true});
  if (r.binary.size() != measured || r.origin != kLoadAddress)
    throw Error(fmt::format("internal: CHAT.ASM assembled to {} bytes at {:04X}h, then {} bytes", measured,
                            kLoadAddress, r.binary.size()),
                "please report this bug");
  out.binary = std::move(r.binary);
  out.listing = std::move(r.listing);
  out.symbols = std::move(r.symbols);
  out.image_bytes = map.image_bytes();
  out.memory_top = map.stack_top;
  out.memory_map = format_cpm_memory_map(map);
  return out;
}

}  // namespace z80lm::z80
