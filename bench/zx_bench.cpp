// zx_bench.cpp — what the exported ZX Spectrum 48K chat costs: T-states and seconds per character,
// without and with the 48K's memory contention, and what the ROM code we do not emulate costs.
//
//   ./build/bench/zx_bench          # tinychat from ../shared (else a seeded model); Fuse if installed
//
// Method:
//  1. ROM costs (needs /usr/share/spectrum-roms/opense.rom): OpenSE BASIC boots in z80lm's own
//     CPU (no contention); then (a) the IM 1 interrupt handler with no key held, from the
//     interrupt's acceptance to its RET, and (b) RST 10h for 64 printable characters on the
//     upper screen (no scrolling), from the RST to the return. These are the figures the
//     ROM-less machine charges (emu/zx_machine.h: kZxInterruptTStates, kZxPrintTStates).
//  2. The chat: the model exported with --target zx48; 20 fixed questions typed into one
//     session (a) in `z80lm run`'s ROM-less Spectrum (exact T-states of our code + the
//     charges above, no contention) and (b) in Fuse (real OpenSE ROM, the 48K's contention and
//     frame timing; see zx/fuse_session.h). T/char is the median number of T-states from one
//     printed answer character to the next (response_stats.h); seconds at 3.5 MHz.
// The ratio (b)/(a) is the measured cost of contention plus any error in the ROM charges.
#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "chat_questions.h"
#include "emu/console.h"
#include "emu/response_stats.h"
#include "emu/z80_cpu.h"
#include "emu/zx_machine.h"
#include "model/npz.h"
#include "util/error.h"
#include "util/file_io.h"
#include "z80/exporter.h"
#include "z80/program_zx48.h"
#include "zx/fuse_session.h"
#include "zx/zx48_media.h"
#include "zx/zx48_memory_map.h"

namespace {

namespace fs = std::filesystem;
using namespace z80lm;
using emu::Reg16;
using emu::StopReason;
using emu::TrapOutcome;
using emu::Z80Cpu;

const std::vector<std::string>& kQuestions = bench::kChatQuestions;

constexpr uint16_t kBenchCode = 0x8000;

struct RomCosts {
  double interrupt = 0;  // T-states from the interrupt's acceptance to its RET (acceptance included)
  double print = 0;      // T-states of RST 10h + PRINT-OUT for one printable character (RST included)
};

// Runs until PC reaches `address` (a one-shot stop trap), at most `limit` T-states more.
void run_to(Z80Cpu& cpu, uint16_t address, uint64_t limit) {
  cpu.set_trap(address, [](Z80Cpu&) { return TrapOutcome::kStop; });
  const StopReason why = cpu.run(cpu.t_states() + limit);
  cpu.clear_trap(address);
  if (why != StopReason::kTrap) throw Error(fmt::format("ROM bench: {:04X}h not reached", address), "");
}

RomCosts measure_rom(const std::string& rom_path) {
  const std::string rom = read_file(rom_path);
  Z80Cpu cpu;
  cpu.load(0, std::span(reinterpret_cast<const uint8_t*>(rom.data()), rom.size()));
  cpu.set_rom_size(zx::kRomBytes);
  cpu.set_stop_on_halt(true);
  // Boot: 100 frames of RAM test, NEW and the editor waiting for a key (no key is ever pressed:
  // port reads return FFh).
  for (uint64_t frame = 1; frame <= 100; ++frame) {
    while (cpu.t_states() < frame * zx::kFrameTStates)
      if (cpu.run(frame * zx::kFrameTStates) == StopReason::kHalted)
        cpu.add_t_states(frame * zx::kFrameTStates - cpu.t_states());
    cpu.maskable_interrupt(0xFF);
  }
  // Our bench code: CL-ALL, CHAN-OPEN 2, DI, then 64 x (LD A,'A'; RST 10h), then EI; HALT loop.
  std::vector<uint8_t> code = {0xCD, 0xAF, 0x0D, 0x3E, 0x02, 0xCD, 0x01, 0x16, 0xF3};
  const uint16_t first_print = static_cast<uint16_t>(kBenchCode + code.size());
  for (int i = 0; i < 64; ++i) code.insert(code.end(), {0x3E, static_cast<uint8_t>('A' + i % 26), 0xD7});
  const uint16_t idle = static_cast<uint16_t>(kBenchCode + code.size());
  code.insert(code.end(), {0xFB, 0x76, 0x18, 0xFD});  // EI; HALT; JR -3 (to the HALT)
  cpu.load(kBenchCode, code);
  cpu.set_reg(Reg16::kIY, zx::kIy);
  cpu.set_sp(0x7F00);
  cpu.set_pc(kBenchCode);
  run_to(cpu, first_print, 10'000'000);
  RomCosts costs;
  const uint64_t start = cpu.t_states();
  run_to(cpu, idle, 10'000'000);
  costs.print = static_cast<double>(cpu.t_states() - start - 64 * 7) / 64;  // minus the LD A,n
  // Interrupts: from HALT, 50 times.
  uint64_t handler = 0;
  for (int i = 0; i < 50; ++i) {
    if (cpu.run(cpu.t_states() + zx::kFrameTStates) != StopReason::kHalted)
      throw Error("ROM bench: no HALT", "");
    const uint64_t before = cpu.t_states();
    if (cpu.maskable_interrupt(0xFF) == 0) throw Error("ROM bench: interrupt refused", "");
    run_to(cpu, static_cast<uint16_t>(idle + 2), zx::kFrameTStates);  // back after the HALT: at JR
    handler += cpu.t_states() - before;
  }
  costs.interrupt = static_cast<double>(handler) / 50;
  return costs;
}

struct Chat {
  double t_per_char = 0;
  size_t intervals = 0;
  std::string transcript;
};

std::string typed_keys(char enter) {
  std::string keys;
  for (const std::string& q : kQuestions) keys += q + enter;
  return keys;
}

Chat measure_ours(const std::vector<uint8_t>& tap, emu::ZxConfig config) {
  emu::ScriptedConsole console(typed_keys('\n'));
  config.max_t_states = 100'000'000'000ull;
  emu::ZxMachine machine(console, config);
  machine.load_file(tap, "CHAT.TAP");
  const emu::RunResult r = machine.run();
  if (r.reason != emu::ExitReason::kEndOfInput)
    throw Error("benchmark session ended early: " + r.message, "");
  const emu::ResponseStats stats = emu::compute_response_stats(machine.timeline());
  return {stats.median_char_interval, stats.interval_count, console.text()};
}

Chat measure_fuse(const z80::BuiltProgram& p, const std::vector<uint8_t>& snapshot) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("zx_bench_{}", ::getpid());
  fs::create_directories(dir);
  write_file_atomic((dir / "CHAT.z80").string(), std::string(snapshot.begin(), snapshot.end()));
  const zx::FuseSession session{.work_dir = dir.string(), .timeout_seconds = 600, .dump_screen = false};
  const zx::FuseResult r =
      zx::run_fuse(session, "--snapshot CHAT.z80", {{p.symbols.at("GET_KEY"), typed_keys('\r')}},
                   p.symbols.at("GK_WAIT"), z80::zx48_addresses(p).origin);
  fs::remove_all(dir);
  if (r.exit_code != 0) throw Error(fmt::format("fuse ended with {}", r.exit_code), "");
  const emu::ResponseStats stats = emu::compute_response_stats(r.timeline);
  return {stats.median_char_interval, stats.interval_count, r.transcript};
}

}  // namespace

