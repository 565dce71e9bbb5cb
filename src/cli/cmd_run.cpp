// cmd_run.cpp — `z80lm run PROGRAM.COM [ARGS...]`: run a CP/M program on the built-in Z80 machine.
// A .TAP or .z80 file runs on the ROM-less ZX Spectrum 48K machine instead (emu/zx_machine.h).
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/command.h"
#include "emu/console.h"
#include "emu/cpm_machine.h"
#include "emu/msx_machine.h"
#include "emu/profile_report.h"
#include "emu/response_stats.h"
#include "emu/zx_machine.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "z80/pasmo.h"

namespace z80lm::cli {
namespace {

struct RunOptions {
  std::string program;
  std::vector<std::string> args;
  bool stats = false;
  bool speed = false;
  double mhz = 0;  // 0: the machine's own clock, 4 MHz for CP/M, 3.5 MHz for the Spectrum
  bool trace_bdos = false;
  uint64_t max_t_states = 0;
  std::string tpa_top = "0xE406";
  bool profile = false;
  std::string symbols;
  std::string input;
};

// "0xC000", "C000h" and "49152" are all C000h; "C000" alone is refused as ambiguous.
uint16_t parse_address(std::string_view text, std::string_view option) {
  std::string_view digits = text;
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    digits.remove_prefix(2);
    base = 16;
  } else if (digits.ends_with('h') || digits.ends_with('H')) {
    digits.remove_suffix(1);
    base = 16;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value > 0xFFFF)
    throw Error(fmt::format("{} {}: not an address", option, text),
                "write a hex address as 0xC000 or C000h, or a decimal one as 49152");
  return static_cast<uint16_t>(value);
}

int run_program(const RunOptions& options) {
  using namespace z80lm::emu;
  const bool spectrum = is_zx_program_name(options.program);
  const bool msx = is_msx_program_name(options.program);
  const double mhz = options.mhz != 0 ? options.mhz : spectrum ? 3.5 : msx ? 3.579545 : 4.0;
  if (!(mhz > 0)) throw Error(fmt::format("--mhz {}: must be positive", options.mhz), "try --mhz 4");
  if ((spectrum || msx) && !options.args.empty())
    throw Error(
        fmt::format("{}: {} program takes no arguments", options.program, msx ? "an MSX" : "a Spectrum"),
        "type the questions instead (stdin or --input)");

  CpmConfig config;
  config.tpa_top = parse_address(options.tpa_top, "--tpa-top");
  config.max_t_states = options.max_t_states;
  config.profile = options.profile || !options.symbols.empty();
  if (options.trace_bdos)
    config.trace_bdos = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  std::map<std::string, uint16_t> symbols;
  if (!options.symbols.empty())
    symbols = z80::parse_pasmo_symbols(read_file(options.symbols), options.symbols);

  const std::string bytes = read_file(options.program, limits::kProgramFileBytes);
  std::unique_ptr<Console> console;
  int input_fd = -1;
  if (!options.input.empty()) {
    input_fd = ::open(options.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (input_fd < 0)
      throw Error(fmt::format("--input {}: cannot open: {}", options.input, std::strerror(errno)),
                  "check the path and permissions");
    console = std::make_unique<StreamConsole>(input_fd, STDOUT_FILENO);
  } else {
    console = make_stdio_console();
  }

  // --speed: after each answer line, how long the Z80 took from the end of the input to it.
  struct SpeedMeter {
    size_t inputs_seen = 0;
    uint64_t span_start = 0;
    int chars = 0;
    bool reported = false;
  } meter;
  auto on_output = [&](const ConsoleTimeline& tl) {
    const OutputByte& last = tl.last_output;
    // Bytes echoed while a line is being typed belong to no answer.
    if (tl.reading_input) return;
    if (tl.input_count() != meter.inputs_seen || tl.output_count() == 1) {
      meter = {tl.input_count(), last.t_state, 0, false};
    }
    const uint8_t line_end = spectrum ? '\r' : '\n';
    if (last.byte >= 0x20 && last.byte < 0x7F && tl.input_count() > 0) ++meter.chars;
    if (last.byte == line_end && meter.chars > 0 && !meter.reported) {
      meter.reported = true;
      const uint64_t t = last.t_state - meter.span_start;
      console->flush();
      fmt::print(stderr, "  [{} chars in {} T-states = {:.2f} s at {:g} MHz]\n", meter.chars, t,
                 static_cast<double>(t) / (mhz * 1e6), mhz);
    }
  };
  if (options.speed) config.on_output = on_output;

  RunResult result;
  ConsoleTimeline timeline;
  std::vector<uint64_t> profile;
  std::map<std::string, uint16_t> system_symbols;
  const auto program = std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto run_machine = [&](auto& machine) {
    result = machine.run();
    timeline = machine.timeline();
    const auto table = machine.cpu().t_states_by_pc();
    profile.assign(table.begin(), table.end());
    system_symbols = machine.system_symbols();
  };
  uint64_t m1_cycles = 0;
  if (msx) {
    MsxMachine machine(*console, {.max_t_states = config.max_t_states,
                                  .profile = config.profile,
                                  .trace_bios = config.trace_bdos,
                                  .on_output = config.on_output});
    machine.load_rom(program, options.program);
    run_machine(machine);
    m1_cycles = machine.cpu().m1_cycles();
  } else if (spectrum) {
    ZxMachine machine(*console, {.max_t_states = config.max_t_states,
                                 .profile = config.profile,
                                 .trace_rom = config.trace_bdos,
                                 .on_output = config.on_output});
    machine.load_file(program, options.program);
    run_machine(machine);
  } else {
    CpmMachine machine(*console, config);
    machine.load(program, options.args, options.program);
    run_machine(machine);
  }
  console.reset();  // restores the terminal and flushes before the reports
  if (input_fd >= 0) ::close(input_fd);
  // On a terminal, or after a one-shot answer to a command tail, do not leave the shell
  // prompt (or our reports) glued to a program's last line.
  const bool one_shot = !options.args.empty() && timeline.inputs.empty();
  if ((one_shot || ::isatty(STDOUT_FILENO) == 1) && timeline.output_count() > 0 &&
      timeline.last_output.byte != '\n') {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  // One-shot (the answer to a command tail, no line typed): from the program's start.
  if (options.speed && timeline.inputs.empty()) {
    int chars = 0;
    uint64_t end = 0;
    for (const OutputByte& b : timeline.output)
      if (b.byte >= 0x20 && b.byte < 0x7F) ++chars, end = b.t_state;
    if (chars > 0)
      fmt::print(stderr, "  [{} chars in {} T-states = {:.2f} s at {:g} MHz, from the program's start]\n",
                 chars, end, static_cast<double>(end) / (mhz * 1e6), mhz);
  }
  if (result.exit_code != 0) {
    fmt::print(stderr, "{}: {}\n", result.exit_code == 130 ? "z80lm run" : "error", result.message);
    if (!result.hint.empty()) fmt::print(stderr, "hint: {}\n", result.hint);
  }
  if (options.stats) {
    fmt::print(stderr, "\n--- z80lm run --stats ({}) ---\n", result.message);
    fmt::print(stderr, "{}", format_response_stats(compute_response_stats(timeline), mhz));
    if (msx && result.t_states > 0)
      fmt::print(stderr,
                 "MSX M1 wait states: {} opcode fetches in {} T-states, so a real MSX takes {:.4f}x as long "
                 "(docs/msx.md)\n",
                 m1_cycles, result.t_states,
                 static_cast<double>(result.t_states + m1_cycles) / static_cast<double>(result.t_states));
  }
  if (config.profile) {
    std::vector<ProfileRow> rows;
    if (symbols.empty()) {
      rows = profile_by_range(profile, 256);
      fmt::print(stderr, "\n--- z80lm run --profile: T-states by 256-byte range ---\n");
    } else {
      symbols.insert(system_symbols.begin(), system_symbols.end());
      rows = profile_by_symbol(profile, symbols);
      fmt::print(stderr, "\n--- z80lm run --profile: T-states by routine ({}) ---\n", options.symbols);
    }
    fmt::print(stderr, "{}", format_profile(rows));
  }
  return result.exit_code;
}

const Registration registration{
    "run",
    "Run a CP/M 2.2 .COM program (or a ZX Spectrum .TAP/.z80, an MSX .ROM) on the built-in cycle-counting "
    "Z80",
    50, [](CLI::App& sub) {
      auto options = std::make_shared<RunOptions>();
      sub.add_option("program", options->program,
                     "The CP/M program (.COM, loaded at 0100h), a ZX Spectrum 48K .TAP or .z80 (see "
                     "docs/zx.md), or an MSX cartridge .ROM (see docs/msx.md)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option(
          "args", options->args,
          "Arguments, as typed after the name at the CP/M prompt: they become the command tail at "
          "0080h (uppercased) and the FCBs at 005Ch/006Ch. Put -- before arguments starting with -");
      sub.add_flag("--stats", options->stats,
                   "After the run, print to stderr per response: characters and T-states; overall: median "
                   "T-states between printed characters, T-states per response, seconds at --mhz");
      sub.add_flag("--speed", options->speed,
                   "After each answer, print to stderr its characters and the T-states and seconds (at "
                   "--mhz) from the end of the input line to the end of the answer (one-shot: from the "
                   "program's start)");
      sub.add_option(
          "--mhz", options->mhz,
          "Z80 clock for the seconds in --stats (default: 4, or 3.5 for a Spectrum, 3.579545 for an MSX)");
      sub.add_flag("--trace-bdos", options->trace_bdos,
                   "Print every BDOS call (Spectrum: every ROM call) to stderr: T-state, caller, function, "
                   "arguments, result");
      sub.add_option("--max-tstates", options->max_t_states,
                     "Stop with exit code 2 once this many T-states have run (0 = no limit)")
          ->capture_default_str()
          ->check(CLI::NonNegativeNumber);  // "-1" would otherwise wrap to no limit at all
      sub.add_option("--tpa-top", options->tpa_top,
                     "Top of the TPA: the word at 0006h and the BDOS entry (0x0200..0xFE00; hex as 0xC000 or "
                     "C000h)")
          ->capture_default_str();
      sub.add_flag("--profile", options->profile,
                   "Print to stderr the T-states spent per routine (with --symbols) or per 256-byte range");
      sub.add_option(
             "--symbols", options->symbols,
             "pasmo symbol file (pasmo SRC OUT SYMBOLS) naming routines for --profile; implies --profile")
          ->check(CLI::ExistingFile);
      sub.add_option(
             "--input", options->input,
             "Read the keyboard from this file instead of stdin ('\\n' = Return; the run ends cleanly "
             "when the program waits for input after the end)")
          ->check(CLI::ExistingFile);
      sub.footer(
          "The machine: CP/M 2.2 page zero, the program at 0100h, console BDOS functions 0, 1, 2, 6, 9, 10,\n"
          "11 and 12 served by the host (each call costs the 10 T-states of its RET, and BDOS 9 10 more per\n"
          "character printed), exact Zilog T-states\n"
          "for every instruction. Interactive on a terminal (^C stops); otherwise stdin is the keyboard.\n"
          "Output: CR LF becomes a newline. Reports (--stats, --profile, errors) go to stderr.\n"
          "A response is what the program prints between reading a line and asking for the next one,\n"
          "minus the prompt after its last line break. See docs/run.md.\n"
          "A .TAP or .z80 runs on a ROM-less Spectrum 48K: the ROM's print, channel and interrupt entry\n"
          "points are served by the host, keys are typed when the program waits for one. See docs/zx.md.\n"
          "A .ROM runs as a cartridge on a BIOS-less MSX1 (64 KB RAM): CHPUT, CHGET, ENASLT ... are served\n"
          "by the host. See docs/msx.md.\n\n"
          "Exit codes: 0 the program ended (JP 0, RET, BDOS 0, ^C at a line start, or end of input),\n"
          "1 error (e.g. an unimplemented BDOS call), 2 --max-tstates reached, 130 interrupted.\n\n"
          "Example: z80lm run --stats --max-tstates 1000000000 chat.com < questions.txt");
      return [options] { return run_program(*options); };
    }};

}  // namespace
}  // namespace z80lm::cli
