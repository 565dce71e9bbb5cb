#include "emu/zx_machine.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <stdexcept>

#include "emu/run_limits.h"
#include "util/error.h"
#include "zx/basic_program.h"
#include "zx/tap_file.h"
#include "zx/z80_snapshot.h"
#include "zx/zx48_machine_state.h"

namespace z80lm::emu {

namespace {

using namespace z80lm::zx;

constexpr uint8_t kEi = 0xFB;
constexpr uint8_t kDi = 0xF3;
// Z80Cpu cannot set IM and IFF directly, so runs start in the fake ROM at IM 1; EI (or DI);
// JP entry, 22 T-states the real machine does not spend.
constexpr uint16_t kStartStub = 0x3FF0;
constexpr size_t kStartStubBytes = 6;
constexpr uint8_t kRet = 0xC9;
constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kLf = 0x0A;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kDel = 0x7F;
constexpr uint64_t kSliceTStates = 2'000'000;  // how often run() looks for ^C: about 10 ms of host time

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}

int exit_code_of(ExitReason reason) {
  switch (reason) {
    case ExitReason::kWarmBoot:
    case ExitReason::kSystemReset:
    case ExitReason::kEndOfInput:
      return 0;
    case ExitReason::kTStateLimit:
      return 2;
    case ExitReason::kInterrupted:
      return 130;
    case ExitReason::kUnimplementedCall:
    case ExitReason::kBadCall:
    case ExitReason::kHalted:
      return 1;
  }
  return 1;
}

// Parameters that follow a control code in RST 10h output: INK..OVER take 1, AT and TAB take 2.
uint8_t parameters_of(uint8_t code) {
  if (code >= 0x10 && code <= 0x15) return 1;
  if (code == 0x16 || code == 0x17) return 2;
  return 0;
}

std::string describe_key(uint8_t key) {
  if (key == kKeyEnter) return "ENTER";
  if (key == kKeyDelete) return "DELETE";
  return fmt::format("'{}'", static_cast<char>(key));
}

}  // namespace

bool is_zx_program_name(std::string_view path) {
  return ends_with_ci(path, ".tap") || ends_with_ci(path, ".z80");
}

ZxMachine::ZxMachine(Console& console, ZxConfig config) : console_(console), config_(std::move(config)) {}

void ZxMachine::load_file(std::span<const uint8_t> bytes, std::string_view name) {
  // A TAP starts with a block length whose block checks out; a .z80 header practically never does.
  bool looks_like_tap = false;
  try {
    looks_like_tap = !parse_tap(bytes, name).empty();
  } catch (const Error&) {
    looks_like_tap = false;
  }
  if (looks_like_tap || ends_with_ci(name, ".tap"))
    load_tap(bytes, name);
  else
    load_snapshot(bytes, name);
}

void ZxMachine::load_tap(std::span<const uint8_t> bytes, std::string_view name) {
  const std::vector<TapeFile> files = tape_files(parse_tap(bytes, name), name);
  const auto loader = std::find_if(files.begin(), files.end(),
                                   [](const TapeFile& f) { return f.header.type == TapeFileType::kProgram; });
  if (loader == files.end())
    throw Error(
        fmt::format("{}: the tape has no BASIC program, so nothing says where to CLEAR and what to run",
                    name),
        "export the tape with z80lm export -t zx48: it writes a BASIC loader before the code");
  const std::string loader_name = fmt::format("{} (BASIC \"{}\")", name, loader->header.name);
  const std::vector<BasicLine> lines = parse_basic_program(loader->data, loader_name);
  const std::optional<uint16_t> ramtop = number_after_token(lines, kTokenClear);
  const std::optional<uint16_t> entry = number_after_token(lines, kTokenUsr);
  if (!ramtop || !entry)
    throw Error(fmt::format("{}: the loader has no {} with a number", loader_name, !ramtop ? "CLEAR" : "USR"),
                "z80lm run understands loaders of the form CLEAR n: LOAD \"\" CODE : RANDOMIZE USR m");
  Zx48State state = loader_state({.program = loader->data, .ramtop = *ramtop});
  program_.description = fmt::format("{}: loader CLEAR {}, USR {} ({:04X}h)", name, *ramtop, *entry, *entry);
  bool any_code = false;
  for (const TapeFile& f : files) {
    if (f.header.type != TapeFileType::kCode) continue;
    if (f.header.param1 <= *ramtop)
      throw Error(fmt::format("{}: Bytes \"{}\" loads at {:04X}h, below the loader's RAMTOP {:04X}h", name,
                              f.header.name, f.header.param1, *ramtop),
                  "the code must load above the CLEAR address, or BASIC overwrites it");
    state.load(f.header.param1, f.data);
    program_.description +=
        fmt::format("; Bytes \"{}\" at {:04X}h ({} bytes)", f.header.name, f.header.param1, f.data.size());
    any_code = true;
  }
  if (!any_code)
    throw Error(fmt::format("{}: the tape has no Bytes (CODE) file to run", name),
                "export the tape with z80lm export -t zx48");
  program_.snapshot = false;
  program_.entry = *entry;
  program_.ramtop = *ramtop;

  cpu_.load(kScreen, state.ram);
  cpu_.set_sp(state.sp);
  cpu_.set_reg(Reg16::kIY, state.iy);
  install_rom(*entry, /*interrupts_enabled=*/true);  // RANDOMIZE USR runs with IM 1 and EI
  loaded_ = true;
}

