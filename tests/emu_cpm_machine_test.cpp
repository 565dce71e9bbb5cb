// Tests for the CP/M 2.2 machine: page zero, loading, every BDOS function, exits and golden T-states.
#include <gtest/gtest.h>

#include "emu/cpm_command_line.h"
#include "emu/cpm_machine.h"
#include "emu_test_support.h"

namespace z80lm::emu {
namespace {

using testing::assemble_com;
using testing::run_cpm;
using testing::run_cpm_binary;
using testing::kEchoProgram;



TEST(CpmMachine, HelloWorldViaBdos9) {
  auto run = run_cpm(R"(
        org 100h
        ld c,9
        ld de,msg
        call 5
        ret
msg:    db "Hello, world!",13,10,"$"
)");
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.raw, "Hello, world!\r\n");
  EXPECT_EQ(run.text, "Hello, world!\n");
}

TEST(CpmMachine, HelloWorldViaBdos2AndBdos0) {
  auto run = run_cpm(R"(
        org 100h
        ld hl,msg
next:   ld a,(hl)
        or a
        jr z,done
        push hl
        ld e,a
        ld c,2
        call 5
        pop hl
        inc hl
        jr next
done:   ld c,0
        call 5
msg:    db "Hi there",13,10,0
)");
  EXPECT_EQ(run.result.reason, ExitReason::kSystemReset);
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.text, "Hi there\n");
  ASSERT_EQ(run.timeline.output.size(), 10u);
}

TEST(CpmMachine, GoldenTStatesForDjnzLoop) {
  auto run = run_cpm(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  // LD B,10 = 7; DJNZ taken 9 x 13 = 117, not taken 8; RET (to the 0000h on the initial stack) 10.
  // Arriving at 0000h ends the run at no cost.
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.result.t_states, 7u + 9 * 13 + 8 + 10);
  EXPECT_EQ(run.result.t_states, 142u);
}

TEST(CpmMachine, GoldenTStatesForOneBdosCall) {
  auto run = run_cpm(" org 100h\n ld c,2\n ld e,'A'\n call 5\n ret\n");
  // LD C,n 7 + LD E,n 7 + CALL 17 = 31 when the BDOS is entered (the byte's time stamp); the
  // host-served BDOS costs only its emulated RET, 10; then RET 10. Total 51.
  ASSERT_EQ(run.timeline.output.size(), 1u);
  EXPECT_EQ(run.timeline.output[0].t_state, 31u);
  EXPECT_EQ(run.timeline.output[0].byte, 'A');
  EXPECT_EQ(run.result.t_states, 51u);
}

TEST(CpmMachine, GoldenTStatesForPrintString) {
  auto run = run_cpm(" org 100h\n ld de,msg\n ld c,9\n call 5\n ret\nmsg: db 'HI!$'\n");
  // LD DE,nn 10 + LD C,n 7 + CALL 17 = 34 at the BDOS; BDOS 9 costs its RET 10 plus 10 per
  // character printed (3), as if each were a BDOS 2 call; then RET 10. Total 84.
  ASSERT_EQ(run.timeline.output.size(), 3u);
  EXPECT_EQ(run.timeline.output[2].t_state, 34u);
  EXPECT_EQ(run.result.t_states, 34u + 10 + 3 * 10 + 10);
}

TEST(CpmMachine, ExtraTStatesPerCallAreCharged) {
  auto run = run_cpm(" org 100h\n ld c,2\n ld e,'A'\n call 5\n ret\n", {}, {.extra_t_states_per_call = 500});
  EXPECT_EQ(run.result.t_states, 551u);
}

