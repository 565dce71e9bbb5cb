// The ROM-less Spectrum machine of `z80lm run`: small programs on a tape with a BASIC loader (or
// in a snapshot) print through RST 10h, read keys through the interrupt handler, and end in
// every documented way.
#include "emu/zx_machine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emu/console.h"
#include "util/error.h"
#include "z80/pasmo.h"
#include "zx/basic_program.h"
#include "zx/tap_file.h"
#include "zx/z80_snapshot.h"
#include "zx/zx48_machine_state.h"
#include "zx/zx48_memory_map.h"

namespace z80lm::emu {
namespace {

using namespace z80lm::zx;

std::vector<uint8_t> tape_of(const z80::AssembleResult& code, uint16_t entry, bool with_loader = true) {
  std::vector<TapBlock> tape;
  if (with_loader) {
    const std::vector<uint8_t> loader =
        autorun_loader({.clear = static_cast<uint16_t>(code.origin - 1), .usr = entry});
    append_tape_file(tape,
                     {.type = TapeFileType::kProgram,
                      .name = "T",
                      .param1 = kLoaderLine,
                      .param2 = static_cast<uint16_t>(loader.size())},
                     loader);
  }
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = "T", .param1 = code.origin}, code.binary);
  return serialize_tap(tape);
}

struct ZxRun {
  RunResult result;
  std::string raw;   // bytes as the console got them
  std::string text;  // with CR dropped
  ConsoleTimeline timeline;
  std::vector<uint8_t> memory;
};

ZxRun run_bytes(const std::vector<uint8_t>& file, std::string_view name, std::string_view input,
                ZxConfig config) {
  ScriptedConsole console(input);
  ZxMachine machine(console, std::move(config));
  machine.load_file(file, name);
  ZxRun run;
  run.result = machine.run();
  run.raw = console.output();
  run.text = console.text();
  run.timeline = machine.timeline();
  run.memory.assign(machine.cpu().memory().begin(), machine.cpu().memory().end());
  return run;
}

// `source` must ORG at 8000h or above; the run starts at its first byte.
ZxRun run_source(std::string_view source, std::string_view input = {},
                 ZxConfig config = {.max_t_states = 100'000'000}) {
  const z80::AssembleResult code = z80::assemble(source);
  return run_bytes(tape_of(code, code.origin), "t.tap", input, std::move(config));
}

TEST(ZxMachine, Rst10PrintsAndRetReturnsToBasic) {
  const ZxRun run =
      run_source(" org 8000h\n ld a,'H'\n rst 10h\n ld a,'I'\n rst 10h\n ld a,0Dh\n rst 10h\n ret\n");
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.reason, ExitReason::kWarmBoot);
  EXPECT_EQ(run.result.message, "the program returned from USR: back to BASIC");
  EXPECT_EQ(run.raw, "HI\n");
  ASSERT_EQ(run.timeline.output.size(), 3u);
  EXPECT_EQ(run.timeline.output[2].byte, 0x0D);  // the timeline keeps the Spectrum's byte
  EXPECT_LT(run.timeline.output[0].t_state, run.timeline.output[1].t_state);
}

TEST(ZxMachine, ControlCodesTakeTheirParametersAndGraphicsPrintAsQuestionMarks) {
  const ZxRun run = run_source(
      " org 8000h\n ld hl,text\nnext: ld a,(hl)\n or a\n ret z\n rst 10h\n inc hl\n jr next\n"
      "text: db 16h,1,2,'A',10h,2,'B',90h,8,6,'C',0\n");
  EXPECT_EQ(run.raw, "AB?\bC");  // AT y,x and INK n vanish; 90h (graphics) is '?'; 08h is a backspace
}

constexpr std::string_view kReadFourKeys = R"( org 8000h
 ld hl,KEYS
 ld b,4
key: push bc
wait: bit 5,(iy+1)   ; FLAGS bit 5: a new key in LAST-K
 jr nz,got
 halt
 jr wait
got: res 5,(iy+1)
 ld a,(5C08h)
 ld (hl),a
 inc hl
 pop bc
 djnz key
 ret
KEYS: db 0,0,0,0
)";

TEST(ZxMachine, KeysArriveThroughTheInterruptWhileTheProgramHalts) {
  const z80::AssembleResult code = z80::assemble(kReadFourKeys);
  const ZxRun run = run_bytes(tape_of(code, code.origin), "t.tap", "a\x7f\nZ", {});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.message;
  const uint16_t keys = code.symbols.at("KEYS");
  EXPECT_EQ(std::vector<uint8_t>(run.memory.begin() + keys, run.memory.begin() + keys + 4),
            (std::vector<uint8_t>{'a', 0x0C, 0x0D, 'Z'}));  // DEL -> DELETE, newline -> ENTER
  ASSERT_EQ(run.timeline.inputs.size(), 4u);
  EXPECT_EQ(run.timeline.inputs[0].function, 1);
  EXPECT_EQ(run.timeline.inputs[0].text, "a");
  EXPECT_EQ(run.memory[kFrames], 4);  // one frame per key: each waits for the next interrupt
}

TEST(ZxMachine, EndOfInputWhileWaitingForAKeyEndsCleanly) {
  const ZxRun run = run_source(kReadFourKeys, "ab");
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.reason, ExitReason::kEndOfInput);
  ASSERT_EQ(run.timeline.inputs.size(), 3u);
  EXPECT_TRUE(run.timeline.inputs.back().end_of_input);
}

TEST(ZxMachine, HaltWithInterruptsDisabledCannotBeWoken) {
  const ZxRun run = run_source(" org 8000h\n di\n halt\n");
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(run.result.reason, ExitReason::kHalted);
  EXPECT_NE(run.result.message.find("HALT at 8001h with interrupts disabled"), std::string::npos)
      << run.result.message;
}

