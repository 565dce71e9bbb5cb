// msx_memory_map.h — the MSX1 (64 KB RAM) as our cartridge sees it: every address named once.
//
//   MsxPlacement p = place_msx_program(span_bytes);   // span: image + buffers + stack
//   if (!p.problem.empty()) throw Error(p.problem, "...");
//   MsxRomLayout rom = msx_rom_layout(p.origin, image_end);   // where each part sits in the ROM
//
// Slots and pages (what the BIOS leaves when it calls a cartridge's INIT):
//   page 0  0000h-3FFFh  BIOS ROM (slot 0): the entry points below, the IM 1 handler at 0038h
//   page 1  4000h-7FFFh  our cartridge (ASCII16 mapper: bank register at 6000h-67FFh)
//   page 2  8000h-BFFFh  RAM (the cartridge's bank register for this page: 7000h-77FFh)
//   page 3  C000h-FFFFh  RAM; F380h-FFFFh is the BIOS work area (system variables, hooks)
//
// The cartridge is a 64 KiB ASCII16 ROM (four 16 KiB banks). Bank 0 holds the header ("AB",
// INIT) and the loader; banks 1, 2 and 3 hold the program's bytes for RAM pages 1, 2 and 3, each
// at the offset it has in its page. INIT finds the slots of page 1 (the cartridge) and page 3
// (RAM) with RSLREG and EXPTBL/SLTTBL, copies a small copier to RAM below our stack top, and the
// copier fills RAM with ENASLT and the bank registers, selects RAM in pages 1 and 2 and jumps to
// the program. The program then runs entirely from RAM (the fast engine's code is
// self-modifying), from kRamLow up to kRamTop, with the BIOS in page 0.
//
// Invariants: a placed program lies in [kRamLow, kRamTop) and its stack (where the copier runs
// from) in page 3; place_msx_program refuses anything else and says by how many bytes.
// Assumes RAM for pages 1 and 2 is in the slot (and subslot) of page 3's RAM, as on 64 KB MSX1s
// with their RAM in one slot (openMSX's C-BIOS_MSX1: slot 3).
// Not modelled: MSX2 memory mappers, disk ROMs that lowered HIMEM before our INIT (their work
// area below F380h is overwritten; we stop their interrupt hooks H.TIMI and H.KEYI at start).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace z80lm::msx {

// --- BIOS entry points (MSX BIOS jump table, page 0; identical in C-BIOS) ---
inline constexpr uint16_t kBiosReset = 0x0000;   // CHKRAM: cold start
inline constexpr uint16_t kBiosRdslt = 0x000C;   // RDSLT: A = slot, HL = address -> A = byte
inline constexpr uint16_t kBiosWrslt = 0x0014;   // WRSLT
inline constexpr uint16_t kBiosEnaslt = 0x0024;  // ENASLT: A = slot ID, H = page's top bits; DI
inline constexpr uint16_t kBiosKeyint = 0x0038;  // IM 1 handler: hooks, JIFFY, keyboard scan
inline constexpr uint16_t kBiosInitxt = 0x006C;  // INITXT: screen 0 (LINL40 columns), cleared
inline constexpr uint16_t kBiosChsns = 0x009C;   // CHSNS: Z when no key is waiting
inline constexpr uint16_t kBiosChget = 0x009F;   // CHGET: wait for a key -> A (keeps BC, DE, HL)
inline constexpr uint16_t kBiosChput = 0x00A2;   // CHPUT: print A (keeps every register)
inline constexpr uint16_t kBiosCls = 0x00C3;     // CLS (Z must be set)
inline constexpr uint16_t kBiosErafnk = 0x00CC;  // ERAFNK: hide the function-key line
inline constexpr uint16_t kBiosRslreg = 0x0138;  // RSLREG: A = primary slot register (port A8h)
inline constexpr uint16_t kBiosKilbuf = 0x0156;  // KILBUF: empty the keyboard buffer
inline constexpr uint32_t kBiosBytes = 0x4000;   // page 0