TEST(CpmMachine, MaxTStatesBoundsARunawayLoop) {
  auto run = run_cpm(" org 100h\nspin: jr spin\n", {}, {.max_t_states = 100'000});
  EXPECT_EQ(run.result.reason, ExitReason::kTStateLimit);
  EXPECT_EQ(run.result.exit_code, 2);
  EXPECT_GE(run.result.t_states, 100'000u);
  EXPECT_LT(run.result.t_states, 100'000u + 12);
  EXPECT_NE(run.result.message.find("stopped after"), std::string::npos) << run.result.message;
  EXPECT_NE(run.result.message.find("0100h"), std::string::npos) << run.result.message;
}

TEST(CpmMachine, MaxTStatesIsExactAtTheBoundary) {
  const auto program = assemble_com(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  // The final RET starts at T = 132 and the run ends at 142.
  EXPECT_EQ(run_cpm_binary(program, {}, {.max_t_states = 132}).result.exit_code, 2);
  EXPECT_EQ(run_cpm_binary(program, {}, {.max_t_states = 133}).result.exit_code, 0);
  EXPECT_EQ(run_cpm_binary(program, {}, {.max_t_states = 142}).result.exit_code, 0);
}

TEST(CpmMachine, MaxTStatesWorksAcrossManySlices) {
  // Long enough to need several of run()'s internal slices.
  auto run = run_cpm(" org 100h\nspin: jr spin\n", {}, {.max_t_states = 7'000'000});
  EXPECT_EQ(run.result.exit_code, 2);
  EXPECT_GE(run.result.t_states, 7'000'000u);
  EXPECT_LT(run.result.t_states, 7'000'012u);
}

TEST(CpmMachine, LineInputEchoWithBackspaceAndCleanEof) {
  auto run = run_cpm(kEchoProgram,
                     "hello\nab\bc\x7F"
                     "d\n");
  EXPECT_EQ(run.result.reason, ExitReason::kEndOfInput);
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.raw,
            "\r\n> hello\r\r\nhello"
            "\r\n> ab\b \bc\b \bd\r\r\nad"
            "\r\n> ");
  EXPECT_EQ(run.text, "\n> hello\nhello\n> ab\b \bc\b \bd\nad\n> ");
  // The second line as stored: count 2, "ad".
  const uint16_t buf = z80::assemble(kEchoProgram).symbols.at("buf");
  EXPECT_EQ(run.memory[buf], 20);
  EXPECT_EQ(run.memory[buf + 1], 2);
  EXPECT_EQ(run.memory[buf + 2], 'a');
  EXPECT_EQ(run.memory[buf + 3], 'd');
  ASSERT_EQ(run.timeline.inputs.size(), 3u);
  EXPECT_EQ(run.timeline.inputs[0].text, "hello");
  EXPECT_EQ(run.timeline.inputs[1].text, "ad");
  EXPECT_TRUE(run.timeline.inputs[2].end_of_input);
}

TEST(CpmMachine, LineInputCrLfAndPartialLastLine) {
  // Windows line endings give one Return each; a last line without newline is still entered.
  auto run = run_cpm(kEchoProgram, "one\r\ntwo");
  EXPECT_EQ(run.result.reason, ExitReason::kEndOfInput);
  EXPECT_EQ(run.text, "\n> one\none\n> two\ntwo\n> ");
}

TEST(CpmMachine, LineInputEmptyLineAndCtrlC) {
  auto empty = run_cpm(kEchoProgram, "\nnot read\n");
  EXPECT_EQ(empty.result.reason, ExitReason::kWarmBoot);  // RET on an empty line
  EXPECT_EQ(empty.input_left, 9u);

  auto ctrl_c = run_cpm(kEchoProgram, "\x03more\n");
  EXPECT_EQ(ctrl_c.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(ctrl_c.result.exit_code, 0);
  EXPECT_EQ(ctrl_c.text, "\n> ^C");

  // ^C later in the line is just a character (echoed as ^C); ^U erases the line.
  auto later = run_cpm(kEchoProgram,
                       "a\x03\n"
                       "xy\x15z\n");
  EXPECT_EQ(later.timeline.inputs[0].text, "a\x03");
  EXPECT_EQ(later.timeline.inputs[1].text, "z");
}

TEST(CpmMachine, LineInputEndsWhenTheBufferIsFull) {
  auto run = run_cpm(R"(
        org 100h
        ld c,10
        ld de,buf
        call 5
        ret
buf:    db 3,0
        ds 3
)",
                     "abcdef\n");
  ASSERT_EQ(run.timeline.inputs.size(), 1u);
  EXPECT_EQ(run.timeline.inputs[0].text, "abc");
  EXPECT_EQ(run.raw, "abc\r");
  EXPECT_EQ(run.input_left, 4u);  // "def" and the Return are left for the next read
}

TEST(CpmMachine, ConsoleInputBdos1EchoesAndReturnsInAAndL) {
  const auto assembled = z80::assemble(R"(
        org 100h
        ld c,1
        call 5
        ld (result),a
        ld a,l
        ld (result+1),a
        ret
result: dw 0
)");
  auto run = run_cpm_binary(assembled.binary, "x");
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.raw, "x");
  const uint16_t result = assembled.symbols.at("result");
  EXPECT_EQ(run.memory[result], 'x');
  EXPECT_EQ(run.memory[result + 1], 'x');
}

TEST(CpmMachine, ConsoleInputAtEndOfInputEndsCleanly) {
  auto run = run_cpm(" org 100h\n ld c,1\n call 5\n jr $\n");
  EXPECT_EQ(run.result.reason, ExitReason::kEndOfInput);
  EXPECT_EQ(run.result.exit_code, 0);
}

TEST(CpmMachine, DirectConsoleIoStatusAndVersion) {
  // Stores: BDOS 11 status, BDOS 6 FEh status, BDOS 6 FFh key, BDOS 6 FFh with no key,
  // BDOS 11 status after, version A, B, then HL; prints '!' via BDOS 6.
  const auto assembled = z80::assemble(R"(
        org 100h
        ld c,11
        call 5
        ld (store+0),a
        ld c,6
        ld e,0FEh
        call 5
        ld (store+1),a
        ld c,6
        ld e,0FFh
        call 5
        ld (store+2),a
        ld c,6
        ld e,0FFh
        call 5
        ld (store+3),a
        ld c,11
        call 5
        ld (store+4),a
        ld c,12
        call 5
        ld (store+5),a
        ld a,b
        ld (store+6),a
        ld (store+7),hl
        ld c,6
        ld e,'!'
        call 5
        ret
store:  ds 9
)");
  auto run = run_cpm_binary(assembled.binary, "k");
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  const uint16_t out = assembled.symbols.at("store");
  EXPECT_EQ(run.memory[out + 0], 0xFF);  // a key is waiting
  EXPECT_EQ(run.memory[out + 1], 0xFF);
  EXPECT_EQ(run.memory[out + 2], 'k');   // read without echo
  EXPECT_EQ(run.memory[out + 3], 0x00);  // no key: 0
  EXPECT_EQ(run.memory[out + 4], 0x00);
  EXPECT_EQ(run.memory[out + 5], 0x22);  // version 2.2: A = L = 22h
  EXPECT_EQ(run.memory[out + 6], 0x00);  // B = H = 00h
  EXPECT_EQ(run.memory[out + 7], 0x22);
  EXPECT_EQ(run.memory[out + 8], 0x00);
  EXPECT_EQ(run.raw, "!");
  ASSERT_EQ(run.timeline.inputs.size(), 1u);  // only the poll that returned a key is an input request
  EXPECT_EQ(run.timeline.inputs[0].function, 6);
}

TEST(CpmMachine, UnimplementedBdosFunctionStopsWithItsName) {
  auto run = run_cpm(" org 100h\n nop\n nop\n ld c,15\n ld de,5Ch\n call 5\n ret\n");
  EXPECT_EQ(run.result.reason, ExitReason::kUnimplementedCall);
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(run.result.message, "unimplemented BDOS function 15 (open file) called from 0107h");
  EXPECT_FALSE(run.result.hint.empty());
}

TEST(CpmMachine, BdosReachedThroughTheTpaTopWordWorks) {
  // Some programs call the BDOS at the address stored in 0006h instead of 0005h.
  auto run = run_cpm(R"(
        org 100h
        ld hl,(6)
        ld de,back
        push de
        ld c,2
        ld e,'Z'
        jp (hl)
back:   ret
)");
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.raw, "Z");
}

TEST(CpmMachine, WordAt0006IsTpaTop) {
  const auto program = assemble_com(" org 100h\n ld hl,(6)\n ld (200h),hl\n ret\n");
  auto standard = run_cpm_binary(program);
  EXPECT_EQ(standard.memory[0x200] | (standard.memory[0x201] << 8), cpm::kDefaultTpaTop);
  EXPECT_EQ(standard.memory[0x0005], 0xC3);  // JP
  auto small = run_cpm_binary(program, {}, {.tpa_top = 0xC000});
  EXPECT_EQ(small.memory[0x200] | (small.memory[0x201] << 8), 0xC000);
}

TEST(CpmMachine, PageZeroWarmBootJumpExits) {
  auto jp0 = run_cpm(" org 100h\n ld sp,8000h\n jp 0\n");
  EXPECT_EQ(jp0.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(jp0.memory[0], 0xC3);
  EXPECT_EQ(jp0.memory[1] | (jp0.memory[2] << 8), cpm::kBiosWarmBoot);
  // Through the BIOS jump table, as programs that read the word at 0001h do.
  auto bios = run_cpm(" org 100h\n ld hl,(1)\n jp (hl)\n");
  EXPECT_EQ(bios.result.reason, ExitReason::kWarmBoot);
}

TEST(CpmMachine, BiosConsoleEntriesWork) {
  // CONOUT is BIOS base + 12 = (0001h) + 9.
  auto run = run_cpm(R"(
        org 100h
        ld hl,(1)
        ld de,9
        add hl,de
        ld (conout+1),hl
        ld c,'B'
conout: call 0
        ret
)");
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.raw, "B");
  auto list = run_cpm(" org 100h\n call 0FF0Fh\n ret\n");
  EXPECT_EQ(list.result.reason, ExitReason::kUnimplementedCall);
  EXPECT_EQ(list.result.message, "unimplemented BIOS entry 5 (LIST) called from 0100h");
}

TEST(CpmMachine, HaltStopsWithAnError) {
  auto run = run_cpm(" org 100h\n halt\n");
  EXPECT_EQ(run.result.reason, ExitReason::kHalted);
  EXPECT_EQ(run.result.exit_code, 1);
}

TEST(CpmMachine, Bdos9WithoutDollarStops) {
  // Fill all of memory from 0200h on (wrapping) up to the program with 'x', so no '$' is left,
  // then print from 0200h.
  auto run = run_cpm(R"(
        org 100h
        ld hl,200h
        ld de,201h
        ld bc,0FF00h
        ld (hl),'x'
        ldir
        ld c,9
        ld de,200h
        call 5
)");
  EXPECT_EQ(run.result.reason, ExitReason::kBadCall);
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_NE(run.result.message.find("no '$' terminator"), std::string::npos) << run.result.message;
}

TEST(CpmMachine, CommandTailAndFcbsLikeTheCcp) {
  auto run = run_cpm(" org 100h\n ret\n", {}, {}, {"hello", "there"});
  const std::string tail(run.memory.begin() + 0x81, run.memory.begin() + 0x81 + run.memory[0x80]);
  EXPECT_EQ(run.memory[0x80], 12);
  EXPECT_EQ(tail, " HELLO THERE");
  EXPECT_EQ(run.memory[0x81 + 12], 0);
  EXPECT_EQ(run.memory[cpm::kFcb1], 0);  // default drive
  EXPECT_EQ(std::string(run.memory.begin() + cpm::kFcb1 + 1, run.memory.begin() + cpm::kFcb1 + 12),
            "HELLO      ");
  EXPECT_EQ(run.memory[cpm::kFcb2], 0);
  EXPECT_EQ(std::string(run.memory.begin() + cpm::kFcb2 + 1, run.memory.begin() + cpm::kFcb2 + 12),
            "THERE      ");
  for (uint16_t i = 12; i < 16; ++i) EXPECT_EQ(run.memory[cpm::kFcb2 + i], 0) << i;
}

TEST(CpmMachine, NoArgumentsGiveEmptyTailAndBlankFcbs) {
  auto run = run_cpm(" org 100h\n ret\n");
  EXPECT_EQ(run.memory[0x80], 0);
  EXPECT_EQ(std::string(run.memory.begin() + cpm::kFcb1 + 1, run.memory.begin() + cpm::kFcb1 + 12),
            "           ");
}

TEST(CpmCommandLine, FcbDriveNameTypeAndWildcards) {
  const auto fcb = parse_fcb("b:notes.txt");
  EXPECT_EQ(fcb[0], 2);
  EXPECT_EQ(std::string(fcb.begin() + 1, fcb.begin() + 12), "NOTES   TXT");
  const auto wild = parse_fcb("*.c*");
  EXPECT_EQ(std::string(wild.begin() + 1, wild.begin() + 12), "????????C??");
  const auto longname = parse_fcb("verylongname.text");
  EXPECT_EQ(std::string(longname.begin() + 1, longname.begin() + 12), "VERYLONGTEX");
}

TEST(CpmCommandLine, TailOver127CharactersIsRefused) {
  std::vector<std::string> args = {std::string(126, 'a')};
  EXPECT_NO_THROW(build_command_tail(args));  // 127 with the leading space
  args[0] += 'a';
  try {
    build_command_tail(args);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "command tail is 128 characters; CP/M allows at most 127");
  }
}

TEST(CpmMachine, EmptyProgramIsRefused) {
  ScriptedConsole console;
  CpmMachine machine(console);
  try {
    machine.load({}, {}, "empty.com");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("empty.com: the file is empty (0 bytes)"), std::string::npos)
        << e.what();
  }
}

