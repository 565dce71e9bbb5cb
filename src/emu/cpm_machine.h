// cpm_machine.h — a cycle-counting CP/M 2.2 machine: a Z80, 64 KiB, and a host-side console BDOS.
//
//   ScriptedConsole console("hello\n");
//   CpmMachine machine(console, {.max_t_states = 100'000'000});
//   machine.load(com_bytes, args);                // like the CCP: A>PROG ARGS...
//   RunResult result = machine.run();              // result.exit_code: 0, 1, 2 (or 130)
//   ResponseStats stats = compute_response_stats(machine.timeline());
//
// Memory map (see the constants below): page zero as CP/M 2.2 sets it up; the program at
// 0100h; the TPA ends below `tpa_top`, the address stored at 0006h, which is also the BDOS
// entry; a BIOS jump table at FF00h; the initial stack at FEFEh holds 0000h so a final RET exits.
// BDOS and BIOS code is not emulated: PC reaching 0005h (or tpa_top) or a BIOS entry is trapped,
// the call is served on the host and the machine returns to the caller as a RET would.
//
// BDOS functions (C = function, DE = argument; results in HL, with A = L and B = H as CP/M does;
// functions without a result return HL = 0):
//   0 system reset (ends the run)        1 console input, echoed     2 console output (E)
//   6 direct console I/O: E=FFh key or 0, E=FEh status (FFh/00h), else output E, no echo
//   9 print string at DE up to '$'       10 read line into buffer DE (max at DE, count at DE+1,
//     text from DE+2; echo; BS/DEL erase, ^U/^X erase the line, CR or LF end it, ^C first = warm
//     boot; a full buffer ends the line; only a CR is echoed at the end, as CP/M 2.2 does)
//   11 console status (FFh/00h)          12 version: HL = 0022h
// Any other function stops the run: "unimplemented BDOS function 15 (open file) called from
// 0123h", where the address is that of the CALL (the return address - 3).
// BIOS entries BOOT and WBOOT end the run; CONST, CONIN, CONOUT work; the rest stop the run.
//
// The run ends cleanly (exit code 0) on: PC = 0000h (JP 0 or a RET to the initial 0000h),
// BDOS 0, a BIOS BOOT/WBOOT, ^C at the start of a BDOS 10 line, or end of input while the
// program waits for input (BDOS 1, 10, BIOS CONIN; a partly typed last line is submitted as if
// CR was pressed). Exit code 2: max_t_states reached (see Z80Cpu::run for the exact rule).
// Exit code 1: unimplemented or malformed call, HALT (nothing can wake it). 130: ^C on a terminal.
//
// Timing: every instruction costs its Zilog T-states; each BDOS/BIOS call costs the 10 T-states
// of the emulated RET plus `extra_t_states_per_call`; BDOS 9 also costs kPrintCharTStates (10)
// per character printed, as if each were a BDOS 2 call, and a string that reaches max_t_states
// is cut there (the run stops with exit code 2), so the limit bounds the output as well as the
// time. Console bytes are stamped with the T-state at which the call was entered (see
// console_timeline.h, which keeps a bounded record; the bytes themselves go to the Console).
//
// Not modelled: disks and files (BDOS 13..40), the CCP itself, the real BDOS/BIOS code and its
// cost (a real CP/M spends hundreds of T-states per character printed: set
// extra_t_states_per_call to charge an estimate), TAB expansion, ^S/^P, IOBYTE redirection.
// Registers other than HL, A and B survive BDOS calls here; a real BDOS clobbers them.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "emu/console.h"
#include "emu/console_timeline.h"
#include "emu/z80_cpu.h"

