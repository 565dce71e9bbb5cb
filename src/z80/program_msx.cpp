#include "z80/program_msx.h"

#include <fmt/core.h>

#include <algorithm>

#include "msx/msx_memory_map.h"
#include "text/encoder.h"
#include "util/error.h"
#include "z80/asm_part.h"
#include "z80/chat_core.h"
#include "z80/cpm_memory_map.h"
#include "z80/exporter.h"
#include "z80/pasmo.h"

namespace z80lm::z80 {

namespace {

using namespace z80lm::msx;

constexpr std::string_view kShellCode = R"(
; ======================================================================================
; MSX shell (program_msx.h): runs from RAM, the BIOS in page 0. Printing with CHPUT, keys
; with CHGET; interrupts stay on (the BIOS scans the keyboard in its IM 1 handler).
; ======================================================================================
START:                                  ; the copier jumps here, pages 1-3 are RAM
        LD   SP,STACK_TOP
        LD   A,0C9h                     ; RET: no extension ROM's interrupt code runs on
        LD   (H_KEYI),A                 ; the RAM we use (a disk ROM's work area, say)
        LD   (H_TIMI),A
        IM   1
        EI
        LD   A,SCREEN_WIDTH
        LD   (LINL40),A
        CALL INITXT                     ; screen 0, cleared, cursor top left
        LD   HL,MSG_BANNER
        CALL PRINT_STR

CHAT_LOOP:
        LD   HL,MSG_PROMPT              ; CR LF "> "
        CALL PRINT_STR
        CALL READ_LINE                  ; HL = LINE_BUF, B = bytes stored
        PUSH HL
        PUSH BC
        LD   HL,MSG_NEWLINE             ; the answer starts on a new line
        CALL PRINT_STR
        POP  BC
        POP  HL
        CALL QUERY_SPAN
        JR   Z,CHAT_LOOP                ; blank line: ask again
        LD   A,(HL)
        CP   '!'
        JR   Z,QUIT                     ; '!' quits
        CALL ANSWER                     ; printed with CHPUT as it is generated
        JR   CHAT_LOOP

QUIT:                                   ; nothing to return to: INIT never returned
        LD   HL,MSG_BYE
        CALL PRINT_STR
        DI
        HALT                            ; reset the MSX to chat again

; PRINT_STR: print the bytes at HL up to a 0 byte.
PRINT_STR:
        LD   A,(HL)
        OR   A
        RET  Z
        CALL CHPUT
        INC  HL
        JR   PRINT_STR

; READ_LINE: a line from the keyboard, echoed. Leading spaces are counted (RL_LEAD), then up to
; QUERY_MAX bytes are stored in LINE_BUF and any further ones counted (RL_EXTRA): exactly what
; QUERY_SPAN needs of a line of any length. BS erases the last byte typed, RETURN ends the line,
; other control keys, DEL and graphics are ignored. Out: HL = LINE_BUF, B = bytes stored.
READ_LINE:
        LD   HL,0
        LD   (RL_LEAD),HL
        LD   (RL_EXTRA),HL
        XOR  A
        LD   (RL_STORED),A
RL_KEY:
        CALL CHGET                      ; A = key (keeps BC, DE, HL)
        CP   KEY_RETURN
        JR   Z,RL_DONE
        CP   KEY_BS
        JR   Z,RL_BACK
        CP   ' '
        JR   C,RL_KEY                   ; cursor keys, TAB, ESC ...: ignored
        CP   7Fh
        JR   NC,RL_KEY                  ; DEL, graphics: ignored
        LD   C,A
        LD   HL,(RL_EXTRA)
        LD   A,H
        OR   L
        JR   NZ,RL_MORE                 ; already past QUERY_MAX
        LD   A,(RL_STORED)
        OR   A
        JR   NZ,RL_STORE
        LD   A,C
        CP   ' '
        JR   NZ,RL_STORE
        LD   HL,(RL_LEAD)               ; a leading space: counted only
        INC  HL
        LD   (RL_LEAD),HL
        JR   RL_ECHO
RL_STORE:
        LD   A,(RL_STORED)
        CP   QUERY_MAX
        JR   NC,RL_MORE
        LD   E,A
        LD   D,0
        LD   HL,LINE_BUF
        ADD  HL,DE
        LD   (HL),C
        INC  A
        LD   (RL_STORED),A
        JR   RL_ECHO
RL_MORE:
        LD   HL,(RL_EXTRA)              ; beyond what is hashed: counted only
        INC  HL
        LD   (RL_EXTRA),HL
RL_ECHO:
        LD   A,C
        CALL CHPUT
        JR   RL_KEY
RL_BACK:
        LD   HL,(RL_EXTRA)
        LD   A,H
        OR   L
        JR   Z,RB_STORED
        DEC  HL
        LD   (RL_EXTRA),HL
        JR   RB_ERASE
RB_STORED:
        LD   A,(RL_STORED)
        OR   A
        JR   Z,RB_LEAD
        DEC  A
        LD   (RL_STORED),A
        JR   RB_ERASE
RB_LEAD:
        LD   HL,(RL_LEAD)
        LD   A,H
        OR   L
        JR   Z,RL_KEY                   ; nothing to erase
        DEC  HL
        LD   (RL_LEAD),HL
RB_ERASE:
        LD   HL,MSG_ERASE               ; left, space, left
        CALL PRINT_STR
        JR   RL_KEY
RL_DONE:
        LD   HL,LINE_BUF
        LD   A,(RL_STORED)
        LD   B,A
        RET
)";

constexpr std::string_view kBanner = "z80lm chat. Type ! to quit.";
constexpr std::string_view kBye = "Bye. Reset the MSX to chat again.";
constexpr uint8_t kScreenWidth = 40;
// The copier runs at the bottom of our stack area: what must stay free above it for the stack
// it uses meanwhile (ENASLT's calls).
constexpr uint32_t kCopierStackMargin = 64;

std::string msx_equs() {
  std::string out = "; --- MSX BIOS and work area (msx_memory_map.h) ---\n";
  out += equ_line("ENASLT", hex16(kBiosEnaslt), "BIOS: A = slot ID, H = page -> page selected; DI");
  out += equ_line("RSLREG", hex16(kBiosRslreg), "BIOS: A = primary slot register");
  out += equ_line("INITXT", hex16(kBiosInitxt), "BIOS: screen 0, LINL40 columns, cleared");
  out += equ_line("CHGET", hex16(kBiosChget), "BIOS: wait for a key -> A");
  out += equ_line("CHPUT", hex16(kBiosChput), "BIOS: print A");
  out += equ_line("LINL40", hex16(kLinl40), "screen 0 width for INITXT");
  out += equ_line("EXPTBL", hex16(kExptbl), "bit 7: primary slot i is expanded");
  out += equ_line("H_KEYI", hex16(kHookKeyi), "interrupt hook");
  out += equ_line("H_TIMI", hex16(kHookTimi), "VDP interrupt hook");
  out += equ_line("SCREEN_WIDTH", std::to_string(kScreenWidth), "columns");
  out += equ_line("KEY_RETURN", hex8(kKeyReturn), "RETURN");
  out += equ_line("KEY_BS", hex8(kKeyBackspace), "BS");
  return out;
}

std::string shell_data() {
  std::string out = "\n; --- MSX shell data ---\n";
  const std::string crlf = "\r\n";
  out += "MSG_BANNER:\n" + db_text(std::string(kBanner) + crlf) + "        DB   0\n";
  out += "MSG_PROMPT:\n" + db_text(crlf + "> ") + "        DB   0\n";
  out += "MSG_NEWLINE:\n" + db_text(crlf) + "        DB   0\n";
  out += "MSG_BYE:\n" + db_text(std::string(kBye) + crlf) + "        DB   0\n";
  out += "MSG_ERASE:\n" +
         db_text(std::string{static_cast<char>(kKeyBackspace), ' ', static_cast<char>(kKeyBackspace)}) +
         "        DB   0\n";
  return out;
}

std::vector<BssBlock> shell_bss() {
  return {
      {"LINE_BUF", static_cast<uint32_t>(kQueryMaxBytes), false, "MSX shell: the hashed part of the line"},
      {"RL_LEAD", 2, false, "MSX shell: leading spaces typed"},
      {"RL_EXTRA", 2, false, "MSX shell: bytes typed beyond QUERY_MAX"},
      {"RL_STORED", 1, false, "MSX shell: bytes in LINE_BUF"}};
}

// The buffers laid out after an image of `image_bytes` at the page-aligned `origin`: the CP/M
// planner's rule (cpm_memory_map.h plan_buffers_at), as the Spectrum target does.
using MsxLayout = BufferLayout;

MsxLayout layout_buffers(uint32_t origin, uint32_t image_bytes, const std::vector<BssBlock>& bss) {
  return plan_buffers_at(origin, image_bytes, bss, msx::kStackBytes);
}

std::string program_source(const Model& m, const Engine& engine, uint16_t origin, const MsxLayout& layout,
                           const AsmPart& core, const AsmPart& net) {
  std::string src = fmt::format(
      "; Generated by `z80lm export` (target msx, engine {}). Do not edit: export again.\n"
      "; Model: {} ({} symbols). Runs from RAM at {}: the cartridge's loader copies it there.\n\n"
      "        ORG  {}\n\n",
      engine.name(), layer_widths_text(m), m.output_size(), hex16(origin), hex16(origin));
  src += equ_line("MSX_ORIGIN", hex16(origin), "the image's address in RAM");
  src += msx_equs();
  src += "; --- buffers and stack ---\n" +
         buffer_and_stack_equs(layout.buffers, layout.stack_top, msx::kStackBytes) + "\n";
  src += "; ====================================== data ======================================\n";
  src += net.data + "\n" + core.data + "\n" + shell_data();
  src += kShellCode;
  src += core.code;
  src += net.code;
  src += "\nIMAGE_END:                              ; first byte after the image\n";
  return src;
}

// One ENASLT call: page (H = its top address byte) to the slot stored at `slot_variable`.
std::string enaslt(std::string_view slot_variable, uint16_t page_address) {
  return fmt::format("        LD   A,({})\n        LD   H,{}\n        CALL ENASLT\n", slot_variable,
                     hex8(static_cast<uint8_t>(page_address >> 8)));
}

std::string ldir(uint32_t from, uint32_t to, uint32_t bytes) {
  return fmt::format("        LD   HL,{}\n        LD   DE,{}\n        LD   BC,{}\n        LDIR\n",
                     hex16(static_cast<uint16_t>(from)), hex16(static_cast<uint16_t>(to)), bytes);
}

// The cartridge's bank 0: header, INIT, and the copier (straight-line code, so it runs wherever
// it is copied to: at the bottom of the program's stack area, in page 3).
std::string loader_source(uint16_t entry, uint32_t stack_bottom, uint32_t stack_top,
                          const MsxRomLayout& rom) {
  std::string src = fmt::format(
      "; The cartridge loader (bank 0 of an {} ROM), generated by `z80lm export -t msx`.\n"
      "        ORG  {}\n\n",
      kMapperName, hex16(kCartridgeBase));
  src += equ_line("ENASLT", hex16(kBiosEnaslt), "BIOS: A = slot ID, H = page -> page selected; DI");
  src += equ_line("RSLREG", hex16(kBiosRslreg), "BIOS: A = primary slot register");
  src += equ_line("EXPTBL", hex16(kExptbl), "bit 7: primary slot i is expanded; SLTTBL follows");
  src += equ_line("LDR_BANK1", hex16(kBankRegisterPage1), "ASCII16: bank shown at 4000h-7FFFh");
  src += equ_line("LDR_BANK2", hex16(kBankRegisterPage2), "ASCII16: bank shown at 8000h-BFFFh");
  src +=
      equ_line("LDR_STACK", hex16(static_cast<uint16_t>(stack_top)), "the program's stack top (RAM, page 3)");
  src += equ_line("LDR_COPIER_RAM", hex16(static_cast<uint16_t>(stack_bottom)),
                  "where the copier runs: the bottom of the stack area");
  src += equ_line("LDR_CART_SLOT", "LDR_COPIER_RAM+LDR_COPIER_END-LDR_COPIER", "slot ID of the cartridge");
  src += equ_line("LDR_RAM_SLOT", "LDR_CART_SLOT+1", "slot ID of the RAM (page 3's)");
  src += equ_line("LDR_START", hex16(entry), "the program's START in RAM");
  src += R"(
LDR_HEADER:
        DB   "AB"                       ; an MSX cartridge
        DW   LDR_INIT                   ; called by the BIOS at boot, page 1 = this cartridge
        DW   0,0,0                      ; no BASIC statement, device or BASIC text
        DS   6                          ; reserved
LDR_INIT:
        DI
        LD   SP,LDR_STACK               ; our own stack, in page 3 RAM
        LD   B,1
        CALL LDR_SLOT_OF_PAGE
        LD   (LDR_CART_SLOT),A
        LD   B,3
        CALL LDR_SLOT_OF_PAGE
        LD   (LDR_RAM_SLOT),A
        LD   HL,LDR_COPIER
        LD   DE,LDR_COPIER_RAM
        LD   BC,LDR_COPIER_END-LDR_COPIER
        LDIR
        JP   LDR_COPIER_RAM

; LDR_SLOT_OF_PAGE: B = page (0..3) -> A = slot ID (E000SSPP) of what is selected there.
LDR_SLOT_OF_PAGE:
        CALL RSLREG                     ; A = primary slot register: 2 bits per page
        LD   C,B
        INC  C
LDR_SHIFT1:
        DEC  C
        JR   Z,LDR_PRIMARY
        RRCA
        RRCA
        JR   LDR_SHIFT1
LDR_PRIMARY:
        AND  3
        LD   C,A                        ; primary slot
        LD   HL,EXPTBL
        LD   E,A
        LD   D,0
        ADD  HL,DE
        BIT  7,(HL)
        RET  Z                          ; not expanded: A = primary slot
        INC  HL
        INC  HL
        INC  HL
        INC  HL                         ; SLTTBL[primary]: its secondary slot register
        LD   A,(HL)
        INC  B
LDR_SHIFT2:
        DEC  B
        JR   Z,LDR_SECONDARY
        RRCA
        RRCA
        JR   LDR_SHIFT2
LDR_SECONDARY:
        AND  3
        RLCA
        RLCA                            ; secondary slot << 2
        OR   C
        OR   80h                        ; expanded
        RET

; LDR_COPIER: copied to RAM and run there. Fills RAM pages 3, 2 and 1 from banks 3, 2 and 1,
; leaves RAM selected in pages 1 and 2 and jumps to the program. Straight-line code only.
LDR_COPIER:
)";
  const MsxRomPart& p1 = rom.parts[0];
  const MsxRomPart& p2 = rom.parts[1];
  const MsxRomPart& p3 = rom.parts[2];
  auto offset = [](const MsxRomPart& p) { return p.ram_start % kBankBytes; };
  if (p3.bytes > 0) {
    src += "        ; page 3's part: bank 3 at 8000h (the cartridge in page 2)\n";
    src += fmt::format("        LD   A,{}\n        LD   (LDR_BANK2),A\n", p3.bank);
    src += enaslt("LDR_CART_SLOT", 0x8000);
    src += ldir(0x8000 + offset(p3), p3.ram_start, p3.bytes);
  }
  if (p2.bytes > 0) {
    src += "        ; page 2's part: bank 2 at 4000h, RAM in page 2\n";
    src += fmt::format("        LD   A,{}\n        LD   (LDR_BANK1),A\n", p2.bank);
    src += enaslt("LDR_RAM_SLOT", 0x8000);
    src += ldir(0x4000 + offset(p2), p2.ram_start, p2.bytes);
  }
  if (p1.bytes > 0) {
    src += "        ; page 1's part: bank 1 at 8000h (the cartridge in page 2), RAM in page 1\n";
    src += fmt::format("        LD   A,{}\n        LD   (LDR_BANK2),A\n", p1.bank);
    src += enaslt("LDR_CART_SLOT", 0x8000);
    src += enaslt("LDR_RAM_SLOT", 0x4000);
    src += ldir(0x8000 + offset(p1), p1.ram_start, p1.bytes);
  }
  src += "        ; RAM in pages 1 and 2, then the program\n";
  src += enaslt("LDR_RAM_SLOT", 0x4000);
  src += enaslt("LDR_RAM_SLOT", 0x8000);
  src += "        JP   LDR_START\nLDR_COPIER_END:\n";
  return src;
}

std::string format_program_map(const MsxPlacement& placement, uint32_t image_bytes, const MsxLayout& layout,
                               const MsxRomLayout& rom, uint32_t loader_bytes) {
  std::string out = format_msx_map(placement);
  out += "  of which:\n";
  auto row = [&](uint32_t start, uint32_t end, std::string_view what) {
    out += fmt::format("    {:04X}h-{:04X}h {:6} bytes  {}\n", start, end - 1, end - start, what);
  };
  row(placement.origin, placement.origin + image_bytes, "image: model data, then code");
  for (const PlacedBlock& p : layout.buffers)
    row(p.address, p.address + p.block.bytes, p.block.label + ": " + p.block.comment);
  row(layout.stack_bottom, layout.stack_top, "stack (the loader's copier runs at its bottom first)");
  out += fmt::format("cartridge: {} KiB {} ROM (-romtype {} in openMSX)\n", kRomBytes / 1024, kMapperName,
                     kMapperName);
  out += fmt::format("  bank 0: header and loader, {} bytes\n", loader_bytes);
  for (const MsxRomPart& p : rom.parts) {
    if (p.bytes == 0)
      out += fmt::format("  bank {}: empty (no part of the image in RAM page {})\n", p.bank, p.bank);
    else
      out += fmt::format("  bank {}: {:04X}h-{:04X}h of the image ({} bytes) at offset {:04X}h\n", p.bank,
                         p.ram_start, p.ram_start + p.bytes - 1, p.bytes, p.ram_start % kBankBytes);
  }
  return out;
}

}  // namespace

