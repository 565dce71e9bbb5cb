#include "emu/cpm_machine.h"

#include <fmt/core.h>

#include <limits>
#include <stdexcept>

#include "emu/cpm_command_line.h"
#include "emu/run_limits.h"
#include "util/error.h"

namespace z80lm::emu {

namespace {

constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kLf = 0x0A;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kTab = 0x09;
constexpr uint8_t kDelete = 0x7F;
constexpr uint8_t kCtrlC = 0x03;
constexpr uint8_t kCtrlU = 0x15;
constexpr uint8_t kCtrlX = 0x18;
constexpr uint8_t kJp = 0xC3;
constexpr uint8_t kRet = 0xC9;

// How often run() comes back to look for ^C: a few milliseconds of host time.
constexpr uint64_t kSliceTStates = 2'000'000;

constexpr const char* kBiosEntryNames[] = {"BOOT",   "WBOOT",  "CONST", "CONIN",  "CONOUT", "LIST",
                                           "PUNCH",  "READER", "HOME",  "SELDSK", "SETTRK", "SETSEC",
                                           "SETDMA", "READ",   "WRITE", "LISTST", "SECTRAN"};
constexpr uint8_t kBiosEntries = std::size(kBiosEntryNames);

std::string describe_byte(uint8_t byte) {
  if (byte >= 0x20 && byte <= 0x7E) return fmt::format("{:02X}h '{}'", byte, static_cast<char>(byte));
  return fmt::format("{:02X}h", byte);
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte == '"' || byte == '\\')
      out += fmt::format("\\{}", c);
    else if (byte >= 0x20 && byte <= 0x7E)
      out += c;
    else if (byte == kCr)
      out += "\\r";
    else if (byte == kLf)
      out += "\\n";
    else
      out += fmt::format("\\x{:02x}", byte);
  }
  return "\"" + out + "\"";
}

bool echoed_by_bdos_1(uint8_t byte) {
  return (byte >= 0x20 && byte <= 0x7E) || byte == kCr || byte == kLf || byte == kTab || byte == kBackspace;
}

}  // namespace

const char* bdos_function_name(uint8_t function) {
  static constexpr const char* kNames[] = {"system reset",
                                           "console input",
                                           "console output",
                                           "reader input",
                                           "punch output",
                                           "list output",
                                           "direct console I/O",
                                           "get I/O byte",
                                           "set I/O byte",
                                           "print string",
                                           "read console buffer",
                                           "get console status",
                                           "return version number",
                                           "reset disk system",
                                           "select disk",
                                           "open file",
                                           "close file",
                                           "search for first",
                                           "search for next",
                                           "delete file",
                                           "read sequential",
                                           "write sequential",
                                           "make file",
                                           "rename file",
                                           "return login vector",
                                           "return current disk",
                                           "set DMA address",
                                           "get allocation vector",
                                           "write protect disk",
                                           "get read-only vector",
                                           "set file attributes",
                                           "get disk parameters",
                                           "get/set user code",
                                           "read random",
                                           "write random",
                                           "compute file size",
                                           "set random record",
                                           "reset drive",
                                           "unknown",
                                           "unknown",
                                           "write random with zero fill"};
  return function < std::size(kNames) ? kNames[function] : "unknown";
}

CpmMachine::CpmMachine(Console& console, CpmConfig config) : console_(console), config_(std::move(config)) {
  if (config_.tpa_top < cpm::kMinTpaTop || config_.tpa_top > cpm::kMaxTpaTop)
    throw Error(fmt::format("TPA top {:04X}h is outside {:04X}h..{:04X}h", config_.tpa_top, cpm::kMinTpaTop,
                            cpm::kMaxTpaTop),
                "choose a TPA top such as 0xC000, or leave the default E406h");
}

