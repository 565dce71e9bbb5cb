// zx_chat_support.h — playing an exported Spectrum chat (target zx48) in the ROM-less
// Spectrum of `z80lm run`, for tests: the session a user sees, and one run of it.
//
//   ZxTranscript t;  t.ask(m, "hello");  t.expect_prompt();
//   const ZxChatRun run = run_tape(z80::export_program(m, {.target = "zx48"}), t.input);
//   EXPECT_EQ(run.raw, t.output);
//
// Not modelled: the real ROM's keyboard and screen (the machine's console stands in for both).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emu/zx_machine.h"
#include "infer/reference.h"
#include "model/model.h"
#include "text/pairs.h"
#include "z80/built_program.h"
#include "z80/program_zx48.h"
#include "zx/zx48_media.h"
#include "zx/zx48_memory_map.h"

namespace z80lm::zx_testing {

inline constexpr std::string_view kBanner = "z80lm chat. Type ! to quit.\n";

// A Spectrum chat session as the user sees it (console bytes: the Spectrum's ENTER is a new
// line). The line editor upper-cases letters and echoes each key; the whole line is read,
// however long, and answered once with what `z80lm chat` hashes.
struct ZxTranscript {
  std::string input;
  std::string output = std::string(kBanner);

  void expect_prompt() { output += "\n> "; }
  void type_line(const std::string& line) {
    input += line + "\n";
    output += to_upper_ascii(line) + "\n";
  }
  void ask(const std::string& query, const std::string& answer) {
    expect_prompt();
    type_line(query);
    output += answer;
  }
  void ask(const Model& m, const std::string& query) { ask(query, generate_reference(m, query)); }
};

struct ZxChatRun {
  emu::RunResult result;
  std::string raw;
  emu::ConsoleTimeline timeline;
  size_t input_left = 0;
  uint16_t alt_hl = 0, iy = 0;
  uint32_t frames = 0;  // the Spectrum's FRAMES counter afterwards (interrupts taken)
};

inline ZxChatRun run_zx(const std::vector<uint8_t>& file, std::string_view name, const std::string& input,
                        uint16_t alt_hl_at_start = 0) {
  emu::ScriptedConsole console(input);
  emu::ZxMachine machine(console, {.max_t_states = 400'000'000'000ull});
  machine.load_file(file, name);
  machine.cpu().set_reg(emu::Reg16::kAltHL, alt_hl_at_start);
  ZxChatRun run;
  run.result = machine.run();
  run.raw = console.output();
  run.timeline = machine.timeline();
  run.input_left = console.input_left();
  run.alt_hl = machine.cpu().reg(emu::Reg16::kAltHL);
  run.iy = machine.cpu().reg(emu::Reg16::kIY);
  for (uint16_t k = 3; k > 0; --k)
    run.frames = (run.frames << 8) | machine.cpu().read_byte(static_cast<uint16_t>(zx::kFrames + k - 1));
  return run;
}

inline ZxChatRun run_tape(const z80::BuiltProgram& p, const std::string& input,
                          uint16_t alt_hl_at_start = 0) {
  return run_zx(zx::zx48_tap(p, "CHAT.TAP"), "CHAT.TAP", input, alt_hl_at_start);
}

}  // namespace z80lm::zx_testing
