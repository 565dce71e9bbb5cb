// The BIOS-less MSX of `z80lm run` (emu/msx_machine.h) with small hand-written cartridges: BIOS
// printing and keys, slots (port A8h, ENASLT, RSLREG), the ASCII16 mapper, RAM kept across slot
// switches, writes to ROM lost, the interrupt and JIFFY, how runs end, refused images.
#include "emu/msx_machine.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emu/console.h"
#include "msx/msx_memory_map.h"
#include "util/error.h"
#include "z80/pasmo.h"

namespace z80lm {
namespace {

constexpr std::string_view kEquates = R"(
CHPUT   EQU  00A2h
CHGET   EQU  009Fh
ENASLT  EQU  0024h
RSLREG  EQU  0138h
JIFFY   EQU  0FC9Eh
)";

// A cartridge of `banks` banks: bank 0 is the header and `code` (ORG 4000h); bank k holds the
// byte '0'+k at offset 100h.
std::vector<uint8_t> cartridge(const std::string& code, uint32_t banks = 4) {
  const std::string src =
      std::string(kEquates) +
      "        ORG  4000h\n        DB   \"AB\"\n        DW   INIT\n        DS   12\nINIT:\n" + code;
  const z80::AssembleResult r = z80::assemble(src, {.source_name = "TEST.ASM"});
  std::vector<uint8_t> rom(banks * msx::kBankBytes, 0xFF);
  std::copy(r.binary.begin(), r.binary.end(), rom.begin());
  for (uint32_t k = 1; k < banks; ++k) rom[k * msx::kBankBytes + 0x100] = static_cast<uint8_t>('0' + k);
  return rom;
}

struct MachineRun {
  emu::RunResult result;
  std::string out;
  uint64_t m1 = 0;
};

MachineRun run(const std::vector<uint8_t>& rom, const std::string& input = "") {
  emu::ScriptedConsole console(input);
  emu::MsxMachine machine(console, {.max_t_states = 50'000'000});
  machine.load_rom(rom, "TEST.ROM");
  MachineRun r;
  r.result = machine.run();
  r.out = console.output();
  r.m1 = machine.cpu().m1_cycles();
  return r;
}

TEST(MsxMachine, PrintsReadsKeysAndEndsWhenInitReturns) {
  const MachineRun r = run(cartridge(R"(
        LD   A,'>'
        CALL CHPUT
        CALL CHGET
        CALL CHPUT          ; echo
        CALL CHGET          ; RETURN -> 0Dh
        CP   0Dh
        RET  NZ
        LD   A,0Dh
        CALL CHPUT          ; CR: nothing shown
        LD   A,0Ah
        CALL CHPUT          ; LF: a new line
        CALL CHGET          ; DEL -> BS
        CALL CHPUT
        RET                 ; back into the BIOS
)"),
                           "x\n\x7f");
  EXPECT_EQ(r.out, ">x\n\b");
  EXPECT_EQ(r.result.reason, emu::ExitReason::kWarmBoot);
  EXPECT_EQ(r.result.message, "the cartridge's INIT returned: the BIOS would go on booting");
  EXPECT_GT(r.m1, 10u);
}

TEST(MsxMachine, EndOfInputWhileWaitingForAKeyEndsCleanly) {
  const MachineRun r = run(cartridge("        CALL CHGET\n        JR   INIT\n"), "ab");
  EXPECT_EQ(r.result.reason, emu::ExitReason::kEndOfInput);
  EXPECT_EQ(r.result.exit_code, 0);
}

// Slots as C-BIOS_MSX1: page 1 the cartridge (slot 1), pages 2 and 3 RAM (slot 3); the ASCII16
// bank registers; RAM keeps what was written while another slot was selected; ROM ignores writes.
TEST(MsxMachine, SlotsMapperAndRam) {
  const MachineRun r = run(cartridge(R"(
        CALL RSLREG
        CP   0F4h           ; page 0 slot 0, page 1 slot 1, pages 2 and 3 slot 3
        RET  NZ
        LD   A,'R'
        LD   (8100h),A      ; RAM in page 2
        LD   A,2
        LD   (7000h),A      ; bank 2 for page 2 (the cartridge in page 1 takes the write)
        LD   A,1
        LD   H,80h
        CALL ENASLT         ; page 2 = the cartridge
        LD   A,(8100h)
        CALL CHPUT          ; '2'
        LD   A,'W'
        LD   (8100h),A      ; ROM: lost
        LD   A,3
        LD   (7000h),A
        LD   A,(8100h)
        CALL CHPUT          ; '3'
        LD   A,0E4h
        OUT  (0A8h),A       ; page 2 to slot 2: nothing there
        LD   A,(8000h)
        CP   0FFh
        JR   NZ,BAD
        LD   A,0F4h
        OUT  (0A8h),A
        LD   A,3
        LD   H,80h
        CALL ENASLT         ; page 2 = RAM again
        LD   A,(8100h)
        CALL CHPUT          ; 'R': kept
        RET
BAD:    LD   A,'!'
        CALL CHPUT
        RET
)"));
  EXPECT_EQ(r.out, "23R");
  EXPECT_EQ(r.result.reason, emu::ExitReason::kWarmBoot) << r.result.message;
}

TEST(MsxMachine, InterruptsCountJiffyAndHaltWithInterruptsOffStops) {
  const MachineRun r = run(cartridge(R"(
        LD   HL,0
        LD   (JIFFY),HL
        EI
        HALT
        HALT
        HALT
        LD   A,(JIFFY)
        ADD  A,'0'
        CALL CHPUT          ; '3'
        DI
        HALT
)"));
  EXPECT_EQ(r.out, "3");
  EXPECT_EQ(r.result.reason, emu::ExitReason::kWarmBoot);
  EXPECT_EQ(r.result.exit_code, 0);
  EXPECT_NE(r.result.message.find("HALT with interrupts disabled"), std::string::npos) << r.result.message;
}

// Regression: an interrupt accepted late (after DI) less than the handler's charge before the next
// frame made the 0038h trap fire again and again, each time charging the handler, so the run
// never got past it. Here EI comes about 200 T-states before the second frame's interrupt.
TEST(MsxMachine, InterruptAcceptedJustBeforeTheNextFrameIsChargedOnce) {
  const MachineRun r = run(cartridge(R"(
        DI
        LD   BC,5497        ; 5497 x 26 - 5 T-states: EI at T = 142976, the frame is at 143180
WAIT:   DEC  BC
        LD   A,B
        OR   C
        JR   NZ,WAIT
        LD   HL,0
        LD   (JIFFY),HL
        EI
        HALT                ; ended by the first frame's interrupt, held since T = 71590
        HALT                ; ended by the second's, raised during the first's handler
        LD   A,(JIFFY)
        ADD  A,'0'
        CALL CHPUT          ; '2', before the third frame
        DI
        HALT
)"));
  EXPECT_EQ(r.out, "2");
  EXPECT_EQ(r.result.reason, emu::ExitReason::kWarmBoot) << r.result.message;
}

TEST(MsxMachine, UnservedBiosAddressStopsTheRun) {
  const MachineRun r = run(cartridge("        CALL 0005h\n        RET\n"));
  EXPECT_EQ(r.result.reason, emu::ExitReason::kUnimplementedCall);
  EXPECT_EQ(r.result.exit_code, 1);
  EXPECT_NE(r.result.message.find("BIOS address 0005h"), std::string::npos) << r.result.message;
}

TEST(MsxMachine, ExpandedSlotsAreRefusedByEnaslt) {
  const MachineRun r =
      run(cartridge("        LD   A,83h\n        LD   H,80h\n        CALL ENASLT\n        RET\n"));
  EXPECT_EQ(r.result.reason, emu::ExitReason::kBadCall);
  EXPECT_NE(r.result.message.find("expanded slot ID 83h"), std::string::npos) << r.result.message;
}

// The MSX's extra wait state goes on every M1 cycle: one per opcode fetch, prefixes included
// (DD, ED: 2), but the opcode byte after DD CB d is read without M1 (Zilog: DD, CB are M1).
TEST(Z80CpuM1, CountsOpcodeFetchesAsTheZ80Does) {
  emu::Z80Cpu cpu;
  const z80::AssembleResult r = z80::assemble(R"(
        ORG  100h
        NOP                 ; 1
        LD   IX,0           ; 2
        BIT  0,(IX+0)       ; 2
        LD   A,I            ; 2
        HALT
)");
  cpu.load(0x100, r.binary);
  cpu.set_pc(0x100);
  cpu.set_stop_on_halt(true);
  ASSERT_EQ(cpu.run(1000), emu::StopReason::kHalted);
  EXPECT_EQ(cpu.m1_cycles(), 1u + 2 + 2 + 2 + 1);  // the HALT's own fetch
  EXPECT_EQ(cpu.t_states(), 4u + 14 + 20 + 9 + 4);
}

TEST(Z80CpuWriteFilter, DecidesWhichWritesLand) {
  emu::Z80Cpu cpu;
  const z80::AssembleResult r = z80::assemble(R"(
        ORG  100h
        LD   A,55h
        LD   (8000h),A      ; refused by the filter
        LD   (9000h),A      ; stored
        HALT
)");
  cpu.load(0x100, r.binary);
  std::vector<uint16_t> seen;
  cpu.set_write_filter([&seen](uint16_t address, uint8_t) {
    seen.push_back(address);
    return address != 0x8000;
  });
  cpu.set_pc(0x100);
  cpu.set_stop_on_halt(true);
  cpu.run(1000);
  EXPECT_EQ(cpu.read_byte(0x8000), 0);
  EXPECT_EQ(cpu.read_byte(0x9000), 0x55);
  EXPECT_EQ(seen, (std::vector<uint16_t>{0x8000, 0x9000}));
}

TEST(MsxMachine, RefusesWhatIsNotACartridge) {
  emu::ScriptedConsole console("");
  emu::MsxMachine machine(console);
  EXPECT_THROW(machine.load_rom(std::vector<uint8_t>(1000, 0), "A.ROM"), Error);
  std::vector<uint8_t> no_header(msx::kBankBytes, 0);
  EXPECT_THROW(machine.load_rom(no_header, "B.ROM"), Error);
  std::vector<uint8_t> bad_init(msx::kBankBytes, 0);
  bad_init[0] = 'A';
  bad_init[1] = 'B';
  bad_init[3] = 0x90;  // INIT 9000h: not in the first bank
  try {
    machine.load_rom(bad_init, "C.ROM");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("C.ROM: the header's INIT address 9000h"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(emu::is_msx_program_name("chat.Rom"));
  EXPECT_FALSE(emu::is_msx_program_name("chat.com"));
}

}  // namespace
}  // namespace z80lm