void CpmMachine::load(std::span<const uint8_t> program, std::span<const std::string> args,
                      std::string_view program_name) {
  const size_t tpa_size = config_.tpa_top - cpm::kTpaStart;
  if (program.empty())
    throw Error(fmt::format("{}: the file is empty (0 bytes); a CP/M program needs at least one instruction",
                            program_name),
                "check that the program was assembled or exported completely");
  if (program.size() > tpa_size)
    throw Error(
        fmt::format("{}: the program is {} bytes but the TPA holds only {} bytes ({:04X}h..{:04X}h)",
                    program_name, program.size(), tpa_size, cpm::kTpaStart, config_.tpa_top - 1),
        fmt::format("raise the TPA top (at most {:04X}h) or make the program smaller", cpm::kMaxTpaTop));
  const auto tail = build_command_tail(args);

  // Page zero.
  cpu_.write_byte(cpm::kWarmBoot, kJp);
  cpu_.write_word(cpm::kWarmBoot + 1, cpm::kBiosWarmBoot);
  cpu_.write_byte(cpm::kIoByte, 0);
  cpu_.write_byte(cpm::kDriveUser, 0);
  cpu_.write_byte(cpm::kBdosEntry, kJp);
  cpu_.write_word(cpm::kTpaTopWord, config_.tpa_top);
  const auto fcb1 = parse_fcb(args.size() > 0 ? std::string_view(args[0]) : std::string_view{});
  const auto fcb2 = parse_fcb(args.size() > 1 ? std::string_view(args[1]) : std::string_view{});
  cpu_.load(cpm::kFcb1, fcb1);
  cpu_.load(cpm::kFcb2, fcb2);
  cpu_.load(cpm::kCommandTail, tail);

  // Host-served code: a RET at each trapped address, so a disassembly reads sensibly.
  cpu_.write_byte(config_.tpa_top, kRet);
  for (uint8_t entry = 0; entry < kBiosEntries; ++entry) {
    const auto address = static_cast<uint16_t>(cpm::kBiosBase + 3 * entry);
    cpu_.write_byte(address, kRet);
    cpu_.set_trap(address, [this, entry](Z80Cpu& cpu) { return on_bios(cpu, entry); });
  }
  cpu_.set_trap(cpm::kWarmBoot, [this](Z80Cpu&) {
    return stop(ExitReason::kWarmBoot, "program jumped to 0000h (warm boot)");
  });
  cpu_.set_trap(cpm::kBdosEntry, [this](Z80Cpu& cpu) { return on_bdos(cpu); });
  cpu_.set_trap(config_.tpa_top, [this](Z80Cpu& cpu) { return on_bdos(cpu); });

  cpu_.load(cpm::kTpaStart, program);
  cpu_.set_sp(cpm::kInitialStack);
  cpu_.write_word(cpm::kInitialStack, cpm::kWarmBoot);
  cpu_.set_pc(cpm::kTpaStart);
  cpu_.set_stop_on_halt(true);
  if (config_.profile) cpu_.enable_profiler();
  loaded_ = true;
}

RunResult CpmMachine::run() {
  if (!loaded_ || ran_) throw std::logic_error("CpmMachine::run: call once, after load()");
  ran_ = true;
  const uint64_t limit =
      config_.max_t_states == 0 ? std::numeric_limits<uint64_t>::max() : config_.max_t_states;
  for (;;) {
    const uint64_t now = cpu_.t_states();
    const uint64_t slice_end = limit - now <= kSliceTStates ? limit : now + kSliceTStates;
    const StopReason why = cpu_.run(slice_end);
    if (why == StopReason::kTrap) break;  // the handler filled result_
    if (why == StopReason::kHalted) {
      stop(ExitReason::kHalted,
           fmt::format("program executed HALT at {:04X}h; nothing in this machine raises interrupts",
                       cpu_.pc()),
           "end the program with JP 0 or RET instead");
      break;
    }
    if (auto request =
            limit_or_interrupt(cpu_, limit, config_.max_t_states, console_,
                               "the program may be stuck in a loop; if it just needs longer, raise "
                               "the limit (z80lm run --max-tstates N)")) {
      stop(request->reason, std::move(request->message), std::move(request->hint));
      break;
    }
  }
  finish_run(cpu_, console_, timeline_, result_);
  return result_;
}

std::map<std::string, uint16_t> CpmMachine::system_symbols() const {
  return {{"(warm boot)", cpm::kWarmBoot},
          {"(BDOS)", cpm::kBdosEntry},
          {"(BDOS entry)", config_.tpa_top},
          {"(BIOS)", cpm::kBiosBase}};
}