TEST(ZxMachine, ARomRoutineThatIsNotServedStopsTheRunByName) {
  const ZxRun run = run_source(" org 8000h\n call 0E00h\n ret\n");
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(run.result.reason, ExitReason::kUnimplementedCall);
  EXPECT_NE(run.result.message.find("ROM address 0E00h (called from about 8000h)"), std::string::npos)
      << run.result.message;
}

TEST(ZxMachine, ServedRomRoutinesReturn) {
  const ZxRun run =
      run_source(" org 8000h\n call 0DAFh\n ld a,2\n call 1601h\n call 0D6Bh\n ld a,'K'\n rst 10h\n ret\n");
  EXPECT_EQ(run.result.exit_code, 0) << run.result.message;
  EXPECT_EQ(run.raw, "K");
}

TEST(ZxMachine, ErrorRestartEndsTheRunWithTheReport) {
  const ZxRun ok = run_source(" org 8000h\n rst 08h\n db 0FFh\n");
  EXPECT_EQ(ok.result.exit_code, 0);
  EXPECT_NE(ok.result.message.find("0 OK"), std::string::npos);
  const ZxRun error = run_source(" org 8000h\n rst 08h\n db 01h\n");
  EXPECT_EQ(error.result.exit_code, 1);
  EXPECT_EQ(error.result.reason, ExitReason::kBadCall);
  EXPECT_NE(error.result.message.find("code 01h (RST 08h at 8000h)"), std::string::npos)
      << error.result.message;
}

TEST(ZxMachine, FramesAreCountedFiftyTimesASecond) {
  // FLAGS bit 5 set: a key is "waiting", so the HALTs are pauses, not requests for input.
  const ZxRun run = run_source(" org 8000h\n set 5,(iy+1)\n ld b,10\nw: halt\n djnz w\n ret\n", {},
                               {.max_t_states = 100'000'000, .interrupt_t_states = 0});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.message;
  EXPECT_EQ(run.memory[kFrames], 10);
  EXPECT_TRUE(run.timeline.inputs.empty());
  EXPECT_GE(run.result.t_states, 10u * kFrameTStates);
  EXPECT_LT(run.result.t_states, 10u * kFrameTStates + 100);
}

TEST(ZxMachine, TheTStateLimitStopsALoop) {
  const ZxRun run = run_source(" org 8000h\nloop: jr loop\n", {}, {.max_t_states = 1'000'000});
  EXPECT_EQ(run.result.exit_code, 2);
  EXPECT_EQ(run.result.reason, ExitReason::kTStateLimit);
}

TEST(ZxMachine, ASnapshotRunsFromItsPcAndQuittingResetsTheSpectrum) {
  const z80::AssembleResult code = z80::assemble(" org 9000h\n ld a,'S'\n rst 10h\n ret\n");
  Zx48State s = loader_state({.program = autorun_loader({.clear = 0x8FFF, .usr = 0x9000}),
                              .ramtop = 0x8FFF,
                              .usr_return = kRomStart,
                              .error_return = kRomStart});
  s.load(0x9000, code.binary);
  s.pc = 0x9000;
  const ZxRun run = run_bytes(encode_z80_snapshot(s), "s.z80", {}, {});
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.message, "the program reset the Spectrum (PC = 0000h): back to BASIC");
  EXPECT_EQ(run.raw, "S");
}

TEST(ZxMachine, TapesThatCannotRunAreRefusedWithAReason) {
  const z80::AssembleResult code = z80::assemble(" org 8000h\n ret\n");
  ScriptedConsole console;
  auto load = [&](const std::vector<uint8_t>& bytes, std::string_view name) {
    ZxMachine machine(console);
    machine.load_file(bytes, name);
  };
  try {
    load(tape_of(code, 0x8000, /*with_loader=*/false), "bare.tap");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bare.tap: the tape has no BASIC program"), std::string::npos)
        << e.what();
  }
  // A loader without USR.
  std::vector<TapBlock> tape;
  const std::vector<uint8_t> no_usr =
      encode_basic_line({10, {kTokenClear, '1', kNumberMarker, 0, 0, 1, 0, 0}});
  append_tape_file(tape, {.type = TapeFileType::kProgram, .name = "T", .param1 = 10}, no_usr);
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = "T", .param1 = 0x8000}, code.binary);
  EXPECT_THROW(load(serialize_tap(tape), "nousr.tap"), Error);
  // Code that BASIC would overwrite: below the loader's RAMTOP.
  std::vector<TapBlock> low;
  const std::vector<uint8_t> loader = autorun_loader({.clear = 0x9000, .usr = 0x8000});
  append_tape_file(low, {.type = TapeFileType::kProgram, .name = "T", .param1 = 10}, loader);
  append_tape_file(low, {.type = TapeFileType::kCode, .name = "T", .param1 = 0x8000}, code.binary);
  EXPECT_THROW(load(serialize_tap(low), "low.tap"), Error);
  // Neither a tape nor a snapshot.
  EXPECT_THROW(load(std::vector<uint8_t>(10, 0x55), "junk.z80"), Error);
}

TEST(ZxMachine, FileNamesThatAreSpectrumPrograms) {
  EXPECT_TRUE(is_zx_program_name("chat.tap"));
  EXPECT_TRUE(is_zx_program_name("dir/CHAT.TAP"));
  EXPECT_TRUE(is_zx_program_name("x.Z80"));
  EXPECT_FALSE(is_zx_program_name("chat.com"));
  EXPECT_FALSE(is_zx_program_name("tap"));
}

}  // namespace
}  // namespace z80lm::emu
