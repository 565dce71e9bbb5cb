#include "z80/program_zx48.h"

#include <fmt/core.h>

#include "util/error.h"
#include "z80/asm_part.h"
#include "z80/chat_core.h"
#include "z80/cpm_memory_map.h"
#include "z80/exporter.h"
#include "z80/line_input.h"
#include "z80/pasmo.h"
#include "zx/zx48_memory_map.h"

namespace z80lm::z80 {

namespace {

using namespace z80lm::zx;

constexpr std::string_view kShellCode = R"(
; ======================================================================================
; ZX Spectrum 48K shell (program_zx48.h): ROM printing, keys from the ROM's interrupt
; handler, line editor, chat loop. IY stays 5C3Ah and interrupts stay enabled throughout:
; the ROM's IM 1 handler (FRAMES, keyboard scan) runs 50 times a second and needs IY.
; ======================================================================================
SNAP_START:                             ; the snapshot's PC
        LD   HL,ROM_CHANNELS            ; the ROM's own initial channel table, so K, S, R
        LD   DE,CHANS                   ; and P point into whichever ROM is present
        LD   BC,CHANNEL_BYTES
        LDIR
START:                                  ; RANDOMIZE USR START (the BASIC loader)
        LD   (BASIC_SP),SP              ; RET with this SP goes back into BASIC
        EXX
        LD   (BASIC_HL2),HL             ; BASIC's calculator needs HL' back
        EXX
        LD   SP,STACK_TOP               ; our own stack, above the buffers
        LD   IY,IY_BASE                 ; the ROM's interrupt handler and RST 10h need it
        IM   1
        EI
        CALL CL_ALL                     ; clear the whole screen, print position top left
        LD   A,2
        CALL CHAN_OPEN                  ; stream 2: the upper screen
        LD   HL,MSG_BANNER
        CALL PRINT_STR

CHAT_LOOP:
        LD   (IY+SCR_CT_OFS),255        ; 255 scrolls before the ROM would ask "scroll?"
        LD   HL,MSG_PROMPT              ; CR "> "
        CALL PRINT_STR
        CALL READ_LINE                  ; HL = LINE_BUF, B = bytes typed
        PUSH HL
        PUSH BC
        LD   A,KEY_ENTER
        RST  10h                        ; the answer starts on a new line
        POP  BC
        POP  HL
        CALL QUERY_SPAN
        JR   Z,CHAT_LOOP                ; blank line: ask again
        LD   A,(HL)
        CP   '!'
        JR   Z,QUIT                     ; '!' quits
        CALL ANSWER                     ; printed with PUT_CHAR as it is generated
        JR   CHAT_LOOP

QUIT:
        LD   HL,(BASIC_HL2)
        EXX                             ; HL' as BASIC left it
        LD   SP,(BASIC_SP)
        RET                             ; into BASIC ("0 OK"), or to 0000h in the snapshot

; PUT_CHAR: print A at the print position (RST 10h). Clobbers AF, BC, DE, HL.
PUT_CHAR:
        RST  10h
        RET

; PRINT_STR: print the bytes at HL up to a 0 byte.
PRINT_STR:
        LD   A,(HL)
        OR   A
        RET  Z
        PUSH HL
        RST  10h
        POP  HL
        INC  HL
        JR   PRINT_STR

; GET_KEY: A = the next key. The ROM's interrupt handler scans the keyboard 50 times a
; second; a new key goes to LAST-K and sets bit 5 of FLAGS. Keeps BC, DE, HL.
GET_KEY:
        SET  3,(IY+FLAGS_OFS)           ; L mode: letter keys give letters, not keywords
GK_WAIT:
        BIT  5,(IY+FLAGS_OFS)
        JR   NZ,GK_NEW
        HALT                            ; sleep until the next interrupt
        JR   GK_WAIT
GK_NEW:
        RES  5,(IY+FLAGS_OFS)           ; taken
        LD   A,(LAST_K)
        RET

; READ_LINE: read one whole line, whatever its length, and keep what `z80lm chat` hashes
; (encoder.h query_span): leading spaces are shown but not kept, the next LINE_MAX bytes go
; to LINE_BUF, the rest is shown, counted and dropped. Letters are upper-cased; DELETE
; erases the last character typed (kept or not); ENTER ends the line; control keys,
; graphics and keyword codes are ignored. Echoes with RST 10h. The counts stop at FFFFh.
; Out: HL = LINE_BUF, B = bytes kept (0..LINE_MAX).
READ_LINE:
        LD   HL,0
        LD   (LINE_COL),HL              ; characters on the line (what DELETE can erase)
        LD   (LINE_LEN),HL              ; characters after the leading spaces
RL_KEY:
        CALL GET_KEY
        LD   HL,(LINE_COL)
        CP   KEY_ENTER
        JR   Z,RL_DONE
        CP   KEY_DELETE
        JR   Z,RL_DELETE
        CP   ' '
        JR   C,RL_KEY                   ; cursor keys, EDIT, CAPS LOCK ...: ignored
        CP   80h
        JR   NC,RL_KEY                  ; block graphics, UDGs, keywords: ignored
        CP   'a'
        JR   C,RL_STORE
        CP   'z'+1
        JR   NC,RL_STORE
        SUB  20h                        ; upper case, as the answers are
RL_STORE:
        LD   E,A                        ; E = the character
        CALL INC_SAT
        LD   (LINE_COL),HL
        LD   HL,(LINE_LEN)
        LD   A,H
        OR   L
        JR   NZ,RL_KEEP
        LD   A,E
        CP   ' '
        JR   Z,RL_ECHO                  ; a leading space: shown, not kept
)";

// (line_input.h: RL_KEEP .. LINE_LEN updated)
constexpr std::string_view kShellCodeMiddle = R"(RL_ECHO:
        LD   (IY+SCR_CT_OFS),255        ; a long line must not stop at "scroll?"
        LD   A,E
        RST  10h                        ; echo
        JR   RL_KEY
RL_DELETE:
        LD   A,H
        OR   L
        JR   Z,RL_KEY                   ; nothing to erase
        DEC  HL
        LD   (LINE_COL),HL
        LD   HL,(LINE_LEN)
        LD   A,H
        OR   L
        JR   Z,RL_ERASE                 ; a leading space goes
        DEC  HL
        LD   (LINE_LEN),HL
RL_ERASE:
        LD   HL,MSG_ERASE               ; left, space, left
        CALL PRINT_STR
        JR   RL_KEY
)";