TrapOutcome CpmMachine::stop(ExitReason reason, std::string message, std::string hint) {
  result_.reason = reason;
  switch (reason) {
    case ExitReason::kWarmBoot:
    case ExitReason::kSystemReset:
    case ExitReason::kEndOfInput:
      result_.exit_code = 0;
      break;
    case ExitReason::kTStateLimit:
      result_.exit_code = 2;
      break;
    case ExitReason::kInterrupted:
      result_.exit_code = 130;
      break;
    case ExitReason::kUnimplementedCall:
    case ExitReason::kBadCall:
    case ExitReason::kHalted:
      result_.exit_code = 1;
      break;
  }
  result_.message = std::move(message);
  result_.hint = std::move(hint);
  return TrapOutcome::kStop;
}

TrapOutcome CpmMachine::return_to_caller(uint16_t hl) {
  cpu_.set_reg(Reg16::kHL, hl);
  cpu_.set_reg8(Reg8::kA, static_cast<uint8_t>(hl & 0xFF));
  cpu_.set_reg8(Reg8::kB, static_cast<uint8_t>(hl >> 8));
  cpu_.add_t_states(config_.extra_t_states_per_call);
  cpu_.emulate_ret();
  return TrapOutcome::kResumed;
}

void CpmMachine::emit(uint8_t byte) {
  console_.write_byte(byte);
  timeline_.record_output(call_t_state_, byte);
  if (config_.on_output) config_.on_output(timeline_);
}

void CpmMachine::begin_input(uint8_t function) {
  console_.flush();
  timeline_.begin_input(call_t_state_, function);
}

void CpmMachine::end_input(std::string text, bool end_of_input) {
  timeline_.end_input(std::move(text), end_of_input);
}

TrapOutcome CpmMachine::no_more_input() {
  console_.flush();
  if (console_.interrupted())
    return stop(ExitReason::kInterrupted, fmt::format("interrupted (^C) while waiting for input at {:04X}h",
                                                      static_cast<uint16_t>(cpu_.read_word(cpu_.sp()) - 3)));
  return stop(ExitReason::kEndOfInput, "end of input while the program waits for input");
}

std::optional<uint8_t> CpmMachine::read_key(uint8_t function, bool echo) {
  begin_input(function);
  const std::optional<uint8_t> key = console_.read_byte();
  if (!key) {
    end_input({}, /*end_of_input=*/true);
    return std::nullopt;
  }
  if (echo && echoed_by_bdos_1(*key)) emit(*key);
  end_input(std::string(1, static_cast<char>(*key)), /*end_of_input=*/false);
  return key;
}