int main() {
  try {
    const zx::FuseSession fuse{};
    fmt::print("z80lm zx48 benchmark: 48K Spectrum, engine compact, {} questions in one chat session\n\n",
               kQuestions.size());
    emu::ZxConfig config;
    if (fs::exists(fuse.rom)) {
      const RomCosts rom = measure_rom(fuse.rom);
      fmt::print("ROM code (OpenSE BASIC, measured in z80lm's CPU, no contention):\n");
      fmt::print(
          "  IM 1 interrupt, no key held: {:.0f} T-states (acceptance to RET); charged by z80lm run: {}\n",
          rom.interrupt, emu::kZxInterruptTStates + 13);
      fmt::print(
          "  RST 10h, one character:      {:.0f} T-states (RST to return);         charged by z80lm run: "
          "{}\n\n",
          rom.print, emu::kZxPrintTStates + 11);
    } else {
      fmt::print("ROM code: skipped ({} is absent)\n\n", fuse.rom);
    }

    const fs::path npz = fs::path(Z80LM_SHARED_DIR) / "conformance/tinychat-model.npz";
    if (!fs::exists(npz)) {
      fmt::print("tinychat: skipped ({} is absent)\n", npz.string());
      return 0;
    }
    const Model m = import_npz(npz.string());
    const z80::BuiltProgram p = z80::export_program(m, {.target = "zx48", .engine = "compact"});
    const z80::Zx48Addresses a = z80::zx48_addresses(p);
    fmt::print(
        "tinychat: CODE block {} bytes at {:04X}h, program {:04X}h-{:04X}h, {} bytes below 8000h (model "
        "data)\n",
        p.binary.size(), a.origin, a.origin, a.end - 1, a.origin < 0x8000 ? 0x8000 - a.origin : 0);
    const Chat ours = measure_ours(zx::zx48_tap(p, "CHAT.TAP"), config);
    fmt::print("{:<44} {:>14} {:>10} {:>9}\n", "", "T/char median", "s/char", "intervals");
    fmt::print("{:<44} {:>14.0f} {:>10.3f} {:>9}\n", "z80lm run (no contention, ROM charged)",
               ours.t_per_char, ours.t_per_char / (zx::kClockMhz * 1e6), ours.intervals);
    if (!zx::fuse_available(fuse)) {
      fmt::print("Fuse: skipped (not installed)\n");
      return 0;
    }
    const Chat real = measure_fuse(p, zx::zx48_snapshot(p));
    fmt::print("{:<44} {:>14.0f} {:>10.3f} {:>9}\n", "Fuse 48K, OpenSE ROM (contention, real ROM)",
               real.t_per_char, real.t_per_char / (zx::kClockMhz * 1e6), real.intervals);
    fmt::print("ratio Fuse / z80lm run: {:.4f}; transcripts {}\n", real.t_per_char / ours.t_per_char,
               real.transcript == ours.transcript ? "identical" : "DIFFER");
    return 0;
  } catch (const Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
