// Tests for the libz80ex wrapper: clock, traps at instruction boundaries, limits, profiler, I/O.
#include <gtest/gtest.h>

#include "emu/z80_cpu.h"
#include "emu_test_support.h"

namespace z80lm::emu {
namespace {

using testing::assemble_com;

// Loads `source` (which must ORG 100h) at 0100h with a return address 0000h on the stack, and
// traps 0000h to stop, so a final RET ends run() with StopReason::kTrap.
struct Rig {
  Z80Cpu cpu;
  explicit Rig(std::string_view source) {
    cpu.load(0x0100, assemble_com(source));
    cpu.set_pc(0x0100);
    cpu.set_sp(0xF000);
    cpu.push(0x0000);
    cpu.set_trap(0x0000, [](Z80Cpu&) { return TrapOutcome::kStop; });
  }
};

TEST(Z80Cpu, DjnzLoopCostsExactlyTheZilogTStates) {
  Rig rig(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  // LD B,n 7; DJNZ taken 9 x 13, not taken 8; RET 10. Stopping at the 0000h trap costs nothing.
  EXPECT_EQ(rig.cpu.t_states(), 7u + 9 * 13 + 8 + 10);
  EXPECT_EQ(rig.cpu.t_states(), 142u);
  EXPECT_EQ(rig.cpu.pc(), 0x0000);
}

TEST(Z80Cpu, PrefixedInstructionsCountPrefixAndBody) {
  // LD IX,nn 14; BIT 0,(IX+1) 20; LD A,(IY+0) 19; LDIR with BC=1 16; RET 10.
  Rig rig(" org 100h\n ld ix,200h\n bit 0,(ix+1)\n ld a,(iy+0)\n ld bc,1\n ldir\n ret\n");
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  EXPECT_EQ(rig.cpu.t_states(), 14u + 20 + 19 + 10 + 16 + 10);
}

TEST(Z80Cpu, TrapEmulatingRetReturnsToCallerAndCharges10TStates) {
  Rig rig(" org 100h\n ld a,1\n call 1000h\n ld b,a\n ret\n");
  int calls = 0;
  rig.cpu.set_trap(0x1000, [&](Z80Cpu& cpu) {
    ++calls;
    EXPECT_EQ(cpu.read_word(cpu.sp()), 0x0105);  // return address after the CALL
    cpu.set_reg8(Reg8::kA, 42);
    cpu.emulate_ret();
    return TrapOutcome::kResumed;
  });
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(rig.cpu.reg8(Reg8::kB), 42);
  // LD A,n 7; CALL 17; emulated RET 10; LD B,A 4; RET 10.
  EXPECT_EQ(rig.cpu.t_states(), 7u + 17 + 10 + 4 + 10);
}

TEST(Z80Cpu, TrapsFireOnlyAtInstructionBoundaries) {
  // LD IX,1234h is DD 21 34 12 at 0100h; the next instruction starts at 0104h.
  Rig rig(" org 100h\n ld ix,1234h\n nop\n ret\n");
  int inside = 0, next = 0;
  for (uint16_t address : {uint16_t{0x0101}, uint16_t{0x0102}, uint16_t{0x0103}})
    rig.cpu.set_trap(address, [&](Z80Cpu&) {
      ++inside;
      return TrapOutcome::kRunInstruction;
    });
  rig.cpu.set_trap(0x0104, [&](Z80Cpu& cpu) {
    ++next;
    EXPECT_EQ(cpu.t_states(), 14u);
    return TrapOutcome::kRunInstruction;
  });
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  EXPECT_EQ(inside, 0);
  EXPECT_EQ(next, 1);
  EXPECT_EQ(rig.cpu.t_states(), 14u + 4 + 10);
}

TEST(Z80Cpu, BreakpointTrapRunsTheInstructionOncePerVisit) {
  Rig rig(" org 100h\n ld b,5\nloop: djnz loop\n ret\n");
  int hits = 0;
  rig.cpu.set_trap(0x0102, [&](Z80Cpu&) {
    ++hits;
    return TrapOutcome::kRunInstruction;
  });
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  EXPECT_EQ(hits, 5);
  EXPECT_EQ(rig.cpu.t_states(), 7u + 4 * 13 + 8 + 10);
}

TEST(Z80Cpu, RunStopsAtTheLimitOnAnInstructionBoundary) {
  Rig rig(" org 100h\nspin: jr spin\n");
  EXPECT_EQ(rig.cpu.run(1000), StopReason::kTStateLimit);
  // JR is 12 T-states: the run stops at the first boundary at or past 1000.
  EXPECT_EQ(rig.cpu.t_states(), 1008u);
  EXPECT_EQ(rig.cpu.pc(), 0x0100);
  EXPECT_EQ(rig.cpu.run(2000), StopReason::kTStateLimit);  // resumable
  EXPECT_EQ(rig.cpu.t_states(), 2004u);
}

TEST(Z80Cpu, StopTrapTakesPrecedenceOverTheLimit) {
  Rig rig(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  EXPECT_EQ(rig.cpu.run(142), StopReason::kTrap);  // reaches 0000h exactly at the limit
  Rig again(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  EXPECT_EQ(again.cpu.run(132), StopReason::kTStateLimit);  // the RET would start at 132
  EXPECT_EQ(again.cpu.t_states(), 132u);
}

TEST(Z80Cpu, HaltStopsOnlyWhenAsked) {
  Rig rig(" org 100h\n nop\n halt\n");
  EXPECT_EQ(rig.cpu.run(100), StopReason::kTStateLimit);
  EXPECT_TRUE(rig.cpu.halted());
  Rig stopping(" org 100h\n nop\n halt\n");
  stopping.cpu.set_stop_on_halt(true);
  EXPECT_EQ(stopping.cpu.run(100), StopReason::kHalted);
  EXPECT_EQ(stopping.cpu.t_states(), 8u);  // NOP 4 + HALT 4
}

TEST(Z80Cpu, MaskableInterruptWakesHaltInIm1) {
  // What a Spectrum machine will do every frame.
  Rig rig(" org 100h\n im 1\n ei\n halt\n ret\n");
  EXPECT_EQ(rig.cpu.run(100), StopReason::kTStateLimit);
  ASSERT_TRUE(rig.cpu.halted());
  EXPECT_GT(rig.cpu.maskable_interrupt(), 0);
  EXPECT_EQ(rig.cpu.pc(), 0x0038);
  EXPECT_FALSE(rig.cpu.halted());
}

TEST(Z80Cpu, PortHandlersSeeInAndOut) {
  Rig rig(" org 100h\n ld a,7\n out (0FEh),a\n in a,(1Fh)\n ld (200h),a\n ret\n");
  std::vector<std::pair<uint16_t, uint8_t>> writes;
  rig.cpu.set_port_handlers([](uint16_t port) { return static_cast<uint8_t>(port & 0xFF); },
                            [&](uint16_t port, uint8_t value) { writes.emplace_back(port, value); });
  EXPECT_EQ(rig.cpu.run(1000), StopReason::kTrap);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].first & 0xFF, 0xFE);
  EXPECT_EQ(writes[0].second, 7);
  EXPECT_EQ(rig.cpu.read_byte(0x0200), 0x1F);
}

TEST(Z80Cpu, RomProtectionIgnoresCpuWritesOnly) {
  Rig rig(" org 100h\n ld a,55h\n ld (10h),a\n ld (4000h),a\n ret\n");
  rig.cpu.set_rom_size(0x4000);
  rig.cpu.write_byte(0x0010, 0xAA);  // the host may still load the ROM
  EXPECT_EQ(rig.cpu.run(1000), StopReason::kTrap);
  EXPECT_EQ(rig.cpu.read_byte(0x0010), 0xAA);
  EXPECT_EQ(rig.cpu.read_byte(0x4000), 0x55);
}

TEST(Z80Cpu, RegistersReadAndWrite) {
  Z80Cpu cpu;
  cpu.set_reg(Reg16::kHL, 0x1234);
  EXPECT_EQ(cpu.reg8(Reg8::kH), 0x12);
  EXPECT_EQ(cpu.reg8(Reg8::kL), 0x34);
  cpu.set_reg8(Reg8::kA, 0xAB);
  cpu.set_reg8(Reg8::kF, 0x01);
  EXPECT_EQ(cpu.reg(Reg16::kAF), 0xAB01);
  cpu.set_reg(Reg16::kAltDE, 0xBEEF);
  EXPECT_EQ(cpu.reg(Reg16::kAltDE), 0xBEEF);
}

TEST(Z80Cpu, LoadPastTheTopOfMemoryThrows) {
  Z80Cpu cpu;
  std::vector<uint8_t> bytes(16, 0);
  EXPECT_THROW(cpu.load(0xFFF8, bytes), Error);
  EXPECT_NO_THROW(cpu.load(0xFFF0, bytes));
}

TEST(Z80Cpu, ProfilerChargesEachInstructionToItsStartAddress) {
  Rig rig(" org 100h\n ld b,10\nloop: djnz loop\n ld ix,0\n ret\n");
  rig.cpu.enable_profiler();
  EXPECT_EQ(rig.cpu.run(1'000'000), StopReason::kTrap);
  const auto by_pc = rig.cpu.t_states_by_pc();
  ASSERT_EQ(by_pc.size(), kMemorySize);
  EXPECT_EQ(by_pc[0x0100], 7u);
  EXPECT_EQ(by_pc[0x0102], 9u * 13 + 8);
  EXPECT_EQ(by_pc[0x0104], 14u);  // prefix and body together
  EXPECT_EQ(by_pc[0x0105], 0u);
  EXPECT_EQ(by_pc[0x0108], 10u);
}

TEST(Z80Cpu, TrapCanReplaceAndClearTraps) {
  Rig rig(" org 100h\n call 1000h\n call 1000h\n ret\n");
  int first = 0, second = 0;
  rig.cpu.set_trap(0x1000, [&](Z80Cpu& cpu) {
    ++first;
    cpu.set_trap(0x1000, [&](Z80Cpu& c) {
      ++second;
      c.emulate_ret();
      return TrapOutcome::kResumed;
    });
    cpu.emulate_ret();
    return TrapOutcome::kResumed;
  });
  EXPECT_EQ(rig.cpu.run(1000), StopReason::kTrap);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  rig.cpu.clear_trap(0x1000);
  EXPECT_FALSE(rig.cpu.has_trap(0x1000));
}

}  // namespace
}  // namespace z80lm::emu
