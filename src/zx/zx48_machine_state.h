// zx48_machine_state.h — a 48K Spectrum's RAM and registers at the moment a BASIC loader has run
// `CLEAR ramtop: LOAD "" CODE : RANDOMIZE USR entry`, built without a ROM.
//
//   Zx48State s = loader_state({.program = autorun_loader(a), .ramtop = 0x5DFF,
//                               .usr_return = kRomStackBc, .error_return = kMain4});
//   s.load(0x5E00, code);            // what LOAD "" CODE put there
//   s.pc = 0x5E00;                   // what RANDOMIZE USR jumps to
//
// Used twice: by the snapshot export (the state a .z80 file starts from) and by the ROM-less
// Spectrum machine of `z80lm run` (the state a .TAP starts from). One definition of "what the
// ROM leaves behind", so both see the same system variables.
//
// What is set (the Sinclair 48K ROM's documented values after start-up and NEW, then the
// effects of the loader): system variables 5C00h-5CB5h, the channel table at 5CB6h, the
// loader at 5CCBh followed by an empty variables area and edit line, a blank screen
// (attributes 38h, black on white), RAMTOP = ramtop, and the stack just below RAMTOP:
//   ramtop      3Eh  \ end marker of the GO SUB stack, as CLEAR leaves it
//   ramtop-1    00h  /
//   ramtop-3    error_return  (ERR-SP points here: an error report "returns" to this address)
//   ramtop-5    usr_return    (SP points here: the machine code's final RET goes there)
// Registers: IY = 5C3Ah, I = 3Fh, IM 1, interrupts enabled, border white, SP as above.
// Invariants: ram holds exactly 49152 bytes (4000h-FFFFh); nothing above ramtop is touched
// except the UDGs at FF58h (the ROM's copies of A-U), so code loaded there is unaffected.
// Not modelled: the exact interpreter state in the middle of RANDOMIZE USR (calculator stack,
// CH-ADD pointing into the line): code that returns into BASIC needs the real ROM and the
// .TAP route anyway; the channel addresses of a ROM other than Sinclair's (a snapshot's
// program copies the ROM's own table from kRomInitialChannels at start, see program_zx48).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "zx/zx48_memory_map.h"

namespace z80lm::zx {

inline constexpr uint16_t kSinclairMain4 = 0x1303;  // MAIN-4 in the Sinclair ROM: prints a report

struct LoaderStateOptions {
  std::span<const uint8_t> program;  // the BASIC program (tokenized), stored at PROG
  uint16_t ramtop = 0;               // the loader's CLEAR value
  uint16_t usr_return = kRomStackBc;
  uint16_t error_return = kSinclairMain4;
  uint16_t line = 10;     // the line being executed (PPC)
  uint8_t statement = 3;  // the statement being executed (SUBPPC)
};

struct Zx48State {
  std::vector<uint8_t> ram;  // 4000h..FFFFh: ram[address - 4000h]
  uint16_t af = 0, bc = 0, de = 0, hl = 0, ix = 0;
  uint16_t alt_af = 0, alt_bc = 0, alt_de = 0, alt_hl = 0;
  uint16_t iy = kIy;
  uint16_t sp = 0;
  uint16_t pc = 0;
  uint8_t i = 0x3F;  // the ROM sets I = 3Fh (never used in IM 1)
  uint8_t r = 0;
  bool iff1 = true, iff2 = true;
  uint8_t interrupt_mode = 1;
  uint8_t border = 7;  // white

  uint8_t byte(uint16_t address) const;  // 0000h-3FFFh reads FFh (no ROM here)
  uint16_t word(uint16_t address) const;
  void set_byte(uint16_t address, uint8_t value);  // ignored below 4000h
  void set_word(uint16_t address, uint16_t value);
  // Copies bytes to address..; throws z80lm::Error if they do not fit in 4000h-FFFFh.
  void load(uint16_t address, std::span<const uint8_t> bytes);
};

// Throws z80lm::Error if the program does not fit below ramtop with the room BASIC needs.
Zx48State loader_state(const LoaderStateOptions& options);

// The Sinclair 48K ROM's initial channel table (K, S, R, P and the 80h end marker), as the
// ROM copies it from kRomInitialChannels to CHANS at start-up.
std::span<const uint8_t> sinclair_initial_channels();

}  // namespace z80lm::zx
