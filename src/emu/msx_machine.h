// msx_machine.h — a minimal, BIOS-less MSX1 with 64 KB RAM: runs a cartridge ROM chat program headless.
//
//   ScriptedConsole console("HELLO\n");
//   MsxMachine machine(console, {.max_t_states = 2'000'000'000});
//   machine.load_rom(bytes, "CHAT.ROM");            // an ASCII16 cartridge in slot 1
//   RunResult result = machine.run();               // same RunResult/ExitReason as CpmMachine
//   uint64_t m1 = machine.cpu().m1_cycles();        // the MSX adds a wait state to each
//
// Slots as in openMSX's C-BIOS_MSX1: slot 0 the BIOS (page 0), slot 1 the cartridge, slot 2
// empty, slot 3 64 KB of RAM; no expanded slots (EXPTBL all 0). Port A8h selects a slot per
// page; the cartridge is an ASCII16 mapper (banks of 16 KiB; writes to 6000h-67FFh and
// 7000h-77FFh in page 1 choose the banks of pages 1 and 2; bank 0 in both at reset). Writes to
// ROM and empty slots are ignored. The boot is not run: the machine starts as the BIOS calls a
// cartridge's INIT (page 1 the cartridge, pages 2 and 3 RAM, IM 1, DI), with its work area holding
// what our programs read (EXPTBL, SLTTBL, hooks set to RET).
//
// The BIOS is not emulated. Its entry points are trapped and served on the host, like the CP/M
// BDOS; every other BIOS address stops the run with a message:
//   00A2h CHPUT   print A: 20h-7Eh as ASCII, LF as a line break, BS as backspace; CR and other
//                 control codes print nothing (the timeline records every byte).
//   009Fh CHGET   the next console byte (LF or CR -> 0Dh RETURN, DEL -> 08h BS); end of input
//                 while the program waits ends the run (exit 0).
//   0024h ENASLT  selects the slot in A (not expanded) for the page in H's top bits; DI.
//   0138h RSLREG  A = port A8h.   006Ch INITXT, 00C3h CLS, 00CCh ERAFNK, 0156h KILBUF: nothing shown.
//   0038h the IM 1 handler: JIFFY += 1, then EI; RET. 0000h (reset) ends the run.
// A VDP interrupt is raised every kFrameTStates (50 Hz) and stays pending until accepted (the
// VDP's line is level-triggered). Returning from INIT ("boot goes on into BASIC") and HALT with
// interrupts disabled (how our chat stops) end the run cleanly (exit 0).
//
// Timing: exact Zilog T-states of the program's own instructions; the BIOS code not run is
// charged per call (MsxConfig). cpu().m1_cycles() counts opcode fetches of the program's own
// code: on a real MSX each costs one more T-state (the M1 wait state).
// Not modelled: the VDP and screen, the keyboard matrix and its buffer, sound, expanded slots,
// other mappers, MSX2.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emu/console.h"
#include "emu/console_timeline.h"
#include "emu/cpm_machine.h"
#include "emu/z80_cpu.h"

namespace z80lm::emu {

// T-states of the BIOS code we do not run, from its entry to its RET inclusive: C-BIOS 0.28 in
// openMSX 18 (C-BIOS_MSX1), measured with a breakpoint at the entry and one at the return address
// (emulated time x 3,579,545; the MSX's M1 wait states included). See docs/msx.md.
inline constexpr uint32_t kMsxInterruptTStates = 502;  // KEYINT at 0038h, hooks RET, no key held
inline constexpr uint32_t kMsxPrintTStates = 1210;     // CHPUT of one printable character, screen 0

struct MsxConfig {
  uint64_t max_t_states = 0;  // 0: no limit
  bool profile = false;       // fill cpu().t_states_by_pc()
  uint32_t interrupt_t_states = kMsxInterruptTStates;
  uint32_t print_t_states = kMsxPrintTStates;
  // When set, called with one line per BIOS call served (CHPUT, CHGET, ENASLT ...).
  std::function<void(const std::string& line)> trace_bios = nullptr;
  // When set, called after every output byte is recorded in the timeline (its last entry).
  std::function<void(const ConsoleTimeline& timeline)> on_output = nullptr;
};

// True for a file name ending in .rom (any case).
bool is_msx_program_name(std::string_view path);

class MsxMachine {
 public:
  explicit MsxMachine(Console& console, MsxConfig config = {});

  // A cartridge image: a multiple of 16 KiB, at most 2 MiB, "AB" and an INIT address in
  // 4000h-7FFFh at its start. Throws z80lm::Error naming the file otherwise.
  void load_rom(std::span<const uint8_t> bytes, std::string_view name);
  const std::string& description() const { return description_; }

  // Runs the loaded cartridge to its end. Call once, after loading.
  RunResult run();

  const ConsoleTimeline& timeline() const { return timeline_; }
  Z80Cpu& cpu() { return cpu_; }
  const Z80Cpu& cpu() const { return cpu_; }
  // Names for the profiler: "(CHPUT)", "(interrupt)", "(BIOS)" ...
  std::map<std::string, uint16_t> system_symbols() const;

 private:
  void install_bios(uint16_t init);
  void select_slots(uint8_t primary);  // port A8h
  void refresh_page(int page);         // the CPU's view of `page` from the selected slot
  bool write_filter(uint16_t address, uint8_t value);
  TrapOutcome chput(Z80Cpu& cpu);
  TrapOutcome chget(Z80Cpu& cpu);
  TrapOutcome enaslt(Z80Cpu& cpu);
  TrapOutcome interrupt(Z80Cpu& cpu);
  TrapOutcome stop(ExitReason reason, std::string message, std::string hint = {});
  void trace(const std::string& line);
  void emit(uint8_t raw, std::optional<uint8_t> shown);

  Console& console_;
  MsxConfig config_;
  Z80Cpu cpu_;
  ConsoleTimeline timeline_;
  RunResult result_;
  std::string description_;
  std::vector<uint8_t> bios_;               // the stand-in BIOS page (RETs, traps, start stub)
  std::vector<uint8_t> rom_;                // the cartridge
  std::vector<uint8_t> ram_;                // slot 3's 64 KB (pages not currently in the CPU's view)
  std::array<uint32_t, 2> banks_ = {0, 0};  // ASCII16 banks of pages 1 and 2
  std::array<int, 4> slot_of_page_ = {0, 1, 3, 3};
  uint8_t primary_ = 0;       // port A8h
  bool handler_due_ = false;  // an interrupt was accepted: its handler is still to be charged
  bool loaded_ = false;
  bool ran_ = false;
};

}  // namespace z80lm::emu
