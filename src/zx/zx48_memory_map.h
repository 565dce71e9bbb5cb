// zx48_memory_map.h — the ZX Spectrum 48K as our programs see it: every address named once.
//
//   Zx48Placement p = place_zx48_program(span_bytes);   // span: image + buffers + stack
//   if (!p.problem.empty()) throw Error(p.problem, "...");
//   loader: CLEAR p.origin - 1, code loads at p.origin
//
//   0000h-3FFFh  ROM (16 KiB). Our programs use only the entry points below that are not marked
//                "z80lm run"; they are the same in the Sinclair 48K ROM and in OpenSE BASIC
//                (checked against /usr/share/spectrum-roms/opense.rom).
//   4000h-57FFh  screen bitmap (6144 bytes)          \  contended: the ULA delays CPU accesses
//   5800h-5AFFh  screen attributes (768 bytes)        |  to 4000h-7FFFh while it draws the
//   5B00h-5BFFh  printer buffer (256 bytes)           |  192 screen lines of each frame
//   5C00h-5CB5h  system variables (IY = 5C3Ah)        |
//   5CB6h-5CCAh  channel information (CHANS), 80h end |
//   5CCBh-       BASIC program (the loader: PROG), variables, edit line, workspace, calculator
//                stack; free memory; the BASIC machine stack grows down from RAMTOP
//   origin-      our program: image (model data, then code), buffers, our own stack. The
//                loader does CLEAR origin-1, so RAMTOP = origin-1 protects it from BASIC.
//                origin is page aligned and as high as the program allows, so a small model
//                sits entirely in uncontended memory (8000h-FFFFh)     /
//   FF58h-FFFFh  user-defined graphics (168 bytes), left alone
//
// Invariants: kLowestOrigin leaves the loader room for LOAD "" CODE (its 34-byte header
// workspace, the ROM's free-memory check of 80 bytes and its stack): the loader is 36 bytes
// at 5CCBh, so BASIC needs memory up to ~5D90h. Everything we place lies in
// [kLowestOrigin, kUdg); place_zx48_program refuses anything else and says by how much.
// Not modelled: 128K paging, Interface 1 (its extra system variables move CHANS and PROG up
// by about 60 bytes; kLowestOrigin's margin absorbs that, untested).
#pragma once
#include <cstdint>
#include <string>