TrapOutcome CpmMachine::read_line(uint16_t buffer, std::string& trace) {
  const uint8_t max_length = cpu_.read_byte(buffer);
  begin_input(10);
  std::string line;
  std::vector<uint8_t> echo_width;  // columns each stored character took on screen
  auto erase_last = [&] {
    for (uint8_t i = 0; i < echo_width.back(); ++i) {
      emit(kBackspace);
      emit(' ');
      emit(kBackspace);
    }
    echo_width.pop_back();
    line.pop_back();
  };
  for (;;) {
    const std::optional<uint8_t> key = console_.read_byte();
    if (!key) {
      if (line.empty()) {
        end_input({}, /*end_of_input=*/true);
        trace += " -> end of input";
        return no_more_input();
      }
      break;  // a partly typed last line counts as entered
    }
    const uint8_t c = *key;
    if (c == kCr || c == kLf) break;
    if (c == kBackspace || c == kDelete) {
      if (!line.empty()) erase_last();
      continue;
    }
    if (c == kCtrlU || c == kCtrlX) {
      while (!line.empty()) erase_last();
      continue;
    }
    if (c == kCtrlC && line.empty()) {
      emit('^');
      emit('C');
      end_input(std::string(1, static_cast<char>(c)), /*end_of_input=*/false);
      trace += " -> ^C";
      return stop(ExitReason::kWarmBoot, "^C at the start of a line (warm boot)");
    }
    if (line.size() >= max_length) continue;  // only possible when max_length is 0
    line += static_cast<char>(c);
    if ((c >= 0x20 && c <= 0x7E) || c == kTab) {
      emit(c);
      echo_width.push_back(1);
    } else {  // other control characters echo as ^X, as CP/M does; bytes >= 80h as ^X of their
              // low 7 bits ('?' for DEL), so no raw control or 8-bit byte reaches the terminal
      const auto low = static_cast<uint8_t>(c & 0x7F);
      emit('^');
      emit(low == 0x7F ? uint8_t{'?'} : low < 0x20 ? static_cast<uint8_t>(low + '@') : low);
      echo_width.push_back(2);
    }
    if (line.size() == max_length) break;  // CP/M ends the line when the buffer is full
  }
  emit(kCr);
  cpu_.write_byte(static_cast<uint16_t>(buffer + 1), static_cast<uint8_t>(line.size()));
  for (size_t i = 0; i < line.size(); ++i)
    cpu_.write_byte(static_cast<uint16_t>(buffer + 2 + i), static_cast<uint8_t>(line[i]));
  trace += fmt::format(" max={} -> {} ({} chars)", max_length, escaped(line), line.size());
  end_input(std::move(line), /*end_of_input=*/false);
  return return_to_caller(0);
}

TrapOutcome CpmMachine::print_string(std::string_view text, std::string& trace) {
  // Each character costs what a BDOS 2 call would (kPrintCharTStates); one that would start at
  // or after the T-state limit is not printed, so --max-tstates bounds the output too.
  const uint64_t limit = config_.max_t_states == 0 ? std::numeric_limits<uint64_t>::max() : config_.max_t_states;
  uint64_t now = call_t_state_;
  for (char c : text) {
    if (now >= limit) {
      trace += fmt::format(" -> stopped at the T-state limit after {} of {} chars",
                           (now - call_t_state_) / kPrintCharTStates,
                           text.size());
      cpu_.add_t_states(now - call_t_state_);
      return stop(ExitReason::kTStateLimit,
                  fmt::format("stopped after {} T-states (the limit is {}) while printing a string with "
                              "BDOS 9 at {:04X}h",
                              now, config_.max_t_states, cpu_.pc()),
                  "the program may be stuck in a loop; if it just needs longer, raise the limit (z80lm run "
                  "--max-tstates N)");
    }
    emit(static_cast<uint8_t>(c));
    now += kPrintCharTStates;
  }
  cpu_.add_t_states(now - call_t_state_);
  return return_to_caller(0);
}

