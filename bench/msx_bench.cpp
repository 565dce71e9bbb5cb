// msx_bench.cpp — what the exported MSX cartridge chat costs: T-states per character on the
// BIOS-less MSX of `z80lm run`, and the real MSX's time with its M1 wait state.
//
//   ./build/bench/msx_bench          # the examples, both engines
//
// Method: each example model exported with --target msx (compact and fast engines; an engine
// whose program does not fit the MSX is reported with the exporter's reason); the 20
// fixed questions (chat_questions.h) typed into one session on emu/msx_machine.h: exact
// T-states of our code plus the BIOS charges (CHPUT, the interrupt, measured in openMSX).
// T/char is the median number of T-states from one printed answer character to the next
// (response_stats.h). An MSX inserts one wait state into every M1 cycle (opcode fetch):
// the machine counts them, and the real MSX's T-states are T + M1 (the BIOS charges already
// include theirs). Seconds at 3.579545 MHz. The openMSX test (tests/msx_openmsx_test.cpp)
// prints the same figure measured on the emulated MSX with C-BIOS.
#include <fmt/core.h>

#include <string>
#include <vector>

#include "chat_questions.h"
#include "emu/console.h"
#include "emu/msx_machine.h"
#include "emu/response_stats.h"
#include "model/model_file.h"
#include "msx/msx_memory_map.h"
#include "util/error.h"
#include "z80/exporter.h"

namespace {

using namespace z80lm;

struct Figures {
  double t_per_char = 0;
  double m1_per_t = 0;  // M1 cycles per T-state over the answers
  size_t intervals = 0;
  uint32_t rom_bytes = 0;
};

Figures measure(const Model& m, const std::string& engine) {
  const z80::BuiltProgram p = z80::export_program(m, {.target = "msx", .engine = engine});
  std::string input;
  for (const std::string& q : bench::kChatQuestions) input += q + "\n";
  emu::ScriptedConsole console(input);
  emu::MsxMachine machine(console, {.max_t_states = 100'000'000'000ull});
  machine.load_rom(p.binary, "CHAT.ROM");
  const emu::RunResult r = machine.run();
  if (r.reason != emu::ExitReason::kEndOfInput) fmt::print("  (run ended: {})\n", r.message);
  const emu::ResponseStats stats = emu::compute_response_stats(machine.timeline());
  Figures f;
  f.t_per_char = stats.median_char_interval;
  f.intervals = stats.interval_count;
  f.m1_per_t = static_cast<double>(machine.cpu().m1_cycles()) / static_cast<double>(machine.cpu().t_states());
  f.rom_bytes = static_cast<uint32_t>(p.binary.size());
  return f;
}

}  // namespace

int main() {
  for (const char* example : {"tinychat", "guess"}) {
    const Model m = load_model(std::string(Z80LM_SOURCE_DIR) + "/examples/" + example + "/model.zlm");
    fmt::print("MSX cartridge chat, examples/{} ({} questions), z80lm run's BIOS-less MSX:\n\n", example,
               bench::kChatQuestions.size());
    fmt::print(
        "| engine | T-states per character (median) | + M1 wait states | seconds per character at 3.58 MHz "
        "|\n");
    fmt::print("|---|---|---|---|\n");
    double compact = 0;
    for (const std::string engine : {"compact", "fast"}) {
      Figures f;
      try {
        f = measure(m, engine);
      } catch (const Error& e) {
        fmt::print("| {} | does not fit: {} | | |\n", engine, e.what());
        continue;
      }
      const double real = f.t_per_char * (1 + f.m1_per_t);
      fmt::print("| {} | {:.0f} | {:.0f} (+{:.1f} %) | {:.3f} |\n", engine, f.t_per_char, real,
                 100 * f.m1_per_t, real / (msx::kClockMhz * 1e6));
      if (engine == "compact")
        compact = f.t_per_char;
      else if (compact > 0)
        fmt::print("\nfast / compact: {:.2f}x fewer T-states per character\n", compact / f.t_per_char);
    }
    fmt::print("\n");
  }
  return 0;
}
