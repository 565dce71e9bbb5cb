// emu_speed_bench.cpp — how fast the emulator runs Z80 code, in emulated MHz.
//
// Runs the same mixed workload (8- and 16-bit arithmetic, memory reads and writes, calls,
// IX-indexed access) for a fixed number of T-states through: bare libz80ex (the baseline),
// Z80Cpu::run, Z80Cpu::run with the profiler on, and a CpmMachine. Prints emulated MHz and
// the ratio to the baseline; a real Z80 runs at 4 MHz, so e.g. 200 MHz is 50x real time.
#include <fmt/core.h>
#include <z80ex/z80ex.h>

#include <chrono>
#include <vector>

#include "emu/console.h"
#include "emu/cpm_machine.h"
#include "emu/z80_cpu.h"
#include "z80/pasmo.h"

namespace {

using namespace z80lm::emu;

constexpr uint64_t kTStates = 200'000'000;

constexpr const char* kWorkload = R"(
        org 100h
start:  ld ix,table
outer:  ld hl,table
        ld b,0
inner:  ld a,(hl)
        add a,b
        ld (hl),a
        inc hl
        call mix
        djnz inner
        ld a,(ix+3)
        ld (ix+5),a
        jp outer
mix:    ld de,1234h
        ex de,hl
        add hl,de
        ex de,hl
        ret
table:  ds 256
)";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<uint8_t> g_memory(0x10000);
Z80EX_BYTE read_memory(Z80EX_CONTEXT*, Z80EX_WORD address, int, void*) {
  return g_memory[address];
}
void write_memory(Z80EX_CONTEXT*, Z80EX_WORD address, Z80EX_BYTE value, void*) {
  g_memory[address] = value;
}
Z80EX_BYTE read_port(Z80EX_CONTEXT*, Z80EX_WORD, void*) {
  return 0xFF;
}
void write_port(Z80EX_CONTEXT*, Z80EX_WORD, Z80EX_BYTE, void*) {}
Z80EX_BYTE read_vector(Z80EX_CONTEXT*, void*) {
  return 0xFF;
}

double bare_z80ex(const std::vector<uint8_t>& program) {
  std::copy(program.begin(), program.end(), g_memory.begin() + 0x100);
  Z80EX_CONTEXT* cpu = z80ex_create(read_memory, nullptr, write_memory, nullptr, read_port, nullptr,
                                    write_port, nullptr, read_vector, nullptr);
  z80ex_set_reg(cpu, regPC, 0x100);
  const auto start = std::chrono::steady_clock::now();
  uint64_t t = 0;
  while (t < kTStates) t += static_cast<uint64_t>(z80ex_step(cpu));
  const double s = seconds_since(start);
  z80ex_destroy(cpu);
  return static_cast<double>(t) / s / 1e6;
}

double wrapped(const std::vector<uint8_t>& program, bool profile) {
  Z80Cpu cpu;
  cpu.load(0x100, program);
  cpu.set_pc(0x100);
  if (profile) cpu.enable_profiler();
  const auto start = std::chrono::steady_clock::now();
  cpu.run(kTStates);
  return static_cast<double>(cpu.t_states()) / seconds_since(start) / 1e6;
}

double cpm_machine(const std::vector<uint8_t>& program) {
  ScriptedConsole console;
  CpmMachine machine(console, {.max_t_states = kTStates});
  machine.load(program);
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = machine.run();
  return static_cast<double>(result.t_states) / seconds_since(start) / 1e6;
}

}  // namespace

int main() {
  const std::vector<uint8_t> program = z80lm::z80::assemble(kWorkload).binary;
  const double baseline = bare_z80ex(program);
  fmt::print("emulated speed over {} T-states (a real Z80: 4 MHz)\n", kTStates);
  fmt::print("  {:<28} {:>9.1f} MHz  {:>5.2f}x\n", "bare libz80ex (baseline)", baseline, 1.0);
  for (const auto& [name, mhz] : {std::pair{"Z80Cpu::run", wrapped(program, false)},
                                  std::pair{"Z80Cpu::run + profiler", wrapped(program, true)},
                                  std::pair{"CpmMachine::run", cpm_machine(program)}})
    fmt::print("  {:<28} {:>9.1f} MHz  {:>5.2f}x\n", name, mhz, mhz / baseline);
  return 0;
}
