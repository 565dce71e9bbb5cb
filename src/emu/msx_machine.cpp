#include "emu/msx_machine.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

#include "emu/run_limits.h"
#include "msx/msx_memory_map.h"
#include "util/error.h"

namespace z80lm::emu {

namespace {

using namespace z80lm::msx;

constexpr uint8_t kEi = 0xFB;
constexpr uint8_t kDi = 0xF3;
constexpr uint8_t kRet = 0xC9;
constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kLf = 0x0A;
constexpr uint8_t kDel = 0x7F;
constexpr int kRamSlot = 3;
constexpr int kCartridgeSlot = 1;
constexpr int kBiosSlot = 0;
// As the BIOS calls INIT: page 0 slot 0, page 1 slot 1 (the cartridge), pages 2 and 3 slot 3.
constexpr uint8_t kInitSlots = 0xF4;
// The run starts in the stand-in BIOS at kStartStub: IM 1; DI; CALL INIT. INIT's return lands
// on kInitReturn (trapped): 15 T-states the real machine spends differently.
constexpr uint16_t kStartStub = 0x3FF0;
constexpr uint16_t kInitReturn = kStartStub + 6;
constexpr uint16_t kInitStack = kWorkArea;     // where the BIOS stack would be, just below the work area
constexpr uint64_t kSliceTStates = 2'000'000;  // how often run() looks for ^C
constexpr uint64_t kPendingStep = 64;          // how often a pending interrupt is offered again
constexpr uint32_t kMaxRomBytes = 2u << 20;

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

std::string describe_key(uint8_t key) {
  if (key == kKeyReturn) return "RETURN";
  if (key == kKeyBackspace) return "BS";
  return fmt::format("'{}'", static_cast<char>(key));
}

}  // namespace

bool is_msx_program_name(std::string_view path) {
  return ends_with_ci(path, ".rom");
}

MsxMachine::MsxMachine(Console& console, MsxConfig config)
    : console_(console), config_(std::move(config)), ram_(0x10000, 0) {}

void MsxMachine::load_rom(std::span<const uint8_t> bytes, std::string_view name) {
  if (bytes.empty() || bytes.size() % kBankBytes != 0 || bytes.size() > kMaxRomBytes)
    throw Error(
        fmt::format("{}: {} bytes is not a cartridge image (a multiple of 16384 bytes, at most 2 MiB)", name,
                    bytes.size()),
        "export the cartridge with z80lm export -t msx -o CHAT.ROM");
  if (bytes[0] != 'A' || bytes[1] != 'B')
    throw Error(
        fmt::format("{}: no cartridge header (\"AB\") at offset 0", name),
        "z80lm run starts cartridges whose first bank is their header, as z80lm export -t msx writes");
  const auto init = static_cast<uint16_t>(bytes[2] | (bytes[3] << 8));
  if (init < kCartridgeBase || init >= kCartridgeBase + kBankBytes)
    throw Error(fmt::format("{}: the header's INIT address {:04X}h is not in 4000h-7FFFh", name, init),
                "z80lm run starts cartridges at an INIT routine in their first bank");
  rom_.assign(bytes.begin(), bytes.end());
  description_ = fmt::format("{}: {} KiB {} cartridge in slot 1, INIT {:04X}h", name, bytes.size() / 1024,
                             kMapperName, init);
  install_bios(init);
  loaded_ = true;
}

void MsxMachine::install_bios(uint16_t init) {
  // The stand-in BIOS page: a RET at every served entry, DI; RET at ENASLT and EI; RET at 0038h
  // (their first byte is trapped and then runs as code), and the start stub. Every other
  // address is trapped.
  bios_.assign(kBiosBytes, 0);
  for (uint16_t a : {kBiosChput, kBiosChget, kBiosRslreg, kBiosInitxt, kBiosCls, kBiosErafnk, kBiosKilbuf})
    bios_[a] = kRet;
  bios_[kBiosEnaslt] = kDi;
  bios_[kBiosEnaslt + 1] = kRet;
  bios_[kBiosKeyint] = kEi;
  bios_[kBiosKeyint + 1] = kRet;
  const uint8_t stub[] = {
      0xED, 0x56, kDi, 0xCD, static_cast<uint8_t>(init & 0xFF), static_cast<uint8_t>(init >> 8)};
  std::copy(std::begin(stub), std::end(stub), bios_.begin() + kStartStub);

  // The work area as the BIOS leaves it for INIT: no expanded slots, hooks RET.
  std::fill(ram_.begin() + kExptbl, ram_.begin() + kExptbl + 8, uint8_t{0});
  std::fill(ram_.begin() + kHookKeyi, ram_.begin() + kHookKeyi + kHookBytes, kRet);
  std::fill(ram_.begin() + kHookTimi, ram_.begin() + kHookTimi + kHookBytes, kRet);
  ram_[kLinl40] = 37;  // BASIC's default width
  ram_[kHimem] = static_cast<uint8_t>(kWorkArea & 0xFF);
  ram_[kHimem + 1] = static_cast<uint8_t>(kWorkArea >> 8);

  slot_of_page_ = {kBiosSlot, kBiosSlot, kBiosSlot, kBiosSlot};  // nothing in the CPU's view is RAM yet
  refresh_page(0);
  select_slots(kInitSlots);
  cpu_.set_rom_size(kBiosBytes);
  cpu_.set_write_filter([this](uint16_t address, uint8_t value) { return write_filter(address, value); });
  cpu_.set_port_handlers(
      [this](uint16_t port) -> uint8_t { return (port & 0xFF) == kPortPrimarySlots ? primary_ : 0xFF; },
      [this](uint16_t port, uint8_t value) {
        if ((port & 0xFF) == kPortPrimarySlots) select_slots(value);
      });

  for (uint32_t a = 0; a < kBiosBytes; ++a) {
    const auto address = static_cast<uint16_t>(a);
    if (address == kBiosEnaslt + 1 || address == kBiosKeyint + 1) continue;  // the RETs run as code
    if (address >= kStartStub && address < kInitReturn) continue;
    cpu_.set_trap(address, [this, address](Z80Cpu& cpu) {
      const auto caller = static_cast<uint16_t>(cpu.read_word(cpu.sp()) - 3);
      return stop(
          ExitReason::kUnimplementedCall,
          fmt::format("the program reached BIOS address {:04X}h (called from about {:04X}h), which this "
                      "BIOS-less MSX does not provide",
                      address, caller),
          "z80lm run serves CHPUT, CHGET, ENASLT, RSLREG, INITXT, CLS, ERAFNK, KILBUF and the interrupt "
          "only; run the cartridge in openMSX for anything else");
    });
  }
  auto served = [this](Z80Cpu& cpu, std::string_view what) {
    trace(fmt::format("bios t={} {}", cpu.t_states(), what));
    cpu.emulate_ret();
    return TrapOutcome::kResumed;
  };
  cpu_.set_trap(kBiosChput, [this](Z80Cpu& cpu) { return chput(cpu); });
  cpu_.set_trap(kBiosChget, [this](Z80Cpu& cpu) { return chget(cpu); });
  cpu_.set_trap(kBiosEnaslt, [this](Z80Cpu& cpu) { return enaslt(cpu); });
  cpu_.set_trap(kBiosKeyint, [this](Z80Cpu& cpu) { return interrupt(cpu); });
  cpu_.set_trap(kBiosRslreg, [this, served](Z80Cpu& cpu) {
    cpu.set_reg8(Reg8::kA, primary_);
    return served(cpu, fmt::format("RSLREG -> {:02X}h", primary_));
  });
  cpu_.set_trap(kBiosInitxt, [served](Z80Cpu& cpu) { return served(cpu, "INITXT"); });
  cpu_.set_trap(kBiosCls, [served](Z80Cpu& cpu) { return served(cpu, "CLS"); });
  cpu_.set_trap(kBiosErafnk, [served](Z80Cpu& cpu) { return served(cpu, "ERAFNK"); });
  cpu_.set_trap(kBiosKilbuf, [served](Z80Cpu& cpu) { return served(cpu, "KILBUF"); });
  cpu_.set_trap(kBiosReset, [this](Z80Cpu&) {
    return stop(ExitReason::kWarmBoot, "the program reset the MSX (PC = 0000h)");
  });
  cpu_.set_trap(kInitReturn, [this](Z80Cpu&) {
    return stop(ExitReason::kWarmBoot, "the cartridge's INIT returned: the BIOS would go on booting");
  });
  cpu_.set_stop_on_halt(true);
  cpu_.set_sp(kInitStack);
  cpu_.set_pc(kStartStub);
  if (config_.profile) cpu_.enable_profiler();
}

void MsxMachine::select_slots(uint8_t primary) {
  for (int page = 0; page < 4; ++page) {
    int slot = (primary >> (2 * page)) & 3;
    if (page == 0) slot = kBiosSlot;  // the stand-in BIOS cannot be switched out
    if (slot == slot_of_page_[page]) continue;
    if (slot_of_page_[page] == kRamSlot) {  // keep what the program wrote
      const auto view = cpu_.memory().subspan(page * kPageBytes, kPageBytes);
      std::copy(view.begin(), view.end(), ram_.begin() + page * kPageBytes);
    }
    slot_of_page_[page] = slot;
    refresh_page(page);
  }
  primary_ = primary;
}

void MsxMachine::refresh_page(int page) {
  const std::span<uint8_t> view = cpu_.memory().subspan(page * kPageBytes, kPageBytes);
  const int slot = slot_of_page_[page];
  if (slot == kRamSlot) {
    std::copy(ram_.begin() + page * kPageBytes, ram_.begin() + (page + 1) * kPageBytes, view.begin());
  } else if (slot == kBiosSlot && page == 0) {
    std::copy(bios_.begin(), bios_.end(), view.begin());
  } else if (slot == kCartridgeSlot && (page == 1 || page == 2)) {
    const size_t banks = rom_.size() / kBankBytes;
    const size_t bank = banks_[page - 1] % banks;
    std::copy(rom_.begin() + bank * kBankBytes, rom_.begin() + (bank + 1) * kBankBytes, view.begin());
  } else {
    std::fill(view.begin(), view.end(), uint8_t{0xFF});  // nothing there
  }
}

bool MsxMachine::write_filter(uint16_t address, uint8_t value) {
  const int page = address >> 14;
  const int slot = slot_of_page_[page];
  if (slot == kRamSlot) return true;
  if (slot == kCartridgeSlot && page == 1) {
    const uint16_t region = address & 0xF800;
    if (region == kBankRegisterPage1 || region == kBankRegisterPage2) {
      const int target = region == kBankRegisterPage1 ? 1 : 2;
      banks_[target - 1] = value;
      trace(fmt::format("mapper t={} bank {} at page {}", cpu_.t_states(), value, target));
      if (slot_of_page_[target] == kCartridgeSlot) refresh_page(target);
    }
  }
  return false;  // ROM or nothing: the write is lost
}

void MsxMachine::trace(const std::string& line) {
  if (config_.trace_bios) config_.trace_bios(line);
}

void MsxMachine::emit(uint8_t raw, std::optional<uint8_t> shown) {
  timeline_.record_output(cpu_.t_states(), raw);
  if (shown) console_.write_byte(*shown);
  if (config_.on_output) config_.on_output(timeline_);
}

TrapOutcome MsxMachine::chput(Z80Cpu& cpu) {
  const uint8_t a = cpu.reg8(Reg8::kA);
  if (a >= 0x20 && a <= 0x7E)
    emit(a, a);
  else if (a == kLf)
    emit(a, '\n');
  else if (a == kKeyBackspace)
    emit(a, '\b');
  else
    emit(a, std::nullopt);  // CR and other control codes: nothing to show on a terminal
  trace(fmt::format("bios t={} CHPUT A={:02X}h", cpu.t_states(), a));
  console_.flush();
  cpu.add_t_states(config_.print_t_states > kRetTStates ? config_.print_t_states - kRetTStates : 0);
  cpu.emulate_ret();
  return TrapOutcome::kResumed;
}

TrapOutcome MsxMachine::chget(Z80Cpu& cpu) {
  console_.flush();
  timeline_.begin_input(cpu.t_states(), 1);
  for (;;) {
    const std::optional<uint8_t> byte = console_.read_byte();
    if (!byte) {
      timeline_.end_input({}, /*end_of_input=*/true);
      if (console_.interrupted())
        return stop(ExitReason::kInterrupted, "interrupted (^C) while the program waits for a key (CHGET)");
      return stop(ExitReason::kEndOfInput, "end of input while the program waits for a key (CHGET)");
    }
    uint8_t key = *byte;
    if (key == kCr || key == kLf)
      key = kKeyReturn;
    else if (key == kDel)
      key = kKeyBackspace;
    else if (key != kKeyBackspace && (key < 0x20 || key > 0x7E))
      continue;  // nothing an MSX keyboard types
    timeline_.end_input(std::string(1, static_cast<char>(*byte == kLf ? kCr : *byte)), /*end_of_input=*/false);
    trace(fmt::format("bios t={} CHGET -> {}", cpu.t_states(), describe_key(key)));
    cpu.set_reg8(Reg8::kA, key);
    cpu.emulate_ret();
    return TrapOutcome::kResumed;
  }
}

TrapOutcome MsxMachine::enaslt(Z80Cpu& cpu) {
  const uint8_t slot = cpu.reg8(Reg8::kA);
  const int page = cpu.reg8(Reg8::kH) >> 6;
  if ((slot & 0x80) != 0)
    return stop(ExitReason::kBadCall,
                fmt::format("ENASLT with an expanded slot ID {:02X}h: this MSX has no expanded slots", slot),
                "read the slot IDs with RSLREG and EXPTBL (all 0 here)");
  if (page == 0)
    return stop(ExitReason::kBadCall, "ENASLT for page 0: the stand-in BIOS cannot be switched out",
                "switch pages 1 and 2 only");
  const uint8_t shift = static_cast<uint8_t>(2 * page);
  select_slots(static_cast<uint8_t>((primary_ & ~(3u << shift)) | ((slot & 3u) << shift)));
  trace(fmt::format("bios t={} ENASLT slot {} in page {} (A8h = {:02X}h)", cpu.t_states(), slot & 3, page,
                    primary_));
  return TrapOutcome::kRunInstruction;  // DI; RET as code
}

TrapOutcome MsxMachine::interrupt(Z80Cpu& cpu) {
  // The trap fires again when the charge below runs past the end of run()'s slice (the handler's
  // EI has not run yet): count and charge each accepted interrupt once.
  if (!handler_due_) return TrapOutcome::kRunInstruction;
  handler_due_ = false;
  const uint16_t jiffy = cpu.read_word(kJiffy);
  cpu.write_word(kJiffy, static_cast<uint16_t>(jiffy + 1));
  constexpr uint32_t kEiRet = 4 + kRetTStates;  // run as code after this trap
  cpu.add_t_states(config_.interrupt_t_states > kEiRet ? config_.interrupt_t_states - kEiRet : 0);
  return TrapOutcome::kRunInstruction;
}

TrapOutcome MsxMachine::stop(ExitReason reason, std::string message, std::string hint) {
  result_.reason = reason;
  result_.exit_code = exit_code_of(reason);
  result_.message = std::move(message);
  result_.hint = std::move(hint);
  return TrapOutcome::kStop;
}

RunResult MsxMachine::run() {
  if (!loaded_ || ran_) throw std::logic_error("MsxMachine::run: call once, after loading");
  ran_ = true;
  const uint64_t limit =
      config_.max_t_states == 0 ? std::numeric_limits<uint64_t>::max() : config_.max_t_states;
  uint64_t next_frame = kFrameTStates;
  bool pending = false;  // the VDP's interrupt line is held until the CPU accepts it
  for (;;) {
    const uint64_t now = cpu_.t_states();
    const uint64_t slice_end = std::min({next_frame, limit, now + (pending ? kPendingStep : kSliceTStates)});
    const StopReason why = cpu_.run(slice_end);
    if (why == StopReason::kTrap) break;  // the handler filled result_
    if (why == StopReason::kHalted && !pending)
      cpu_.add_t_states(std::min(next_frame, limit) - cpu_.t_states());  // asleep until the next frame
    if (cpu_.t_states() >= next_frame) {
      next_frame += kFrameTStates;
      pending = true;
    }
    if (pending) {
      const bool was_halted = cpu_.halted();
      if (cpu_.maskable_interrupt(0xFF) != 0) {
        pending = false;
        handler_due_ = true;
      } else if (was_halted) {
        stop(ExitReason::kWarmBoot,
             fmt::format("the program stopped the MSX (HALT with interrupts disabled at {:04X}h)",
                         static_cast<uint16_t>(cpu_.pc())));
        break;
      }
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

std::map<std::string, uint16_t> MsxMachine::system_symbols() const {
  return {{"(reset)", kBiosReset},           {"(ENASLT)", kBiosEnaslt},   {"(interrupt)", kBiosKeyint},
          {"(BIOS)", kBiosKeyint + 2},       {"(CHGET)", kBiosChget},     {"(CHPUT)", kBiosChput},
          {"(BIOS, other)", kBiosChput + 1}, {"(start stub)", kStartStub}};
}

}  // namespace z80lm::emu