TrapOutcome CpmMachine::on_bdos(Z80Cpu& cpu) {
  call_t_state_ = cpu.t_states();
  const uint8_t function = cpu.reg8(Reg8::kC);
  const uint16_t de = cpu.reg(Reg16::kDE);
  const uint8_t e = cpu.reg8(Reg8::kE);
  const auto call_site = static_cast<uint16_t>(cpu.read_word(cpu.sp()) - 3);
  std::string trace = fmt::format("bdos t={} at {:04X}h: {} {}", call_t_state_, call_site, function,
                                  bdos_function_name(function));
  TrapOutcome outcome = TrapOutcome::kResumed;
  switch (function) {
    case 0:
      outcome = stop(ExitReason::kSystemReset, "program called BDOS function 0 (system reset)");
      break;
    case 1: {
      const std::optional<uint8_t> key = read_key(1, /*echo=*/true);
      if (!key) {
        trace += " -> end of input";
        outcome = no_more_input();
        break;
      }
      trace += fmt::format(" -> {}", describe_byte(*key));
      outcome = return_to_caller(*key);
      break;
    }
    case 2:
      trace += fmt::format(", E={}", describe_byte(e));
      emit(e);
      outcome = return_to_caller(0);
      break;
    case 6:
      if (e == 0xFF) {
        uint8_t key = 0;
        if (console_.input_ready()) {
          begin_input(6);
          if (const std::optional<uint8_t> byte = console_.read_byte()) key = *byte;
          end_input(std::string(1, static_cast<char>(key)), /*end_of_input=*/false);
        }
        trace += fmt::format(", E=FFh (input) -> {}", describe_byte(key));
        outcome = return_to_caller(key);
      } else if (e == 0xFE) {
        const bool ready = console_.input_ready();
        trace += fmt::format(", E=FEh (status) -> {}", ready ? "FFh" : "00h");
        outcome = return_to_caller(ready ? 0xFF : 0x00);
      } else {
        trace += fmt::format(", E={}", describe_byte(e));
        emit(e);
        outcome = return_to_caller(0);
      }
      break;
    case 9: {
      std::string text;
      uint16_t address = de;
      for (uint32_t scanned = 0; scanned < kMemorySize && cpu.read_byte(address) != '$'; ++scanned, ++address)
        text += static_cast<char>(cpu.read_byte(address));
      if (text.size() == kMemorySize) {
        trace += fmt::format(", DE={:04X}h -> no '$'", de);
        outcome =
            stop(ExitReason::kBadCall,
                 fmt::format("BDOS function 9 (print string) called from {:04X}h with DE={:04X}h: no '$' "
                             "terminator in all of memory",
                             call_site, de),
                 "end the string with '$'");
        break;
      }
      trace += fmt::format(", DE={:04X}h {}", de, escaped(text));
      outcome = print_string(text, trace);
      break;
    }
    case 10:
      trace += fmt::format(", DE={:04X}h", de);
      outcome = read_line(de, trace);
      break;
    case 11: {
      const bool ready = console_.input_ready();
      trace += fmt::format(" -> {}", ready ? "FFh" : "00h");
      outcome = return_to_caller(ready ? 0xFF : 0x00);
      break;
    }
    case 12:
      trace += " -> 0022h";
      outcome = return_to_caller(0x0022);
      break;
    default:
      trace += fmt::format(", DE={:04X}h -> unimplemented", de);
      outcome = stop(ExitReason::kUnimplementedCall,
                     fmt::format("unimplemented BDOS function {} ({}) called from {:04X}h", function,
                                 bdos_function_name(function), call_site),
                     "z80lm run provides the console BDOS functions 0, 1, 2, 6, 9, 10, 11 and 12 only");
      break;
  }
  console_.flush();
  if (config_.trace_bdos) config_.trace_bdos(trace);
  return outcome;
}

TrapOutcome CpmMachine::on_bios(Z80Cpu& cpu, uint8_t entry) {
  call_t_state_ = cpu.t_states();
  const auto call_site = static_cast<uint16_t>(cpu.read_word(cpu.sp()) - 3);
  TrapOutcome outcome;
  switch (entry) {
    case 0:
    case 1:
      outcome = stop(ExitReason::kWarmBoot,
                     fmt::format("program called the BIOS {} entry", kBiosEntryNames[entry]));
      break;
    case 2:
      cpu.set_reg8(Reg8::kA, console_.input_ready() ? 0xFF : 0x00);
      cpu.add_t_states(config_.extra_t_states_per_call);
      cpu.emulate_ret();
      outcome = TrapOutcome::kResumed;
      break;
    case 3: {
      const std::optional<uint8_t> key = read_key(1, /*echo=*/false);
      if (!key) {
        outcome = no_more_input();
        break;
      }
      cpu.set_reg8(Reg8::kA, *key);
      cpu.add_t_states(config_.extra_t_states_per_call);
      cpu.emulate_ret();
      outcome = TrapOutcome::kResumed;
      break;
    }
    case 4:
      emit(cpu.reg8(Reg8::kC));
      cpu.add_t_states(config_.extra_t_states_per_call);
      cpu.emulate_ret();
      outcome = TrapOutcome::kResumed;
      break;
    default:
      outcome = stop(ExitReason::kUnimplementedCall,
                     fmt::format("unimplemented BIOS entry {} ({}) called from {:04X}h", entry,
                                 kBiosEntryNames[entry], call_site),
                     "z80lm run provides the BIOS console entries CONST, CONIN and CONOUT only");
      break;
  }
  console_.flush();
  return outcome;
}

}  // namespace z80lm::emu