// --- BIOS work area (page 3) ---
inline constexpr uint16_t kWorkArea = 0xF380;  // lowest system variable of an MSX1 without disk
inline constexpr uint16_t kLinl40 = 0xF3AE;    // screen 0 width INITXT sets up
inline constexpr uint16_t kCsry = 0xF3DC;      // cursor row (1..24)
inline constexpr uint16_t kCsrx = 0xF3DD;      // cursor column (1..40)
inline constexpr uint16_t kHimem = 0xFC4A;     // highest RAM BASIC may use
inline constexpr uint16_t kJiffy = 0xFC9E;     // +1 per interrupt (16 bits)
inline constexpr uint16_t kExptbl = 0xFCC1;    // 4 bytes: bit 7 set when primary slot i is expanded
inline constexpr uint16_t kSlttbl = 0xFCC5;    // 4 bytes: secondary slot register of slot i
inline constexpr uint16_t kHookKeyi = 0xFD9A;  // H.KEYI: 5 bytes, called at every interrupt
inline constexpr uint16_t kHookTimi = 0xFD9F;  // H.TIMI: 5 bytes, called at every VDP interrupt
inline constexpr uint32_t kHookBytes = 5;

// --- I/O ---
inline constexpr uint8_t kPortPrimarySlots = 0xA8;          // PPI port A: 2 bits per page
inline constexpr uint16_t kSecondarySlotRegister = 0xFFFF;  // in an expanded slot (read: inverted)

// --- keys (CHGET) and control codes (CHPUT) ---
inline constexpr uint8_t kKeyReturn = 0x0D;
inline constexpr uint8_t kKeyBackspace = 0x08;  // BS: CHPUT moves the cursor left
inline constexpr uint8_t kLineFeed = 0x0A;

// --- timing ---
inline constexpr double kClockMhz = 3.579545;  // every MSX1
// One VDP interrupt per frame: 50 Hz on a European MSX (and openMSX's C-BIOS_MSX1).
inline constexpr uint32_t kFrameTStates = 71590;  // 3,579,545 / 50
// Every M1 cycle (opcode fetch, each prefix byte too) takes one extra wait state on an MSX.
inline constexpr uint32_t kM1WaitStates = 1;

// --- pages and the program's RAM ---
inline constexpr uint32_t kPageBytes = 0x4000;
inline constexpr uint16_t kRamLow = 0x4000;     // page 1: RAM once the copier selected it
inline constexpr uint16_t kRamTop = kWorkArea;  // first byte we must not touch
inline constexpr uint16_t kPage3 = 0xC000;      // the stack and the copier must lie here
inline constexpr uint32_t kStackBytes = 256;    // ours + the BIOS's CHPUT/CHGET and interrupt handler

// --- the cartridge (ASCII16) ---
inline constexpr uint16_t kCartridgeBase = 0x4000;             // bank 0 appears here at boot: header, loader
inline constexpr uint32_t kBankBytes = 0x4000;                 // ASCII16: 16 KiB banks
inline constexpr uint32_t kRomBanks = 4;                       // loader + RAM pages 1, 2, 3
inline constexpr uint32_t kRomBytes = kBankBytes * kRomBanks;  // 64 KiB
inline constexpr uint16_t kBankRegisterPage1 = 0x6000;         // write: bank shown at 4000h-7FFFh
inline constexpr uint16_t kBankRegisterPage2 = 0x7000;         // write: bank shown at 8000h-BFFFh
inline constexpr uint32_t kBankRegisterSpan = 0x0800;          // 6000h-67FFh and 7000h-77FFh
inline constexpr std::string_view kMapperName = "ASCII16";

struct MsxPlacement {
  uint16_t origin = 0;  // page-aligned address of the image in RAM
  uint32_t end = 0;     // first byte above the program (stack top), <= kRamTop if it fits
  uint32_t span = 0;    // bytes from origin to end
  std::string problem;  // empty when it fits; else one line saying by how many bytes it does not
};

// Places a program needing `span_bytes` from a page-aligned origin (image, buffers, stack) as
// high as possible below kRamTop, not below kRamLow.
MsxPlacement place_msx_program(uint32_t span_bytes);

// One RAM page's share of the image and where it is in the ROM.
struct MsxRomPart {
  uint32_t ram_start = 0;  // first RAM address of this part
  uint32_t bytes = 0;      // 0: nothing of the image in this page
  uint32_t bank = 0;       // ROM bank holding it, at offset ram_start % kBankBytes
};

// The image [origin, image_end) split by RAM page: parts[0] page 1, [1] page 2, [2] page 3.
struct MsxRomLayout {
  MsxRomPart parts[3];
};
MsxRomLayout msx_rom_layout(uint32_t origin, uint32_t image_end);

// A human-readable table of the MSX map with the program placed (for export and docs).
std::string format_msx_map(const MsxPlacement& placement);

}  // namespace z80lm::msx
