// zx_machine.h — a minimal, ROM-less ZX Spectrum 48K: runs a .TAP or .z80 chat program headless.
//
//   ScriptedConsole console("HELLO\n");
//   ZxMachine machine(console, {.max_t_states = 2'000'000'000});
//   machine.load_file(bytes, "chat.tap");          // .tap or .z80, by content
//   RunResult result = machine.run();               // same RunResult/ExitReason as CpmMachine
//   ResponseStats stats = compute_response_stats(machine.timeline());
//
// Loading: a .TAP is not played through the ROM's tape loader. Its BASIC program (the first
// Program file) is read for the CLEAR value (RAMTOP) and the USR address (the entry); every
// Bytes file is put at its load address; the RAM around it is what the ROM would leave after
// running the loader (zx/zx48_machine_state.h). A .z80 snapshot is loaded as it is.
//
// The ROM is not emulated (the real one cannot be shipped). Its entry points are trapped and
// served on the host, like the CP/M BDOS; every other ROM address stops the run with a message:
//   0010h RST 10h   print A: 20h-7Eh as ASCII (so the Spectrum's £ and ↑ at 60h and 5Eh show as
//                   ` and ^), 0Dh as a line break, 08h (cursor left) as backspace; the
//                   parameters of 10h-17h (colours, AT, TAB) are swallowed; 7Fh-FFh (©,
//                   graphics, tokens) print '?'; other control codes print nothing.
//   1601h CHAN-OPEN, 0DAFh CL-ALL, 0D6Bh CLS: accepted, nothing printed.
//   0038h the IM 1 interrupt handler: FRAMES += 1 and the keyboard (below); then EI; RET.
//   0000h (reset) and 2D2Bh (where USR returns into BASIC) end the run cleanly: "back to BASIC".
//   0008h (RST 08h, error report) ends the run: exit code 0 for report "0 OK", else 1.
// A frame interrupt is raised every 69888 T-states (50 Hz) when interrupts are enabled. The run
// starts in a 6-byte stub at 3FF0h (IM 1; EI or DI as the snapshot says; JP entry): 22 T-states
// the real machine does not spend.
//
// Keyboard: the ROM's interrupt handler puts a new key in LAST-K (5C08h) and sets FLAGS bit 5.
// Here a key is typed when the program waits for one, which is when it executes HALT with
// FLAGS bit 5 clear: the machine takes the next byte from the console (CR -> ENTER 0Dh,
// BS/DEL -> DELETE 0Ch; other control bytes are skipped), and the next interrupt delivers it.
// Each key is one InputRequest in the timeline (function 1, like BDOS 1), stamped when the HALT
// began; printed bytes are stamped when RST 10h was entered. A HALT that no interrupt can end
// (interrupts disabled) stops the run with exit code 1.
//
// Timing: exact Zilog T-states for the program's own instructions. The ROM code we do not
// run is charged a fixed estimate per call (ZxConfig), measured on OpenSE BASIC in this CPU.
// Not modelled: memory contention (the ULA slows accesses to 4000h-7FFFh while it draws the
// screen; see docs/zx.md for the measured effect), the screen itself, sound, the tape, BASIC,
// the "scroll?" prompt, keyboard auto-repeat.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "emu/console.h"
#include "emu/console_timeline.h"
#include "emu/cpm_machine.h"
#include "emu/z80_cpu.h"

namespace z80lm::emu {

// T-states the ROM code we do not run takes, from its entry to its RET inclusive, as measured
// on OpenSE BASIC in this CPU without contention (bench/zx_bench.cpp). The RST 10h itself (11)
// and the interrupt's acceptance (13) are counted by the CPU as usual.
inline constexpr uint32_t kZxInterruptTStates = 857;  // MASK-INT + KEYBOARD at 0038h, no key held
inline constexpr uint32_t kZxPrintTStates = 1401;     // RST 10h's PRINT-OUT of one printable character

struct ZxConfig {
  uint64_t max_t_states = 0;  // 0: no limit
  bool profile = false;       // fill cpu().t_states_by_pc()
  uint32_t interrupt_t_states = kZxInterruptTStates;
  uint32_t print_t_states = kZxPrintTStates;
  // When set, called with one line per ROM call served (RST 10h, CHAN-OPEN, keys ...).
  std::function<void(const std::string& line)> trace_rom = nullptr;
  // When set, called after every output byte is recorded in the timeline (its last entry).
  std::function<void(const ConsoleTimeline& timeline)> on_output = nullptr;
};

// What load_file found: for messages and tests.
struct ZxProgramInfo {
  bool snapshot = false;
  uint16_t entry = 0;       // USR address, or the snapshot's PC
  uint16_t ramtop = 0;      // CLEAR value (TAP only)
  std::string description;  // "CHAT.TAP: loader CLEAR 24063, USR 24320; Bytes CHAT at 5E00h (40123 bytes)"
};

// True for a file name ending in .tap or .z80 (any case).
bool is_zx_program_name(std::string_view path);

class ZxMachine {
 public:
  explicit ZxMachine(Console& console, ZxConfig config = {});

  // A .z80 snapshot or a .TAP, told apart by content (a TAP's first block checks out).
  // Throws z80lm::Error naming the file for anything that cannot be run: damaged files, a tape
  // without a BASIC loader with CLEAR and USR, code that does not fit in RAM.
  void load_file(std::span<const uint8_t> bytes, std::string_view name);
  void load_tap(std::span<const uint8_t> bytes, std::string_view name);
  void load_snapshot(std::span<const uint8_t> bytes, std::string_view name);
  const ZxProgramInfo& program() const { return program_; }

  // Runs the loaded program to its end. Call once, after loading.
  RunResult run();

  const ConsoleTimeline& timeline() const { return timeline_; }
  Z80Cpu& cpu() { return cpu_; }
  const Z80Cpu& cpu() const { return cpu_; }
  // Names for the profiler: "(RST 10h print)", "(interrupt)", "(screen)", "(BASIC)" ...
  std::map<std::string, uint16_t> system_symbols() const;

 private:
  // Fills 0000h-3FFFh and its traps; the run starts in a stub that sets IM 1, EI/DI, JP entry.
  void install_rom(uint16_t entry, bool interrupts_enabled);
  TrapOutcome print(Z80Cpu& cpu);
  TrapOutcome interrupt(Z80Cpu& cpu);
  TrapOutcome stop(ExitReason reason, std::string message, std::string hint = {});
  void trace(const std::string& line);
  void emit(uint8_t raw, std::optional<uint8_t> shown);
  // The program HALTed at `asked_at` with no key waiting: read one from the console for the
  // interrupt handler to deliver. False at end of input (the run has been stopped).
  bool take_key(uint64_t asked_at);

  Console& console_;
  ZxConfig config_;
  Z80Cpu cpu_;
  ConsoleTimeline timeline_;
  RunResult result_;
  ZxProgramInfo program_;
  std::optional<uint8_t> pending_key_;  // typed, waiting for the next interrupt to deliver it
  uint8_t print_parameters_left_ = 0;   // bytes still owed to a 10h-17h control code
  bool loaded_ = false;
  bool ran_ = false;
};

}  // namespace z80lm::emu