void ZxMachine::load_snapshot(std::span<const uint8_t> bytes, std::string_view name) {
  const Zx48State s = decode_z80_snapshot(bytes, name);
  if (s.interrupt_mode == 2)
    throw Error(fmt::format("{}: the snapshot uses interrupt mode 2", name),
                "z80lm run serves the ROM's IM 1 interrupt only");
  cpu_.load(kScreen, s.ram);
  cpu_.set_reg(Reg16::kAF, s.af);
  cpu_.set_reg(Reg16::kBC, s.bc);
  cpu_.set_reg(Reg16::kDE, s.de);
  cpu_.set_reg(Reg16::kHL, s.hl);
  cpu_.set_reg(Reg16::kIX, s.ix);
  cpu_.set_reg(Reg16::kIY, s.iy);
  cpu_.set_reg(Reg16::kAltAF, s.alt_af);
  cpu_.set_reg(Reg16::kAltBC, s.alt_bc);
  cpu_.set_reg(Reg16::kAltDE, s.alt_de);
  cpu_.set_reg(Reg16::kAltHL, s.alt_hl);
  cpu_.set_sp(s.sp);
  program_.snapshot = true;
  program_.entry = s.pc;
  program_.description =
      fmt::format("{}: snapshot, PC {:04X}h, SP {:04X}h, IY {:04X}h", name, s.pc, s.sp, s.iy);
  install_rom(s.pc, s.iff1);
  loaded_ = true;
}

