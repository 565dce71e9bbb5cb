#include "emu/z80_cpu.h"

#include <fmt/core.h>
#include <z80ex/z80ex.h>

#include <algorithm>
#include <limits>
#include <new>
#include <stdexcept>

#include "util/error.h"

namespace z80lm::emu {

// libz80ex's C callbacks, forwarding to the Z80Cpu passed as user data.
struct Z80CpuCallbacks {
  static Z80EX_BYTE read_memory(Z80EX_CONTEXT*, Z80EX_WORD address, int m1_state, void* self) {
    auto* cpu = static_cast<Z80Cpu*>(self);
    if (m1_state != 0) ++cpu->m1_cycles_;
    return cpu->memory_[address];
  }
  static void write_memory(Z80EX_CONTEXT*, Z80EX_WORD address, Z80EX_BYTE value, void* self) {
    auto* cpu = static_cast<Z80Cpu*>(self);
    if (address >= cpu->rom_size_ && (!cpu->write_filter_ || cpu->write_filter_(address, value)))
      cpu->memory_[address] = value;
  }
  static Z80EX_BYTE read_port(Z80EX_CONTEXT*, Z80EX_WORD port, void* self) {
    auto* cpu = static_cast<Z80Cpu*>(self);
    return cpu->port_reader_ ? cpu->port_reader_(port) : Z80EX_BYTE{0xFF};
  }
  static void write_port(Z80EX_CONTEXT*, Z80EX_WORD port, Z80EX_BYTE value, void* self) {
    auto* cpu = static_cast<Z80Cpu*>(self);
    if (cpu->port_writer_) cpu->port_writer_(port, value);
  }
  static Z80EX_BYTE read_interrupt_vector(Z80EX_CONTEXT*, void* self) {
    return static_cast<Z80Cpu*>(self)->interrupt_bus_value_;
  }
};

namespace {

Z80_REG_T to_z80ex(Reg16 r) {
  switch (r) {
    case Reg16::kAF:
      return regAF;
    case Reg16::kBC:
      return regBC;
    case Reg16::kDE:
      return regDE;
    case Reg16::kHL:
      return regHL;
    case Reg16::kIX:
      return regIX;
    case Reg16::kIY:
      return regIY;
    case Reg16::kSP:
      return regSP;
    case Reg16::kPC:
      return regPC;
    case Reg16::kAltAF:
      return regAF_;
    case Reg16::kAltBC:
      return regBC_;
    case Reg16::kAltDE:
      return regDE_;
    case Reg16::kAltHL:
      return regHL_;
  }
  return regPC;
}

// The 16-bit pair holding an 8-bit register, and whether it is the high byte.
struct Reg8Location {
  Reg16 pair;
  bool high;
};

Reg8Location locate(Reg8 r) {
  switch (r) {
    case Reg8::kA:
      return {Reg16::kAF, true};
    case Reg8::kF:
      return {Reg16::kAF, false};
    case Reg8::kB:
      return {Reg16::kBC, true};
    case Reg8::kC:
      return {Reg16::kBC, false};
    case Reg8::kD:
      return {Reg16::kDE, true};
    case Reg8::kE:
      return {Reg16::kDE, false};
    case Reg8::kH:
      return {Reg16::kHL, true};
    case Reg8::kL:
      return {Reg16::kHL, false};
  }
  return {Reg16::kAF, true};
}

}  // namespace

Z80Cpu::Z80Cpu() : memory_(kMemorySize, 0), trap_slot_(kMemorySize, 0) {
  context_ = z80ex_create(&Z80CpuCallbacks::read_memory, this, &Z80CpuCallbacks::write_memory, this,
                          &Z80CpuCallbacks::read_port, this, &Z80CpuCallbacks::write_port, this,
                          &Z80CpuCallbacks::read_interrupt_vector, this);
  if (context_ == nullptr) throw std::bad_alloc();
}

Z80Cpu::~Z80Cpu() {
  z80ex_destroy(context_);
}

uint16_t Z80Cpu::read_word(uint16_t address) const {
  return static_cast<uint16_t>(memory_[address] | (memory_[static_cast<uint16_t>(address + 1)] << 8));
}

void Z80Cpu::write_word(uint16_t address, uint16_t value) {
  memory_[address] = static_cast<uint8_t>(value & 0xFF);
  memory_[static_cast<uint16_t>(address + 1)] = static_cast<uint8_t>(value >> 8);
}

void Z80Cpu::load(uint16_t address, std::span<const uint8_t> bytes) {
  if (address + bytes.size() > kMemorySize)
    throw Error(
        fmt::format("cannot load {} bytes at {:04X}h: they would run past FFFFh", bytes.size(), address),
        "load at a lower address or load fewer bytes");
  std::copy(bytes.begin(), bytes.end(), memory_.begin() + address);
}

uint16_t Z80Cpu::reg(Reg16 r) const {
  return z80ex_get_reg(context_, to_z80ex(r));
}

void Z80Cpu::set_reg(Reg16 r, uint16_t value) {
  z80ex_set_reg(context_, to_z80ex(r), value);
}

uint8_t Z80Cpu::reg8(Reg8 r) const {
  const Reg8Location where = locate(r);
  const uint16_t pair = reg(where.pair);
  return static_cast<uint8_t>(where.high ? pair >> 8 : pair & 0xFF);
}

void Z80Cpu::set_reg8(Reg8 r, uint8_t value) {
  const Reg8Location where = locate(r);
  const uint16_t pair = reg(where.pair);
  set_reg(where.pair, where.high ? static_cast<uint16_t>((pair & 0x00FF) | (value << 8))
                                 : static_cast<uint16_t>((pair & 0xFF00) | value));
}

void Z80Cpu::push(uint16_t value) {
  const auto new_sp = static_cast<uint16_t>(sp() - 2);
  set_sp(new_sp);
  write_word(new_sp, value);
}

uint16_t Z80Cpu::pop() {
  const uint16_t old_sp = sp();
  set_sp(static_cast<uint16_t>(old_sp + 2));
  return read_word(old_sp);
}

void Z80Cpu::emulate_ret() {
  add_t_states(kRetTStates);
  set_pc(pop());
}

void Z80Cpu::reset() {
  z80ex_reset(context_);
}

bool Z80Cpu::halted() const {
  return z80ex_doing_halt(context_) != 0;
}

void Z80Cpu::add_t_states(uint64_t t_states) {
  t_states_ += t_states;
  if (!profile_.empty()) profile_[pc()] += t_states;
}

void Z80Cpu::set_trap(uint16_t address, TrapHandler handler) {
  if (trap_slot_[address] != 0) {
    trap_handlers_[trap_slot_[address] - 1] = std::move(handler);
    return;
  }
  // Reuse a slot freed by clear_trap so repeated set/clear cycles do not grow the table; a
  // free list, not a search, so setting the 16K ROM traps of a Spectrum is linear.
  if (free_trap_slots_.empty()) {
    trap_handlers_.push_back(std::move(handler));
    trap_slot_[address] = static_cast<uint16_t>(trap_handlers_.size());
  } else {
    const uint16_t slot = free_trap_slots_.back();
    free_trap_slots_.pop_back();
    trap_handlers_[slot] = std::move(handler);
    trap_slot_[address] = static_cast<uint16_t>(slot + 1);
  }
}

void Z80Cpu::clear_trap(uint16_t address) {
  if (trap_slot_[address] == 0) return;
  trap_handlers_[trap_slot_[address] - 1] = nullptr;
  free_trap_slots_.push_back(static_cast<uint16_t>(trap_slot_[address] - 1));
  trap_slot_[address] = 0;
}

void Z80Cpu::set_port_handlers(PortReader reader, PortWriter writer) {
  port_reader_ = std::move(reader);
  port_writer_ = std::move(writer);
}

int Z80Cpu::maskable_interrupt(uint8_t bus_value) {
  interrupt_bus_value_ = bus_value;
  const int taken = z80ex_int(context_);
  add_t_states(static_cast<uint64_t>(taken));
  return taken;
}

int Z80Cpu::nonmaskable_interrupt() {
  const int taken = z80ex_nmi(context_);
  add_t_states(static_cast<uint64_t>(taken));
  return taken;
}

void Z80Cpu::enable_profiler() {
  if (profile_.empty()) profile_.assign(kMemorySize, 0);
}

StopReason Z80Cpu::run(uint64_t t_state_limit) {
  bool trap_handled_here = false;  // a kRunInstruction trap must not fire again before its instruction
  for (;;) {
    // Here we are always at an instruction boundary.
    const uint16_t instruction_pc = pc();
    if (const uint16_t slot = trap_slot_[instruction_pc]; slot != 0 && !trap_handled_here) {
      // Copy: the handler may replace or clear its own trap.
      const TrapHandler handler = trap_handlers_[slot - 1];
      const TrapOutcome outcome = handler(*this);
      if (outcome == TrapOutcome::kStop) return StopReason::kTrap;
      if (outcome == TrapOutcome::kResumed) {
        if (t_states_ >= t_state_limit) return StopReason::kTStateLimit;
        continue;
      }
      trap_handled_here = true;
    }
    if (t_states_ >= t_state_limit) return StopReason::kTStateLimit;
    if (stop_on_halt_ && z80ex_doing_halt(context_)) return StopReason::kHalted;
    trap_handled_here = false;

    // One instruction: z80ex_step returns after each prefix, so step until a complete opcode.
    uint64_t spent = 0;
    do {
      spent += static_cast<uint64_t>(z80ex_step(context_));
    } while (z80ex_last_op_type(context_) != 0);
    t_states_ += spent;
    if (!profile_.empty()) profile_[instruction_pc] += spent;
  }
}

}  // namespace z80lm::emu
