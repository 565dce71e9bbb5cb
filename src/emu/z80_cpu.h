// z80_cpu.h — a Z80 (libz80ex) with 64 KiB of RAM, a 64-bit T-state clock, PC traps and a profiler.
//
//   z80lm::emu::Z80Cpu cpu;
//   cpu.load(0x0100, program);
//   cpu.set_pc(0x0100);
//   cpu.set_trap(0x0005, [](Z80Cpu& c) {   // a host routine standing in for ROM/OS code
//     service(c);
//     c.emulate_ret();                       // back to the caller, charging a RET's 10 T-states
//     return TrapOutcome::kResumed;
//   });
//   StopReason why = cpu.run(/*t_state_limit=*/1'000'000);
//
// Machines (CP/M today, a ZX Spectrum later) are built on top: they put host services on
// trapped addresses, and supply I/O ports and interrupts. This layer knows nothing of any OS.
//
// Invariants:
//  - Traps fire only at instruction boundaries, never between a DD/FD/CB/ED prefix and the rest
//    of its instruction, and before the instruction at the trapped PC is fetched.
//  - t_states() is exactly the sum libz80ex reports per opcode (Zilog timings, prefixes
//    included) plus T-states added by trap handlers (emulate_ret adds 10, a RET's cost).
//  - run(limit) returns only at an instruction boundary, and never starts an instruction once
//    t_states() >= limit; a trap that stops the run takes precedence over the limit.
//  - The profiler charges all T-states of an instruction to the address of its first byte
//    (prefix included); T-states added by add_t_states/emulate_ret go to the current PC.
//
// Not modelled: memory contention and wait states (the Spectrum ULA), refresh-register side
// effects, timing of bus cycles inside an instruction. Interrupts happen only when the owning
// machine calls maskable_interrupt()/nonmaskable_interrupt().
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

struct _z80_cpu_context;  // libz80ex's opaque CPU (Z80EX_CONTEXT); z80ex.h stays out of this header

namespace z80lm::emu {

inline constexpr uint32_t kMemorySize = 0x10000;
inline constexpr uint32_t kRetTStates = 10;  // an unconditional RET: 4 (opcode) + 3 + 3 (pop)

enum class Reg16 : uint8_t { kAF, kBC, kDE, kHL, kIX, kIY, kSP, kPC, kAltAF, kAltBC, kAltDE, kAltHL };
enum class Reg8 : uint8_t { kA, kF, kB, kC, kD, kE, kH, kL };

// What the CPU does after a trap handler returns.
enum class TrapOutcome : uint8_t {
  kResumed,         // the handler moved PC (e.g. emulate_ret): continue there, traps re-checked
  kRunInstruction,  // breakpoint style: execute the instruction at the trapped address
  kStop,            // end run() now with StopReason::kTrap
};

enum class StopReason : uint8_t {
  kTrap,         // a trap handler returned TrapOutcome::kStop
  kTStateLimit,  // t_states() reached the limit passed to run()
  kHalted,       // a HALT is executing and stop_on_halt is set
};

class Z80Cpu {
 public:
  using TrapHandler = std::function<TrapOutcome(Z80Cpu&)>;
  // Port handlers are called from inside libz80ex (C code): they must not throw.
  using PortReader = std::function<uint8_t(uint16_t port)>;
  using PortWriter = std::function<void(uint16_t port, uint8_t value)>;

  Z80Cpu();  // RAM zeroed, registers as after reset, PC = 0, no traps, profiler off
  ~Z80Cpu();
  Z80Cpu(const Z80Cpu&) = delete;
  Z80Cpu& operator=(const Z80Cpu&) = delete;

