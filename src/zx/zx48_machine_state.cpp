#include "zx/zx48_machine_state.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>

#include "util/error.h"

namespace z80lm::zx {

namespace {

// The ROM's initial channel table: output routine, input routine, channel letter, for
// K (keyboard / lower screen), S (upper screen), R (workspace) and P (printer); 80h ends it.
// PRINT-OUT 09F4h, KEY-INPUT 10A8h, REPORT-J 15C4h, ADD-CHAR 0F81h.
constexpr std::array<uint8_t, kChannelTableBytes> kSinclairChannels = {
    0xF4, 0x09, 0xA8, 0x10, 'K',  // K: print to the lower screen, read the keyboard
    0xF4, 0x09, 0xC4, 0x15, 'S',  // S: print to the upper screen; input is an error
    0x81, 0x0F, 0xC4, 0x15, 'R',  // R: insert into the workspace
    0xF4, 0x09, 0xC4, 0x15, 'P',  // P: printer
    0x80};

// Stream -> channel offsets (1 + offset into CHANS) for streams FDh, FEh, FFh, 0, 1, 2, 3:
// K, S, R, K, K, S, P; streams 4..15 are closed (0).
constexpr std::array<uint8_t, 14> kInitialStreams = {0x01, 0x00, 0x06, 0x00, 0x0B, 0x00, 0x01,
                                                     0x00, 0x01, 0x00, 0x06, 0x00, 0x10, 0x00};

constexpr uint8_t kAttributeBlackOnWhite = 0x38;
constexpr uint8_t kEndOfVariables = 0x80;
constexpr uint8_t kEnter = 0x0D;
// The ROM refuses to run when fewer than 80 bytes are free between the calculator stack and
// the machine stack (TEST-ROOM); we keep at least that between STKEND and our stack frame.
constexpr uint32_t kBasicFreeMemory = 80;

}  // namespace

uint8_t Zx48State::byte(uint16_t address) const {
  return address < kScreen ? 0xFF : ram[address - kScreen];
}

uint16_t Zx48State::word(uint16_t address) const {
  return static_cast<uint16_t>(byte(address) | (byte(static_cast<uint16_t>(address + 1)) << 8));
}

void Zx48State::set_byte(uint16_t address, uint8_t value) {
  if (address >= kScreen) ram[address - kScreen] = value;
}

void Zx48State::set_word(uint16_t address, uint16_t value) {
  set_byte(address, static_cast<uint8_t>(value & 0xFF));
  set_byte(static_cast<uint16_t>(address + 1), static_cast<uint8_t>(value >> 8));
}

void Zx48State::load(uint16_t address, std::span<const uint8_t> bytes) {
  if (address < kScreen || address + bytes.size() > kRamEnd)
    throw Error(fmt::format("cannot load {} bytes at {:04X}h: a 48K Spectrum has RAM at {:04X}h-FFFFh only",
                            bytes.size(), address, kScreen),
                "load at a higher address or load fewer bytes");
  std::copy(bytes.begin(), bytes.end(), ram.begin() + (address - kScreen));
}

std::span<const uint8_t> sinclair_initial_channels() {
  return kSinclairChannels;
}

Zx48State loader_state(const LoaderStateOptions& o) {
  Zx48State s;
  s.ram.assign(kRamBytes, 0);
  std::fill_n(s.ram.begin() + (kAttributes - kScreen), kAttributeBytes, kAttributeBlackOnWhite);

  // The BASIC areas: program, variables (empty), edit line (empty), workspace, calculator stack.
  const uint32_t vars = kProg + static_cast<uint32_t>(o.program.size());
  const uint32_t e_line = vars + 1;
  const uint32_t worksp = e_line + 2;
  const uint32_t frame_bottom = static_cast<uint32_t>(o.ramtop) - 5;  // lowest byte of our stack frame
  if (o.ramtop >= kUdg || worksp + kBasicFreeMemory > frame_bottom)
    throw Error(
        fmt::format("a {}-byte BASIC program with RAMTOP at {:04X}h does not fit: BASIC needs memory up "
                    "to {:04X}h",
                    o.program.size(), o.ramtop, worksp + kBasicFreeMemory + 5),
        "raise the CLEAR address or shorten the loader");
  s.load(kProg, o.program);
  s.set_byte(static_cast<uint16_t>(vars), kEndOfVariables);
  s.set_byte(static_cast<uint16_t>(e_line), kEnter);
  s.set_byte(static_cast<uint16_t>(e_line + 1), kEndOfVariables);
  s.load(kChans, kSinclairChannels);
  s.load(kStrms, kInitialStreams);

  // System variables (the ones not set here stay 0).
  const std::array<uint8_t, 8> kstate = {0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00};  // no key held
  s.load(kKstate, kstate);
  s.set_byte(kLastK, kEnter);  // the ENTER that started LOAD ""
  s.set_byte(kRepdel, 35);
  s.set_byte(kRepper, 5);
  s.set_word(kChars, 0x3C00);
  s.set_byte(kRasp, 0x40);
  s.set_byte(kErrNr, 0xFF);  // no error
  s.set_byte(kFlags, 0xCC);
  s.set_word(kErrSp, static_cast<uint16_t>(o.ramtop - 3));
  s.set_word(kNxtlin, static_cast<uint16_t>(vars));
  s.set_word(kPpc, o.line);
  s.set_byte(kSubppc, o.statement);
  s.set_byte(kBordcr, kAttributeBlackOnWhite);
  s.set_word(kVars, static_cast<uint16_t>(vars));
  s.set_word(kChansVar, kChans);
  s.set_word(kCurchl, kChans + 5);  // S: the upper screen
  s.set_word(kProgVar, kProg);
  s.set_word(kDatadd, kProg - 1);
  s.set_word(kELine, static_cast<uint16_t>(e_line));
  s.set_word(kKCur, static_cast<uint16_t>(e_line));
  s.set_word(kChAdd, static_cast<uint16_t>(vars - 1));  // the 0Dh ending the loader's last line
  s.set_word(kWorksp, static_cast<uint16_t>(worksp));
  s.set_word(kStkbot, static_cast<uint16_t>(worksp));
  s.set_word(kStkend, static_cast<uint16_t>(worksp));
  s.set_word(kMem, kMembot);
  s.set_byte(kDfSz, 2);
  s.set_word(kUdgVar, kUdg);
  s.set_byte(kPPosn, 0x21);
  s.set_word(kPrCc, kPrinterBuffer);
  s.set_word(kEchoE, 0x1721);
  s.set_word(kDfCc, kScreen);
  s.set_word(kDfCcl, 0x50E0);
  s.set_word(kSPosn, 0x1821);  // column 33-33 = 0, line 24-24 = 0: top left
  s.set_word(kSPosnl, 0x1721);
  s.set_byte(kScrCt, 1);
  s.set_byte(kAttrP, kAttributeBlackOnWhite);
  s.set_byte(kAttrT, kAttributeBlackOnWhite);
  s.set_word(kRamtop, o.ramtop);
  s.set_word(kPRamt, 0xFFFF);

  // The stack frame below RAMTOP (see the header).
  s.set_byte(o.ramtop, 0x3E);
  s.set_byte(static_cast<uint16_t>(o.ramtop - 1), 0x00);
  s.set_word(static_cast<uint16_t>(o.ramtop - 3), o.error_return);
  s.set_word(static_cast<uint16_t>(o.ramtop - 5), o.usr_return);
  s.sp = static_cast<uint16_t>(o.ramtop - 5);
  return s;
}

}  // namespace z80lm::zx
