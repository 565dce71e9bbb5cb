// z80_bench.cpp — what an exported CHAT.COM costs on a Z80: T-states per character and per
// response, and .COM bytes, beside the original Z80-μLM builds (../shared/reference/anchors.md).
//
//   ./build/bench/z80_bench            # tinychat from ../shared, then examples/*/model.zlm
//
// Method: export the model (every engine: compact, fast), type 20 fixed questions into one chat session in
// the cycle-counting CP/M machine, and take the emulator's response statistics: T/char is the
// median number of T-states from one printed character to the next (as in anchors.md), T/response
// the mean time from Enter to the next prompt. Zilog timings, no wait states, BDOS calls cost 10.
#include <fmt/core.h>

#include <filesystem>
#include <string>
#include <vector>

#include "chat_questions.h"
#include "emu/console.h"
#include "emu/cpm_machine.h"
#include "emu/response_stats.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "util/error.h"
#include "z80/engine.h"
#include "z80/exporter.h"

namespace {

namespace fs = std::filesystem;

// The original's figures for the tinychat model (anchors.md, same method).
constexpr double kPackedTPerChar = 27'605'964, kPackedBytes = 39'992;
constexpr double kFastTPerChar = 2'101'421, kFastBytes = 45'056;

const std::vector<std::string>& kQuestions = z80lm::bench::kChatQuestions;

struct Measured {
  size_t com_bytes = 0;
  uint32_t memory_top = 0;
  double t_per_char = 0, t_per_response = 0;
  size_t chars = 0, responses = 0;
};

Measured measure(const z80lm::Model& m, const std::string& engine) {
  const z80lm::z80::BuiltProgram p = z80lm::z80::export_program(m, {.engine = engine});
  std::string typed;
  for (const std::string& q : kQuestions) typed += q + "\r";
  z80lm::emu::ScriptedConsole console(typed);
  z80lm::emu::CpmMachine machine(console, {.max_t_states = 100'000'000'000ull});
  machine.load(p.binary, {}, "CHAT.COM");
  const z80lm::emu::RunResult r = machine.run();
  if (r.reason != z80lm::emu::ExitReason::kEndOfInput)
    throw z80lm::Error("benchmark session ended early: " + r.message);
  const z80lm::emu::ResponseStats stats = z80lm::emu::compute_response_stats(machine.timeline());
  Measured out{
      p.binary.size(),         p.memory_top, stats.median_char_interval, stats.mean_response_t_states, 0,
      stats.measured_responses};
  for (const auto& resp : stats.responses) out.chars += resp.text.size();
  return out;
}

void print_row(const std::string& name, double bytes, double t_char, double t_response) {
  fmt::print("{:<28} {:>9.0f} {:>14.0f} {:>14} {:>9.3f} {:>9.2f}\n", name, bytes, t_char,
             t_response > 0 ? fmt::format("{:.0f}", t_response) : std::string("-"), t_char / 4e6,
             t_char / 1.77e6);
}

void report(const std::string& name, const z80lm::Model& m, bool compare_with_original) {
  std::vector<std::string> engines;
  std::vector<Measured> by_engine;
  for (const std::string& engine : z80lm::z80::engine_names()) {
    Measured r;
    try {
      r = measure(m, engine);
    } catch (const z80lm::Error& e) {  // an engine may refuse a model (shape, memory): say so, go on
      fmt::print("{:<28} refused: {}\n", name + " (" + engine + ")", e.what());
      continue;
    }
    engines.push_back(engine);
    print_row(name + " (" + engine + ")", static_cast<double>(r.com_bytes), r.t_per_char, r.t_per_response);
    fmt::print("{:<28} {} responses, {} characters; needs a TPA up to {:04X}h\n", "", r.responses, r.chars,
               r.memory_top);
    by_engine.push_back(r);
  }
  if (compare_with_original) {
    print_row("  original packed build", kPackedBytes, kPackedTPerChar, 0);
    print_row("  original fast build", kFastBytes, kFastTPerChar, 0);
  }
  if (by_engine.empty()) return;
  const Measured& baseline = by_engine.front();  // the first engine (compact), measured in this run
  for (size_t e = 0; e < by_engine.size(); ++e) {
    const Measured& r = by_engine[e];
    const std::string& engine = engines[e];
    if (compare_with_original) {
      fmt::print("  {}: T/char {:.1f}x faster than the packed build, {:.2f}x faster than the fast build\n",
                 engine, kPackedTPerChar / r.t_per_char, kFastTPerChar / r.t_per_char);
      fmt::print("  {}: .COM {:.3f}x the packed build's bytes ({:+.0f}), {:.3f}x the fast build's\n", engine,
                 static_cast<double>(r.com_bytes) / kPackedBytes,
                 static_cast<double>(r.com_bytes) - kPackedBytes,
                 static_cast<double>(r.com_bytes) / kFastBytes);
    }
    if (e > 0)
      fmt::print("  {}: T/char {:.2f}x faster than {}, .COM {:+.0f} bytes\n", engine,
                 baseline.t_per_char / r.t_per_char, engines.front(),
                 static_cast<double>(r.com_bytes) - static_cast<double>(baseline.com_bytes));
  }
}

}  // namespace

int main() {
  try {
    fmt::print("z80lm export benchmark: CP/M .COM, every engine, {} questions in one chat session\n",
               kQuestions.size());
    fmt::print("{:<28} {:>9} {:>14} {:>14} {:>9} {:>9}\n", "model", ".COM bytes", "T/char median",
               "T/response", "s/c 4MHz", "s/c 1.77");
    const fs::path npz = fs::path(Z80LM_SHARED_DIR) / "conformance/tinychat-model.npz";
    if (fs::exists(npz))
      report("tinychat", z80lm::import_npz(npz.string()), true);
    else
      fmt::print("tinychat: skipped ({} is absent)\n", npz.string());
    const fs::path examples = fs::path(Z80LM_SOURCE_DIR) / "examples";
    bool any_example = false;
    if (fs::is_directory(examples))
      for (const auto& entry : fs::directory_iterator(examples))
        if (fs::exists(entry.path() / "model.zlm")) {
          report("examples/" + entry.path().filename().string(),
                 z80lm::load_model((entry.path() / "model.zlm").string()), false);
          any_example = true;
        }
    if (!any_example) fmt::print("examples: no examples/*/model.zlm yet\n");
    return 0;
  } catch (const z80lm::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