namespace z80lm::zx {

// --- ROM entry points (identical in the Sinclair 48K ROM and OpenSE BASIC, except the two
// marked "z80lm run", which only the ROM-less machine of emu/zx_machine.h uses) ---
inline constexpr uint16_t kRomStart = 0x0000;            // reset: RAM test, NEW, copyright message
inline constexpr uint16_t kRomError = 0x0008;            // RST 08h: error restart (report code follows)
inline constexpr uint16_t kRomPrintA = 0x0010;           // RST 10h: print A on the current channel
inline constexpr uint16_t kRomInterrupt = 0x0038;        // IM 1 handler: FRAMES += 1, keyboard scan
inline constexpr uint16_t kRomCls = 0x0D6B;              // CLS (z80lm run: served for other programs)
inline constexpr uint16_t kRomClAll = 0x0DAF;            // CL-ALL: clear the whole screen, home position
inline constexpr uint16_t kRomInitialChannels = 0x15AF;  // the ROM's own 21-byte CHANS image
inline constexpr uint16_t kRomChanOpen = 0x1601;         // CHAN-OPEN: A = stream (2 = upper screen)
inline constexpr uint16_t kRomStackBc = 0x2D2B;          // z80lm run: the USR return address it stacks
inline constexpr uint32_t kRomBytes = 0x4000;

// --- RAM regions ---
inline constexpr uint16_t kScreen = 0x4000;  // bitmap, 32 x 192 bytes in the ULA's order
inline constexpr uint32_t kScreenBytes = 6144;
inline constexpr uint16_t kAttributes = 0x5800;  // 32 x 24 colour cells
inline constexpr uint32_t kAttributeBytes = 768;
inline constexpr uint16_t kPrinterBuffer = 0x5B00;  // 256 bytes, used only by LPRINT/COPY
inline constexpr uint16_t kSystemVariables = 0x5C00;
inline constexpr uint16_t kChans = 0x5CB6;          // channel information (no Interface 1)
inline constexpr uint32_t kChannelTableBytes = 21;  // K, S, R, P: 5 bytes each, then 80h
inline constexpr uint16_t kProg = 0x5CCB;           // the BASIC program starts here
inline constexpr uint16_t kUdg = 0xFF58;            // user-defined graphics up to FFFFh
inline constexpr uint32_t kContendedStart = 0x4000;
inline constexpr uint32_t kContendedEnd = 0x8000;  // 4000h-7FFFh is contended on the 48K
inline constexpr uint32_t kRamEnd = 0x10000;
inline constexpr uint32_t kRamBytes = kRamEnd - kScreen;  // 49152

// --- system variables (the ROM keeps IY = kIy; IY+d addresses them) ---
inline constexpr uint16_t kIy = 0x5C3A;      // ERR-NR; the ROM's interrupt handler needs IY here
inline constexpr uint16_t kKstate = 0x5C00;  // 8 bytes: keyboard state of the last two keys
inline constexpr uint16_t kLastK = 0x5C08;   // the last key read by the interrupt handler
inline constexpr uint16_t kRepdel = 0x5C09;  // frames before a held key repeats
inline constexpr uint16_t kRepper = 0x5C0A;  // frames between repeats
inline constexpr uint16_t kStrms = 0x5C10;   // stream -> channel offsets, streams FDh..0Fh
inline constexpr uint16_t kChars = 0x5C36;   // character set - 256 (3C00h: the ROM font)
inline constexpr uint16_t kRasp = 0x5C38;    // warning buzz length
inline constexpr uint16_t kErrNr = 0x5C3A;   // error code - 1 (FFh: none)
inline constexpr uint16_t kFlags = 0x5C3B;   // bit 5: a new key is in LAST-K; bit 3: L mode
inline constexpr uint8_t kFlagsNewKey = 0x20;
inline constexpr uint8_t kFlagsLMode = 0x08;
inline constexpr uint16_t kTvFlag = 0x5C3C;    // bit 0: lower screen in use
inline constexpr uint16_t kErrSp = 0x5C3D;     // stack address of the error handler's return
inline constexpr uint16_t kMode = 0x5C41;      // K/L/C/E/G cursor mode (0: normal)
inline constexpr uint16_t kPpc = 0x5C45;       // line being executed
inline constexpr uint16_t kSubppc = 0x5C47;    // statement within it
inline constexpr uint16_t kBordcr = 0x5C48;    // border colour * 8 + lower-screen attributes
inline constexpr uint16_t kVars = 0x5C4B;      // BASIC variables area
inline constexpr uint16_t kChansVar = 0x5C4F;  // address of the channel information
inline constexpr uint16_t kCurchl = 0x5C51;    // current channel
inline constexpr uint16_t kProgVar = 0x5C53;   // address of the BASIC program
inline constexpr uint16_t kNxtlin = 0x5C55;
inline constexpr uint16_t kDatadd = 0x5C57;
inline constexpr uint16_t kELine = 0x5C59;  // the edit line
inline constexpr uint16_t kKCur = 0x5C5B;
inline constexpr uint16_t kChAdd = 0x5C5D;
inline constexpr uint16_t kWorksp = 0x5C61;
inline constexpr uint16_t kStkbot = 0x5C63;
inline constexpr uint16_t kStkend = 0x5C65;
inline constexpr uint16_t kMem = 0x5C68;  // calculator memory (MEMBOT)
inline constexpr uint16_t kFlags2 = 0x5C6A;
inline constexpr uint16_t kDfSz = 0x5C6B;    // lines in the lower screen (2)
inline constexpr uint16_t kFrames = 0x5C78;  // 3-byte frame counter, +1 per interrupt
inline constexpr uint16_t kUdgVar = 0x5C7B;  // address of the UDGs
inline constexpr uint16_t kPPosn = 0x5C7F;   // printer column
inline constexpr uint16_t kPrCc = 0x5C80;    // printer buffer position
inline constexpr uint16_t kEchoE = 0x5C82;
inline constexpr uint16_t kDfCc = 0x5C84;   // print position in the upper screen
inline constexpr uint16_t kDfCcl = 0x5C86;  // print position in the lower screen
inline constexpr uint16_t kSPosn = 0x5C88;  // column (33 - x), line (24 - y)
inline constexpr uint16_t kSPosnl = 0x5C8A;
inline constexpr uint16_t kScrCt = 0x5C8C;  // scrolls left before "scroll?"; we keep it high
inline constexpr uint16_t kAttrP = 0x5C8D;  // permanent colours (38h: black on white)
inline constexpr uint16_t kAttrT = 0x5C8F;
inline constexpr uint16_t kMembot = 0x5C92;
inline constexpr uint16_t kRamtop = 0x5CB2;  // last byte BASIC may use (CLEAR sets it)
inline constexpr uint16_t kPRamt = 0x5CB4;   // last byte of RAM (FFFFh on a 48K)

// --- key codes in LAST-K (also RST 10h control codes: 0Dh starts a new line) ---
inline constexpr uint8_t kKeyEnter = 0x0D;
inline constexpr uint8_t kKeyDelete = 0x0C;   // CAPS SHIFT + 0
inline constexpr uint8_t kCursorLeft = 0x08;  // printed: move the print position left

// --- frame timing (48K, PAL) ---
inline constexpr uint32_t kFrameTStates = 69888;  // 312 lines x 224 T-states; one interrupt each
inline constexpr double kClockMhz = 3.5;
// Of each frame, 192 lines x 128 T-states are spent fetching the screen: only then does the
// ULA delay accesses to 4000h-7FFFh, by 6,5,4,3,2,1,0,0 T-states depending on the cycle.
inline constexpr uint32_t kContendedTStatesPerFrame = 192 * 128;

// --- where our program goes ---
inline constexpr uint16_t kLowestOrigin = 0x5E00;  // BASIC's loader and its workspace stay below
inline constexpr uint16_t kHighestEnd = kUdg;      // first byte we must not touch

struct Zx48Placement {
  uint16_t origin = 0;           // page-aligned load address of the image; CLEAR origin-1
  uint32_t end = 0;              // first byte above the program (stack top), <= kHighestEnd if it fits
  uint32_t span = 0;             // bytes from origin to end
  uint32_t contended_bytes = 0;  // how many of them lie in 4000h-7FFFh
  std::string problem;           // empty when it fits; else one line saying by how many bytes it does not
};

// Places a program needing `span_bytes` from a page-aligned origin (image, buffers, stack) as
// high as possible below kHighestEnd, but not below kLowestOrigin.
Zx48Placement place_zx48_program(uint32_t span_bytes);

// A human-readable table of the 48K map with the program placed (for --verbose and docs).
std::string format_zx48_map(const Zx48Placement& placement);

}  // namespace z80lm::zx