  // --- memory (host-side access ignores ROM protection) ---
  std::span<uint8_t> memory() { return memory_; }
  std::span<const uint8_t> memory() const { return memory_; }
  uint8_t read_byte(uint16_t address) const { return memory_[address]; }
  void write_byte(uint16_t address, uint8_t value) { memory_[address] = value; }
  uint16_t read_word(uint16_t address) const;  // little-endian, wraps at FFFFh
  void write_word(uint16_t address, uint16_t value);
  // Copies bytes to address..; throws z80lm::Error if they would run past FFFFh.
  void load(uint16_t address, std::span<const uint8_t> bytes);
  // Writes by the CPU below `bytes` are ignored (a ROM at 0000h); 0 disables protection.
  void set_rom_size(uint32_t bytes) { rom_size_ = bytes; }
  // When set, called for every CPU write (after the ROM check); the byte is stored only if it
  // returns true. For machines that page memory (MSX slots, cartridge mappers). Must not throw.
  using WriteFilter = std::function<bool(uint16_t address, uint8_t value)>;
  void set_write_filter(WriteFilter filter) { write_filter_ = std::move(filter); }

  // --- registers ---
  uint16_t reg(Reg16 r) const;
  void set_reg(Reg16 r, uint16_t value);
  uint8_t reg8(Reg8 r) const;
  void set_reg8(Reg8 r, uint8_t value);
  uint16_t pc() const { return reg(Reg16::kPC); }
  void set_pc(uint16_t value) { set_reg(Reg16::kPC, value); }
  uint16_t sp() const { return reg(Reg16::kSP); }
  void set_sp(uint16_t value) { set_reg(Reg16::kSP, value); }
  void push(uint16_t value);  // SP -= 2, then stores; no T-states charged
  uint16_t pop();             // loads, then SP += 2; no T-states charged
  // Returns from a trapped routine as if it ended in RET: PC = pop(), plus kRetTStates.
  void emulate_ret();
  void reset();  // registers to power-on state; memory, clock and traps unchanged
  bool halted() const;

  // --- clock ---
  uint64_t t_states() const { return t_states_; }
  // Opcode fetches (M1 cycles, each prefix byte included) so far: an MSX adds a wait state to each.
  uint64_t m1_cycles() const { return m1_cycles_; }
  void add_t_states(uint64_t t_states);  // e.g. the cost of a host-emulated routine

  // --- traps: at most one handler per address; a new one replaces the old ---
  void set_trap(uint16_t address, TrapHandler handler);
  void clear_trap(uint16_t address);
  bool has_trap(uint16_t address) const { return trap_slot_[address] != 0; }

  // --- I/O and interrupts ---
  void set_port_handlers(PortReader reader, PortWriter writer);  // default: reads FFh, writes ignored
  // Raises INT with `bus_value` on the data bus (IM 2 vector low byte, IM 0 opcode). Returns
  // the T-states taken (0 if interrupts are disabled or the CPU is mid-instruction).
  int maskable_interrupt(uint8_t bus_value = 0xFF);
  int nonmaskable_interrupt();

  // --- running ---
  // Executes until a trap stops it, the clock reaches t_state_limit, or (if enabled) a HALT.
  // When a kRunInstruction trap is followed by the limit, the trap fires again on the next run().
  StopReason run(uint64_t t_state_limit);
  void set_stop_on_halt(bool stop) { stop_on_halt_ = stop; }

  // --- profiler ---
  void enable_profiler();  // allocates the per-PC table (zeroed); a no-op when already on
  // T-states per instruction start address (65536 entries), or empty when the profiler is off.
  std::span<const uint64_t> t_states_by_pc() const { return profile_; }

 private:
  friend struct Z80CpuCallbacks;

  _z80_cpu_context* context_ = nullptr;
  std::vector<uint8_t> memory_;
  uint32_t rom_size_ = 0;
  uint64_t t_states_ = 0;
  uint64_t m1_cycles_ = 0;
  WriteFilter write_filter_;
  bool stop_on_halt_ = false;
  uint8_t interrupt_bus_value_ = 0xFF;
  std::vector<uint16_t> trap_slot_;  // per address: 0 = none, else 1 + index into trap_handlers_
  std::vector<TrapHandler> trap_handlers_;
  std::vector<uint16_t> free_trap_slots_;  // indices of cleared handlers, reused first (O(1))
  PortReader port_reader_;
  PortWriter port_writer_;
  std::vector<uint64_t> profile_;
};

}  // namespace z80lm::emu