void ZxMachine::install_rom(uint16_t entry, bool interrupts_enabled) {
  // The fake ROM: zeros, the initial channel table (programs may copy it), EI; RET at 0038h,
  // a RET at every served entry so a disassembly reads sensibly, and the start stub. Every
  // address but the stub's and the RET after EI is trapped.
  std::vector<uint8_t> rom(kRomBytes, 0);
  const std::array<uint8_t, kStartStubBytes> stub = {0xED,
                                                     0x56,  // IM 1
                                                     interrupts_enabled ? kEi : kDi,
                                                     0xC3,  // JP entry
                                                     static_cast<uint8_t>(entry & 0xFF),
                                                     static_cast<uint8_t>(entry >> 8)};
  std::copy(stub.begin(), stub.end(), rom.begin() + kStartStub);
  const std::span<const uint8_t> channels = sinclair_initial_channels();
  std::copy(channels.begin(), channels.end(), rom.begin() + kRomInitialChannels);
  rom[kRomInterrupt] = kEi;
  rom[kRomInterrupt + 1] = kRet;
  for (uint16_t a : {kRomPrintA, kRomChanOpen, kRomClAll, kRomCls}) rom[a] = kRet;
  cpu_.load(0, rom);
  cpu_.set_rom_size(kRomBytes);

  for (uint32_t a = 0; a < kRomBytes; ++a) {
    const auto address = static_cast<uint16_t>(a);
    if (address == kRomInterrupt + 1) continue;  // the RET after EI runs as code
    if (address >= kStartStub && address < kStartStub + kStartStubBytes) continue;
    cpu_.set_trap(address, [this, address](Z80Cpu& cpu) {
      const auto caller = static_cast<uint16_t>(cpu.read_word(cpu.sp()) - 3);
      return stop(
          ExitReason::kUnimplementedCall,
          fmt::format("the program reached ROM address {:04X}h (called from about {:04X}h), which this "
                      "ROM-less Spectrum does not provide",
                      address, caller),
          "z80lm run serves RST 10h, CHAN-OPEN, CL-ALL, CLS and the interrupt handler only; run the "
          "program in a Spectrum emulator with a ROM (e.g. fuse) for anything else");
    });
  }
  auto served = [this](Z80Cpu& cpu, std::string_view what, uint32_t cost) {
    trace(fmt::format("rom t={} {}", cpu.t_states(), what));
    cpu.add_t_states(cost);
    cpu.emulate_ret();
    return TrapOutcome::kResumed;
  };
  cpu_.set_trap(kRomPrintA, [this](Z80Cpu& cpu) { return print(cpu); });
  cpu_.set_trap(kRomChanOpen, [served](Z80Cpu& cpu) {
    return served(cpu, fmt::format("CHAN-OPEN stream {}", static_cast<int8_t>(cpu.reg8(Reg8::kA))), 0);
  });
  cpu_.set_trap(kRomClAll, [served](Z80Cpu& cpu) { return served(cpu, "CL-ALL", 0); });
  cpu_.set_trap(kRomCls, [served](Z80Cpu& cpu) { return served(cpu, "CLS", 0); });
  cpu_.set_trap(kRomInterrupt, [this](Z80Cpu& cpu) { return interrupt(cpu); });
  cpu_.set_trap(kRomStart, [this](Z80Cpu&) {
    return stop(ExitReason::kWarmBoot, "the program reset the Spectrum (PC = 0000h): back to BASIC");
  });
  cpu_.set_trap(kRomStackBc, [this](Z80Cpu&) {
    return stop(ExitReason::kWarmBoot, "the program returned from USR: back to BASIC");
  });
  cpu_.set_trap(kRomError, [this](Z80Cpu& cpu) {
    const uint16_t at = cpu.read_word(cpu.sp());
    const uint8_t code = cpu.read_byte(at);
    if (code == 0xFF) return stop(ExitReason::kWarmBoot, "the program ended with report 0 OK: back to BASIC");
    return stop(ExitReason::kBadCall,
                fmt::format("the program raised BASIC error report code {:02X}h (RST 08h at {:04X}h)", code,
                            static_cast<uint16_t>(at - 1)),
                "on a real Spectrum this prints an error report and returns to BASIC");
  });
  cpu_.set_stop_on_halt(true);
  cpu_.set_pc(kStartStub);
  if (config_.profile) cpu_.enable_profiler();
}

void ZxMachine::trace(const std::string& line) {
  if (config_.trace_rom) config_.trace_rom(line);
}

void ZxMachine::emit(uint8_t raw, std::optional<uint8_t> shown) {
  timeline_.record_output(cpu_.t_states(), raw);
  if (shown) console_.write_byte(*shown);
  if (config_.on_output) config_.on_output(timeline_);
}

TrapOutcome ZxMachine::print(Z80Cpu& cpu) {
  const uint8_t a = cpu.reg8(Reg8::kA);
  if (print_parameters_left_ > 0) {
    --print_parameters_left_;  // a colour or position parameter: nothing to show
  } else if (a >= 0x20 && a <= 0x7E) {
    emit(a, a);
  } else if (a == kCr) {
    emit(a, kLf);
  } else if (a == kCursorLeft) {
    emit(a, kBackspace);
  } else if (a >= 0x7F) {
    emit(a, '?');  // (c), block graphics, UDGs, keyword tokens
  } else {
    print_parameters_left_ = parameters_of(a);
  }
  trace(fmt::format("rom t={} RST 10h A={:02X}h", cpu.t_states(), a));
  console_.flush();
  cpu.add_t_states(config_.print_t_states > kRetTStates ? config_.print_t_states - kRetTStates : 0);
  cpu.emulate_ret();  // the routine's RET
  return TrapOutcome::kResumed;
}

TrapOutcome ZxMachine::interrupt(Z80Cpu& cpu) {
  // FRAMES (3 bytes) += 1, as MASK-INT does.
  for (uint16_t a = kFrames; a < kFrames + 3; ++a) {
    cpu.write_byte(a, static_cast<uint8_t>(cpu.read_byte(a) + 1));
    if (cpu.read_byte(a) != 0) break;
  }
  if (pending_key_) {
    cpu.write_byte(kLastK, *pending_key_);
    cpu.write_byte(kFlags, static_cast<uint8_t>(cpu.read_byte(kFlags) | kFlagsNewKey));
    trace(fmt::format("rom t={} interrupt: key {}", cpu.t_states(), describe_key(*pending_key_)));
    pending_key_.reset();
  }
  // The handler's own cost, minus the EI and RET that run as real code after this trap.
  constexpr uint32_t kEiRet = 4 + kRetTStates;
  cpu.add_t_states(config_.interrupt_t_states > kEiRet ? config_.interrupt_t_states - kEiRet : 0);
  return TrapOutcome::kRunInstruction;
}

