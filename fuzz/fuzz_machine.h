// fuzz_machine.h — running fuzzed programs on the emulated machines, bounded.
//
//   z80lm::fuzz::BoundedConsole console("typed\n");   // output counted, not kept
//   config.on_output = [](const ConsoleTimeline& t) { z80lm::fuzz::check_output(t); };
//
// Invariants: a run stops after kMaxTStates T-states (the machine's own limit) or once the
// timeline holds kMaxOutputBytes output bytes (check_output throws OutputCapReached from the
// machine's output callback, which the target catches), so no input can make a target slow
// or large. Not modelled: interactive terminals (the console is scripted).
#pragma once
#include <span>
#include <string_view>

#include "emu/console.h"
#include "emu/console_timeline.h"
#include "emu/zx_machine.h"
#include "fuzz_support.h"

namespace z80lm::fuzz {

inline constexpr uint64_t kMaxTStates = 200000;
inline constexpr size_t kMaxOutputBytes = 1 << 16;

struct OutputCapReached {};

inline void check_output(const emu::ConsoleTimeline& t) {
  if (t.output.size() >= kMaxOutputBytes) throw OutputCapReached{};
}

// Scripted input; output bytes counted and dropped.
class BoundedConsole : public emu::Console {
 public:
  explicit BoundedConsole(std::string_view input) : inner_(input) {}
  std::optional<uint8_t> read_byte() override { return inner_.read_byte(); }
  bool input_ready() override { return inner_.input_ready(); }
  void write_byte(uint8_t) override { ++written_; }
  size_t written() const { return written_; }

 private:
  emu::ScriptedConsole inner_;
  size_t written_ = 0;
};

inline void run_zx(std::span<const uint8_t> bytes, std::string_view name) {
  BoundedConsole console("hello\n!\n");
  emu::ZxMachine machine(console, {.max_t_states = kMaxTStates,
                                   .on_output = [](const emu::ConsoleTimeline& t) { check_output(t); }});
  machine.load_file(bytes, name);
  try {
    (void)machine.run();
  } catch (const OutputCapReached&) {
  }
}

}  // namespace z80lm::fuzz