TEST(CpmMachine, ProgramLargerThanTheTpaIsRefused) {
  ScriptedConsole console;
  CpmMachine machine(console, {.tpa_top = 0x1000});
  std::vector<uint8_t> fits(0x0F00, 0), too_big(0x0F01, 0);
  try {
    machine.load(too_big, {}, "big.com");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "big.com: the program is 3841 bytes but the TPA holds only 3840 bytes (0100h..0FFFh)");
    EXPECT_FALSE(e.hint().empty());
  }
  EXPECT_NO_THROW(machine.load(fits, {}, "fits.com"));
}

TEST(CpmMachine, TpaTopOutOfRangeIsRefused) {
  ScriptedConsole console;
  EXPECT_THROW(CpmMachine(console, {.tpa_top = 0x0100}), Error);
  EXPECT_THROW(CpmMachine(console, {.tpa_top = 0xFF00}), Error);
  EXPECT_NO_THROW(CpmMachine(console, {.tpa_top = cpm::kMaxTpaTop}));
}

TEST(CpmMachine, TraceBdosDescribesEachCall) {
  std::vector<std::string> lines;
  CpmConfig config;
  config.trace_bdos = [&](const std::string& line) { lines.push_back(line); };
  auto run = run_cpm(" org 100h\n ld c,2\n ld e,'A'\n call 5\n ld c,12\n call 5\n ret\n", {}, config);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "bdos t=31 at 0104h: 2 console output, E=41h 'A'");
  EXPECT_EQ(lines[1], "bdos t=65 at 0109h: 12 return version number -> 0022h");
}

TEST(CpmMachine, ProfilerIsFilledWhenAsked) {
  auto program = assemble_com(" org 100h\n ld b,10\nloop: djnz loop\n ret\n");
  ScriptedConsole console;
  CpmMachine machine(console, {.profile = true});
  machine.load(program);
  machine.run();
  const auto by_pc = machine.cpu().t_states_by_pc();
  ASSERT_EQ(by_pc.size(), kMemorySize);
  EXPECT_EQ(by_pc[0x0102], 125u);
  EXPECT_EQ(machine.system_symbols().at("(BDOS)"), cpm::kBdosEntry);
}

TEST(CpmMachine, RunTwiceIsALogicError) {
  ScriptedConsole console;
  CpmMachine machine(console);
  EXPECT_THROW(machine.run(), std::logic_error);
  machine.load(assemble_com(" org 100h\n ret\n"));
  machine.run();
  EXPECT_THROW(machine.run(), std::logic_error);
}

}  // namespace
}  // namespace z80lm::emu