namespace z80lm::emu {

namespace cpm {
inline constexpr uint16_t kWarmBoot = 0x0000;    // JP to the BIOS warm boot: reaching it ends the program
inline constexpr uint16_t kIoByte = 0x0003;      // IOBYTE, 0 (console = TTY)
inline constexpr uint16_t kDriveUser = 0x0004;   // current drive (low nibble) and user (high): 0 = A:, user 0
inline constexpr uint16_t kBdosEntry = 0x0005;   // JP tpa_top: programs CALL 5 for system services
inline constexpr uint16_t kTpaTopWord = 0x0006;  // operand of that JP: first address above the TPA
inline constexpr uint16_t kFcb1 = 0x005C;        // default FCB, parsed from the first argument
inline constexpr uint16_t kFcb2 = 0x006C;        // second FCB (16 bytes), from the second argument
inline constexpr uint16_t kCommandTail = 0x0080;  // length byte + uppercased arguments; default DMA buffer
inline constexpr uint16_t kTpaStart = 0x0100;     // programs load and start here
inline constexpr uint16_t kDefaultTpaTop =
    0xE406;                                     // BDOS entry of a typical 64K CP/M 2.2 (BDOS base E400h + 6)
inline constexpr uint16_t kMinTpaTop = 0x0200;  // smallest tpa_top accepted: a 256-byte TPA
inline constexpr uint16_t kMaxTpaTop = 0xFE00;  // largest: leaves FE00h..FEFFh for the initial stack
inline constexpr uint16_t kBiosBase = 0xFF00;   // BIOS jump table, 17 entries of 3 bytes, all trapped
inline constexpr uint16_t kBiosWarmBoot = kBiosBase + 3;  // the target of the JP at 0000h
inline constexpr uint16_t kInitialStack = 0xFEFE;  // SP at start; the word there is 0000h (return = exit)
}  // namespace cpm

// What BDOS 9 charges per character, on top of the call's RET: a BDOS 2 call's RET.
inline constexpr uint32_t kPrintCharTStates = 10;

struct CpmConfig {
  uint16_t tpa_top = cpm::kDefaultTpaTop;  // word at 0006h; the TPA is 0100h..tpa_top-1
  uint64_t max_t_states = 0;               // 0: no limit
  uint32_t extra_t_states_per_call = 0;    // added to every BDOS/BIOS call, to model real BDOS cost
  bool profile = false;                    // fill cpu().t_states_by_pc()
  // When set, called once per BDOS call with a one-line description (no newline).
  std::function<void(const std::string& line)> trace_bdos = nullptr;
  // When set, called after every console output byte is recorded in the timeline (its last entry).
  std::function<void(const ConsoleTimeline& timeline)> on_output = nullptr;
};

enum class ExitReason : uint8_t {
  kWarmBoot,           // PC reached 0000h or a BIOS BOOT/WBOOT entry, or ^C began a BDOS 10 line
  kSystemReset,        // BDOS function 0
  kEndOfInput,         // the program asked for input and there was none left
  kTStateLimit,        // CpmConfig::max_t_states reached
  kUnimplementedCall,  // a BDOS function or BIOS entry this machine does not provide
  kBadCall,            // a call with arguments the machine cannot serve (BDOS 9 without '$')
  kHalted,             // HALT: nothing in this machine raises interrupts
  kInterrupted,        // ^C on an interactive terminal
};

struct RunResult {
  ExitReason reason = ExitReason::kWarmBoot;
  int exit_code = 0;    // 0 clean exits, 1 errors, 2 T-state limit, 130 interrupted
  std::string message;  // one line saying why the run ended, e.g. "program jumped to 0000h (warm boot)"
  std::string hint;     // for errors: what to do about it
  uint64_t t_states = 0;
  uint16_t pc = 0;  // where the program was when it ended
};

const char* bdos_function_name(uint8_t function);  // "open file"; "unknown" past 40

class CpmMachine {
 public:
  // Throws z80lm::Error if config.tpa_top is outside kMinTpaTop..kMaxTpaTop.
  explicit CpmMachine(Console& console, CpmConfig config = {});

  // Sets up page zero, the command tail and FCBs from `args`, and loads the program at 0100h.
  // Throws z80lm::Error (naming `program_name` and the sizes) if the program is empty or larger
  // than the TPA, or if the command tail exceeds 127 characters.
  void load(std::span<const uint8_t> program, std::span<const std::string> args = {},
            std::string_view program_name = "program");
  // Runs the loaded program to its end. Call once, after load().
  RunResult run();

  const ConsoleTimeline& timeline() const { return timeline_; }
  Z80Cpu& cpu() { return cpu_; }
  const Z80Cpu& cpu() const { return cpu_; }
  uint16_t tpa_top() const { return config_.tpa_top; }
  // Names for the profiler's trapped addresses: "(warm boot)", "(BDOS)", "(BIOS)".
  std::map<std::string, uint16_t> system_symbols() const;

 private:
  TrapOutcome on_bdos(Z80Cpu& cpu);
  TrapOutcome on_bios(Z80Cpu& cpu, uint8_t entry);
  TrapOutcome stop(ExitReason reason, std::string message, std::string hint = {});
  TrapOutcome return_to_caller(uint16_t hl);
  void emit(uint8_t byte);
  void begin_input(uint8_t function);
  void end_input(std::string text, bool end_of_input);
  // BDOS 9's output, charged kPrintCharTStates per character; stops the run at the limit.
  TrapOutcome print_string(std::string_view text, std::string& trace);
  // A key for BDOS 1 / BIOS CONIN; std::nullopt at end of input (the caller then stops).
  std::optional<uint8_t> read_key(uint8_t function, bool echo);
  TrapOutcome no_more_input();
  TrapOutcome read_line(uint16_t buffer, std::string& trace);

  Console& console_;
  CpmConfig config_;
  Z80Cpu cpu_;
  ConsoleTimeline timeline_;
  RunResult result_;
  uint64_t call_t_state_ = 0;  // clock at entry of the BDOS/BIOS call being served
  bool loaded_ = false;
  bool ran_ = false;
};

}  // namespace z80lm::emu