constexpr std::string_view kBanner = "z80lm chat. Type ! to quit.";
std::string zx48_equs() {
  std::string out = "; --- ZX Spectrum 48K: ROM and system variables (zx48_memory_map.h) ---\n";
  out += equ_line("CL_ALL", hex16(kRomClAll), "ROM: clear the whole screen");
  out += equ_line("CHAN_OPEN", hex16(kRomChanOpen), "ROM: A = stream -> current channel");
  out += equ_line("ROM_CHANNELS", hex16(kRomInitialChannels), "ROM: its initial channel table");
  out += equ_line("CHANS", hex16(kChans), "the channel table in RAM");
  out += equ_line("CHANNEL_BYTES", std::to_string(kChannelTableBytes), "K, S, R, P and the end marker");
  out += equ_line("IY_BASE", hex16(kIy), "IY: the ROM addresses system variables from here");
  out += equ_line("LAST_K", hex16(kLastK), "the last key the interrupt handler read");
  out += equ_line("FLAGS_OFS", hex8(static_cast<uint8_t>(kFlags - kIy)),
                  "FLAGS = IY+1: bit 5 new key, bit 3 L mode");
  out += equ_line("SCR_CT_OFS", hex8(static_cast<uint8_t>(kScrCt - kIy)),
                  "SCR-CT = IY+52h: scrolls before scroll?");
  out += equ_line("KEY_ENTER", hex8(kKeyEnter), "ENTER; also a new line for RST 10h");
  out += equ_line("KEY_DELETE", hex8(kKeyDelete), "DELETE (CAPS SHIFT + 0)");
  out += equ_line("LINE_MAX", std::to_string(kZxLineMax), "bytes of a typed line kept (the query span)");
  return out;
}

std::string shell_data() {
  std::string out = "\n; --- ZX Spectrum shell data ---\n";
  out += "MSG_BANNER:\n" + db_text(std::string(kBanner) + "\r") + "        DB   0\n";
  out += "MSG_PROMPT:\n" + db_text("\r> ") + "        DB   0\n";
  out += "MSG_ERASE:\n" +
         db_text(std::string{static_cast<char>(kCursorLeft), ' ', static_cast<char>(kCursorLeft)}) +
         "        DB   0\n";
  return out;
}

std::vector<BssBlock> shell_bss() {
  return {{"LINE_BUF", kZxLineMax, false, "ZX shell: the kept part of the line being typed"},
          {"LINE_LEN", 2, false, "ZX shell: characters typed after the leading spaces"},
          {"LINE_COL", 2, false, "ZX shell: characters typed on the line"},
          {"BASIC_SP", 2, false, "ZX shell: BASIC's stack pointer, for the return"},
          {"BASIC_HL2", 2, false, "ZX shell: BASIC's HL', for the return"}};
}

// The buffers laid out after an image of `image_bytes` at the page-aligned `origin`: the CP/M
// planner's rule (cpm_memory_map.h plan_buffers_at).
using ZxLayout = BufferLayout;

ZxLayout layout_buffers(uint32_t origin, uint32_t image_bytes, const std::vector<BssBlock>& bss) {
  return plan_buffers_at(origin, image_bytes, bss, kZxStackBytes);
}

std::string layout_equs(const ZxLayout& layout) {
  return "; --- buffers and stack ---\n" +
         buffer_and_stack_equs(layout.buffers, layout.stack_top, kZxStackBytes);
}