bool ZxMachine::take_key(uint64_t asked_at) {
  console_.flush();
  timeline_.begin_input(asked_at, 1);
  for (;;) {
    const std::optional<uint8_t> byte = console_.read_byte();
    if (!byte) {
      timeline_.end_input({}, /*end_of_input=*/true);
      if (console_.interrupted())
        stop(ExitReason::kInterrupted,
             fmt::format("interrupted (^C) while waiting for a key at {:04X}h", cpu_.pc()));
      else
        stop(ExitReason::kEndOfInput, "end of input while the program waits for a key");
      return false;
    }
    uint8_t key = *byte;
    if (key == kCr || key == kLf)
      key = kKeyEnter;
    else if (key == kBackspace || key == kDel)
      key = kKeyDelete;
    else if (key < 0x20 || key > 0x7E)
      continue;  // no Spectrum key types it
    pending_key_ = key;
    timeline_.end_input(std::string(1, static_cast<char>(*byte == kLf ? kCr : *byte)), /*end_of_input=*/false);
    trace(fmt::format("rom t={} key {} typed", cpu_.t_states(), describe_key(key)));
    return true;
  }
}

TrapOutcome ZxMachine::stop(ExitReason reason, std::string message, std::string hint) {
  result_.reason = reason;
  result_.exit_code = exit_code_of(reason);
  result_.message = std::move(message);
  result_.hint = std::move(hint);
  return TrapOutcome::kStop;
}

RunResult ZxMachine::run() {
  if (!loaded_ || ran_) throw std::logic_error("ZxMachine::run: call once, after loading");
  ran_ = true;
  const uint64_t limit =
      config_.max_t_states == 0 ? std::numeric_limits<uint64_t>::max() : config_.max_t_states;
  uint64_t next_frame = kFrameTStates;
  std::optional<uint64_t> waiting_since;  // the program HALTed waiting for a key at this T-state
  for (;;) {
    const uint64_t now = cpu_.t_states();
    const uint64_t slice_end = std::min({next_frame, limit, now + kSliceTStates});
    const StopReason why = cpu_.run(slice_end);
    if (why == StopReason::kTrap) break;  // the handler filled result_
    if (why == StopReason::kHalted) {
      // The program sleeps until the next interrupt (the HALT's idle cycles pass); it is waiting
      // for a key unless one is already there.
      if (!pending_key_ && (cpu_.read_byte(kFlags) & kFlagsNewKey) == 0) waiting_since = cpu_.t_states();
      cpu_.add_t_states(std::min(next_frame, limit) - cpu_.t_states());
    }
    if (cpu_.t_states() >= next_frame) {
      next_frame += kFrameTStates;
      const bool was_halted = cpu_.halted();
      if (cpu_.maskable_interrupt(0xFF) == 0 && was_halted) {
        stop(ExitReason::kHalted,
             fmt::format("the program executed HALT at {:04X}h with interrupts disabled: nothing can wake it",
                         cpu_.pc()),
             "enable interrupts (EI) before HALT; the Spectrum's keyboard works through the IM 1 interrupt");
        break;
      }
      // The key is typed now; the interrupt handler, about to run, delivers it.
      if (waiting_since && !take_key(*waiting_since)) break;
      waiting_since.reset();
    }
    if (auto request = limit_or_interrupt(cpu_, limit, config_.max_t_states, console_,
                                          "the program may be stuck in a loop; raise the T-state limit if it "
                                          "just needs longer")) {
      stop(request->reason, std::move(request->message), std::move(request->hint));
      break;
    }
  }
  finish_run(cpu_, console_, timeline_, result_);
  return result_;
}

std::map<std::string, uint16_t> ZxMachine::system_symbols() const {
  return {
      {"(reset)", kRomStart},         {"(RST 10h print)", kRomPrintA},        {"(ROM)", kRomPrintA + 1},
      {"(interrupt)", kRomInterrupt}, {"(ROM, other)", kRomInterrupt + 2},    {"(start stub)", kStartStub},
      {"(screen)", kScreen},          {"(system variables)", kPrinterBuffer}, {"(BASIC)", kProg}};
}

}  // namespace z80lm::emu
