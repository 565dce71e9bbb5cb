// msx_chat_support.h — playing an exported MSX cartridge (target msx) on the BIOS-less MSX of
// `z80lm run`, for tests: the session a user sees, and one run of it.
//
//   MsxTranscript t;  t.ask(m, "hello");  t.expect_prompt();
//   const MsxChatRun run = run_msx(z80::export_program(m, {.target = "msx"}), t.input);
//   EXPECT_EQ(run.raw, t.output);
//
// Not modelled: the real BIOS's keyboard and screen (the machine's console stands in for both).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emu/msx_machine.h"
#include "infer/reference.h"
#include "model/model.h"
#include "z80/built_program.h"

namespace z80lm::msx_testing {

inline constexpr std::string_view kBanner = "z80lm chat. Type ! to quit.\n";
inline constexpr std::string_view kBye = "Bye. Reset the MSX to chat again.\n";

// An MSX chat session as the user sees it: each typed line is echoed as typed, whole, and the
// answer starts on the next line.
struct MsxTranscript {
  std::string input;
  std::string output = std::string(kBanner);

  void expect_prompt() { output += "\n> "; }
  void type_line(const std::string& line) {
    input += line + "\n";
    output += line + "\n";
  }
  void ask(const std::string& query, const std::string& answer) {
    expect_prompt();
    type_line(query);
    output += answer;
  }
  void ask(const Model& m, const std::string& query) { ask(query, generate_reference(m, query)); }
  void quit() {
    expect_prompt();
    type_line("!");
    output += kBye;
  }
};

struct MsxChatRun {
  emu::RunResult result;
  std::string raw;
  emu::ConsoleTimeline timeline;
  size_t input_left = 0;
  uint64_t m1_cycles = 0;
};

inline MsxChatRun run_msx(const std::vector<uint8_t>& rom, const std::string& input) {
  emu::ScriptedConsole console(input);
  emu::MsxMachine machine(console, {.max_t_states = 400'000'000'000ull});
  machine.load_rom(rom, "CHAT.ROM");
  MsxChatRun run;
  run.result = machine.run();
  run.raw = console.output();
  run.timeline = machine.timeline();
  run.input_left = console.input_left();
  run.m1_cycles = machine.cpu().m1_cycles();
  return run;
}

inline MsxChatRun run_msx(const z80::BuiltProgram& p, const std::string& input) {
  return run_msx(p.binary, input);
}

}  // namespace z80lm::msx_testing