std::string program_source(const Model& m, const Engine& engine, uint16_t origin, const ZxLayout& layout,
                           const AsmPart& core, const AsmPart& net) {
  std::string src = fmt::format(
      "; Generated by `z80lm export` (target zx48, engine {}). Do not edit: export again.\n"
      "; Model: {} ({} symbols). Loaded at {} by the BASIC loader; RANDOMIZE USR START.\n\n"
      "        ORG  {}\n\n",
      engine.name(), layer_widths_text(m), m.output_size(), hex16(origin), hex16(origin));
  src += equ_line("ZX_ORIGIN", hex16(origin), "load address of the CODE block (CLEAR ZX_ORIGIN-1)");
  src += zx48_equs() + layout_equs(layout) + "\n";
  // Data first: for a large model it fills contended memory, and the code lands above 8000h.
  src += "; ====================================== data ======================================\n";
  src += net.data + "\n" + core.data + "\n" + shell_data();
  src += kShellCode;
  src += line_keep_asm();
  src += kShellCodeMiddle;
  src += line_span_asm();  // RL_DONE, INC_SAT
  src += core.code;
  src += net.code;
  src += "\nIMAGE_END:                              ; first byte after the CODE block\n";
  return src;
}

std::string format_program_map(const Zx48Placement& placement, uint32_t image_bytes, const ZxLayout& layout) {
  std::string out = format_zx48_map(placement);
  out += "  of which:\n";
  auto row = [&](uint32_t start, uint32_t end, std::string_view what) {
    out += fmt::format("    {:04X}h-{:04X}h {:6} bytes  {}\n", start, end - 1, end - start, what);
  };
  row(placement.origin, placement.origin + image_bytes, "CODE block: model data, then code");
  for (const PlacedBlock& p : layout.buffers)
    row(p.address, p.address + p.block.bytes, p.block.label + ": " + p.block.comment);
  row(layout.stack_bottom, layout.stack_top, "stack");
  return out;
}

}  // namespace

BuiltProgram build_zx48_program(const Model& m, const Engine& engine) {
  if (std::string p = engine.problem(m); !p.empty())
    throw Error(fmt::format("engine {} cannot run this model: {}", engine.name(), p),
                "train a smaller model (see `z80lm train --help`)");
  // The model data alone must fit (and then pasmo never wraps past FFFFh).
  constexpr uint32_t kRoom = kHighestEnd - kLowestOrigin;
  if (const uint32_t data = engine.model_bytes(m); data > kRoom)
    throw Error(
        fmt::format("the model alone takes {} bytes (engine {}) but a 48K Spectrum has {} bytes free for a "
                    "program ({:04X}h-{:04X}h): {} bytes too many before any code, buffers or stack",
                    data, engine.name(), kRoom, kLowestOrigin, kHighestEnd - 1, data - kRoom),
        std::string(engine.too_large_hint()));
  const AsmPart core = chat_core_asm(m, {.put_char = "PUT_CHAR"});
  const AsmPart net = engine.generate(m);
  std::vector<BssBlock> bss = core.bss;
  bss.insert(bss.end(), net.bss.begin(), net.bss.end());
  for (const BssBlock& b : shell_bss()) bss.push_back(b);

  // Pass 1 measures the image at a provisional page-aligned origin (addresses do not change
  // any instruction's size); the layout relative to a page-aligned origin is then fixed.
  constexpr uint16_t kProvisionalOrigin = 0x0000;  // any image up to 64 KiB assembles here
  const auto measured =
      static_cast<uint32_t>(assemble(program_source(m, engine, kProvisionalOrigin,
                                                    layout_buffers(kProvisionalOrigin, 0, bss), core, net),
                                     {.source_name = "CHAT.ASM"})
                                .binary.size());
  const ZxLayout relative = layout_buffers(0, measured, bss);
  const Zx48Placement placement = place_zx48_program(relative.stack_top);
  if (!placement.problem.empty()) throw Error(placement.problem, std::string(engine.too_large_hint()));
  const ZxLayout layout = layout_buffers(placement.origin, measured, bss);

  BuiltProgram out;
  out.source = program_source(m, engine, placement.origin, layout, core, net);
  AssembleResult r = assemble(out.source, {.source_name = "CHAT.ASM", .want_listing = true});
  if (r.binary.size() != measured || r.origin != placement.origin)
    throw Error(fmt::format("internal: CHAT.ASM assembled to {} bytes, then {} bytes at {:04X}h", measured,
                            r.binary.size(), r.origin),
                "please report this bug");
  out.binary = std::move(r.binary);
  out.listing = std::move(r.listing);
  out.symbols = std::move(r.symbols);
  out.image_bytes = measured;
  out.memory_top = placement.end;
  out.memory_map = format_program_map(placement, measured, layout);
  return out;
}

Zx48Addresses zx48_addresses(const BuiltProgram& p) {
  auto symbol = [&p](const char* name) {
    const auto it = p.symbols.find(name);
    if (it == p.symbols.end())
      throw Error(fmt::format("the program has no symbol {}: it was not built for the zx48 target", name),
                  "export it with --target zx48");
    return it->second;
  };
  return {.origin = symbol("ZX_ORIGIN"),
          .entry = symbol("START"),
          .snapshot_entry = symbol("SNAP_START"),
          .end = p.memory_top};
}

}  // namespace z80lm::z80