BuiltProgram build_msx_program(const Model& m, const Engine& engine) {
  if (std::string p = engine.problem(m); !p.empty())
    throw Error(fmt::format("engine {} cannot run this model: {}", engine.name(), p),
                "train a smaller model (see `z80lm train --help`)");
  constexpr uint32_t kRoom = kRamTop - kRamLow;
  if (const uint32_t data = engine.model_bytes(m); data > kRoom)
    throw Error(
        fmt::format("the model alone takes {} bytes (engine {}) but an MSX with 64 KB has {} bytes of "
                    "RAM for a program ({:04X}h-{:04X}h): {} bytes too many before any code, buffers "
                    "or stack",
                    data, engine.name(), kRoom, kRamLow, kRamTop - 1, data - kRoom),
        std::string(engine.too_large_hint()));
  const AsmPart core = chat_core_asm(m, {.put_char = "CHPUT"});
  const AsmPart net = engine.generate(m, EngineTarget{});  // portable: the BIOS needs interrupts
  std::vector<BssBlock> bss = core.bss;
  bss.insert(bss.end(), net.bss.begin(), net.bss.end());
  for (const BssBlock& b : shell_bss()) bss.push_back(b);

  // Pass 1 measures the image at a provisional page-aligned origin; then it is placed.
  const auto measured =
      static_cast<uint32_t>(assemble(program_source(m, engine, 0, layout_buffers(0, 0, bss), core, net),
                                     {.source_name = "CHAT.ASM"})
                                .binary.size());
  const MsxLayout relative = layout_buffers(0, measured, bss);
  const MsxPlacement placement = place_msx_program(relative.stack_top);
  if (!placement.problem.empty()) throw Error(placement.problem, std::string(engine.too_large_hint()));
  const MsxLayout layout = layout_buffers(placement.origin, measured, bss);

  BuiltProgram out;
  out.source = program_source(m, engine, placement.origin, layout, core, net);
  AssembleResult r = assemble(out.source, {.source_name = "CHAT.ASM", .want_listing = true});
  if (r.binary.size() != measured || r.origin != placement.origin)
    throw Error(fmt::format("internal: CHAT.ASM assembled to {} bytes, then {} bytes at {:04X}h", measured,
                            r.binary.size(), r.origin),
                "please report this bug");
  const uint32_t image_end = placement.origin + measured;
  const MsxRomLayout rom_layout = msx_rom_layout(placement.origin, image_end);
  const uint16_t entry = r.symbols.at("START");
  const std::string loader = loader_source(entry, layout.stack_bottom, layout.stack_top, rom_layout);
  AssembleResult l = assemble(loader, {.source_name = "LOADER.ASM", .want_listing = true});
  const uint32_t copier_bytes = l.symbols.at("LDR_COPIER_END") - l.symbols.at("LDR_COPIER");
  if (layout.stack_bottom < kPage3 || copier_bytes + 2 + kCopierStackMargin > msx::kStackBytes ||
      l.binary.size() > kBankBytes || l.origin != kCartridgeBase)
    throw Error(
        fmt::format("internal: the loader's copier ({} bytes) does not fit the stack area at {:04X}h, "
                    "or the loader ({} bytes) its bank",
                    copier_bytes, layout.stack_bottom, l.binary.size()),
        "please report this bug");

  // The cartridge: bank 0 the loader, banks 1-3 the image's parts by RAM page; unused bytes FFh.
  std::vector<uint8_t> rom(kRomBytes, 0xFF);
  std::copy(l.binary.begin(), l.binary.end(), rom.begin());
  for (const MsxRomPart& p : rom_layout.parts) {
    if (p.bytes == 0) continue;
    const auto from = r.binary.begin() + (p.ram_start - placement.origin);
    std::copy(from, from + p.bytes, rom.begin() + p.bank * kBankBytes + p.ram_start % kBankBytes);
  }

  out.binary = std::move(rom);
  out.listing =
      r.listing + "\n; ==================== the cartridge loader (bank 0) ====================\n" + l.listing;
  out.symbols = std::move(r.symbols);
  for (const auto& [name, value] : l.symbols)
    if (name.starts_with("LDR_")) out.symbols.emplace(name, value);
  out.image_bytes = measured;
  out.memory_top = placement.end;
  out.memory_map =
      format_program_map(placement, measured, layout, rom_layout, static_cast<uint32_t>(l.binary.size()));
  return out;
}

MsxAddresses msx_addresses(const BuiltProgram& p) {
  auto symbol = [&p](const char* name) {
    const auto it = p.symbols.find(name);
    if (it == p.symbols.end())
      throw Error(fmt::format("the program has no symbol {}: it was not built for the msx target", name),
                  "export it with --target msx");
    return it->second;
  };
  return {.origin = symbol("MSX_ORIGIN"), .entry = symbol("START"), .end = p.memory_top};
}

}  // namespace z80lm::z80
