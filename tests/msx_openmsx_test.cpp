// The exported MSX cartridges on a real MSX emulator: openMSX (Debian `openmsx`) with the free
// C-BIOS (Debian `cbios`, machine C-BIOS_MSX1: 64 KB RAM in slot 3, 50 Hz). Skipped when either
// is missing. Run alone with `ctest -R OpenMsx`.
//
// openMSX runs headless (renderer none, throttle off, SDL's dummy video driver) under
// `timeout -s KILL`, scripted through its Tcl console: the cartridge is inserted as ASCII16
// (-romtype: the mapper is named, never guessed), a breakpoint on CHPUT (00A2h) records every
// printed byte with openMSX's emulated clock, and after each "> " prompt the next question is
// typed with type_via_keybuf (it fills the BIOS keyboard buffer that CHGET reads). At the end
// the screen (name and pattern tables from VRAM) is dumped: its text must show the last answer,
// and it is kept as a PNG (under Z80LM_TEST_TMP/msx_openmsx/) for docs/msx.png.
#include <fmt/core.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "emu/response_stats.h"
#include "model/model_file.h"
#include "msx/msx_memory_map.h"
#include "msx/msx_screen.h"
#include "msx_chat_support.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"
#include "z80/exporter.h"

namespace z80lm {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMachine = "C-BIOS_MSX1";
constexpr int kWallSeconds = 300;       // bound on one openMSX run (it takes a few seconds)
constexpr int kEmulatedSeconds = 1200;  // bound inside the emulation

bool have_openmsx(const std::string& machine = kMachine) {
  return std::system("command -v openmsx > /dev/null 2>&1") == 0 &&
         (fs::exists(fs::path("/usr/share/openmsx/machines") / (machine + ".xml")));
}

// The Tcl script: record CHPUT, type the next question after each prompt, dump VRAM at the end.
std::string tcl_script(const std::string& dir) {
  return fmt::format(R"(set renderer none
set throttle off
set ::dir {{{0}}}
set qf [open "$::dir/queries.txt" r]
fconfigure $qf -translation binary
set ::queries [split [string trimright [read $qf] "\n"] "\n"]
close $qf
set ::out [open "$::dir/chput.txt" w]
set ::tail ""
set ::next 0
set ::finished 0
proc finish {{why}} {{
  if {{$::finished}} return
  set ::finished 1
  puts $::out "END $why"
  close $::out
  set name [expr {{[debug read {{VDP regs}} 2] * 0x400}}]
  set patterns [expr {{[debug read {{VDP regs}} 4] * 0x800}}]
  set f [open "$::dir/vram.bin" w]
  fconfigure $f -translation binary
  puts -nonewline $f [debug read_block VRAM $name 960]
  puts -nonewline $f [debug read_block VRAM $patterns 2048]
  puts -nonewline $f [binary format c [debug read {{VDP regs}} 7]]
  close $f
  exit
}}
proc next_query {{}} {{
  if {{$::next < [llength $::queries]}} {{
    type_via_keybuf "[lindex $::queries $::next]\r"
    incr ::next
  }} else {{
    after time 0.5 {{finish done}}
  }}
}}
proc on_chput {{}} {{
  set a [reg A]
  puts $::out "$a [machine_info time]"
  set ::tail [string range "$::tail[format %c $a]" end-3 end]
  if {{$::tail eq "\r\n> "}} {{ after time 0.1 next_query }}
}}
debug set_bp 0x00A2 {{}} on_chput
after time {1} {{finish timeout}}
)",
                     dir, kEmulatedSeconds);
}

struct OpenMsxRun {
  std::string output;             // what the console of `z80lm run` would show, from the banner on
  std::string end;                // "done" or "timeout"
  std::vector<double> char_gaps;  // seconds between consecutive printable answer characters
  std::vector<std::string> screen;
  std::vector<uint8_t> png;
};

OpenMsxRun run_openmsx(const std::string& dir, const std::string& rom,
                       const std::vector<std::string>& queries, const std::string& machine = kMachine) {
  std::string qtext;
  for (const std::string& q : queries) qtext += q + "\n";
  test::write_text(dir + "/queries.txt", qtext);
  test::write_text(dir + "/test.tcl", tcl_script(dir));
  const std::string command = fmt::format(
      "cd '{0}' && SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout -s KILL {1} openmsx -machine {2} "
      "-carta '{3}' -romtype {4} -script '{0}/test.tcl' > '{0}/openmsx.log' 2>&1",
      dir, kWallSeconds, machine, rom, msx::kMapperName);
  EXPECT_EQ(std::system(command.c_str()), 0) << command << "\n" << read_file(dir + "/openmsx.log");
  OpenMsxRun run;
  std::istringstream lines(read_file(dir + "/chput.txt"));
  std::string raw;
  std::vector<double> times;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("END ")) {
      run.end = line.substr(4);
      break;
    }
    std::istringstream fields(line);
    int byte = 0;
    double t = 0;
    fields >> byte >> t;
    raw += static_cast<char>(byte);
    times.push_back(t);
  }
  // The console view, as the BIOS-less machine shows it: LF a new line, BS backspace, CR nothing.
  const size_t start = raw.find(msx_testing::kBanner.substr(0, 10));
  EXPECT_NE(start, std::string::npos) << raw;
  if (start == std::string::npos) return run;
  enum { kOther, kTyping, kAnswer } state = kOther;  // "> " typed line, LF, the answer, CR
  for (size_t i = start; i < raw.size(); ++i) {
    const auto c = static_cast<uint8_t>(raw[i]);
    const bool printable = c >= 0x20 && c <= 0x7E;
    if (printable)
      run.output += static_cast<char>(c);
    else if (c == '\n')
      run.output += '\n';
    else if (c == 0x08)
      run.output += '\b';
    if (state == kAnswer && printable && raw[i - 1] >= 0x20 && raw[i - 1] <= 0x7E)
      run.char_gaps.push_back(times[i] - times[i - 1]);
    if (c == ' ' && i > 0 && raw[i - 1] == '>')
      state = kTyping;
    else if (c == '\n' && state == kTyping)
      state = kAnswer;
    else if (c == '\r' && state == kAnswer)
      state = kOther;
  }
  const std::string vram = read_file(dir + "/vram.bin");
  EXPECT_EQ(vram.size(), msx::kText40NameBytes + msx::kPatternBytes + 1);
  if (vram.size() == msx::kText40NameBytes + msx::kPatternBytes + 1) {
    const std::vector<uint8_t> bytes(vram.begin(), vram.end());
    const auto name = std::span(bytes).first(msx::kText40NameBytes);
    const auto patterns = std::span(bytes).subspan(msx::kText40NameBytes, msx::kPatternBytes);
    run.screen = msx::text40_lines(name);
    run.png = msx::text40_png(name, patterns, bytes.back());
  }
  return run;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class OpenMsx : public ::testing::TestWithParam<std::string> {};

TEST_P(OpenMsx, CartridgeBootsOnCBiosAndAnswersLikeTheReference) {
  if (!have_openmsx())
    GTEST_SKIP() << "openmsx or its C-BIOS machines are absent (apt-get install openmsx cbios)";
  const std::string example = GetParam();
  const std::string src = std::string(Z80LM_SOURCE_DIR) + "/examples/" + example + "/";
  const Model m = load_model(src + "model.zlm");
  const std::string dir = std::string(Z80LM_TEST_TMP) + "/msx_openmsx/" + example;
  fs::create_directories(dir);
  const z80::BuiltProgram p = z80::export_program(m, {.target = "msx", .engine = "fast"});
  const std::string rom = dir + "/" + example + ".ROM";
  write_file_atomic(rom, std::string(p.binary.begin(), p.binary.end()));

  msx_testing::MsxTranscript t;
  std::vector<std::string> queries;
  for (const auto& x : load_pairs({src + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs) {
    t.ask(x.query, x.response);
    queries.push_back(x.query);
  }
  t.expect_prompt();

  const OpenMsxRun run = run_openmsx(dir, rom, queries);
  EXPECT_EQ(run.end, "done");
  EXPECT_EQ(run.output, t.output);  // every exchange, byte for byte as the reference and `z80lm run`
  const msx_testing::MsxChatRun ours = msx_testing::run_msx(p, t.input);
  EXPECT_EQ(ours.raw, run.output);

  // The screen shows the last exchange.
  const Pair last = load_pairs({src + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs.back();
  const auto shows = [&](const std::string& text) {
    return std::find(run.screen.begin(), run.screen.end(), text) != run.screen.end();
  };
  EXPECT_TRUE(shows("> " + last.query)) << fmt::format("{}", fmt::join(run.screen, "\n"));
  EXPECT_TRUE(shows(last.response)) << fmt::format("{}", fmt::join(run.screen, "\n"));
  if (!run.png.empty()) write_file_atomic(dir + "/screen.png", std::string(run.png.begin(), run.png.end()));

  // Time per character on the emulated MSX (C-BIOS, M1 wait states) against our count.
  const double seconds = median(run.char_gaps);
  const double t_states = seconds * msx::kClockMhz * 1e6;
  const double ours_t = emu::compute_response_stats(ours.timeline).median_char_interval;
  const double ours_real =
      ours_t * (1 + static_cast<double>(ours.m1_cycles) / static_cast<double>(ours.result.t_states));
  fmt::print(
      "openMSX {}: median {:.0f} T-states ({:.3f} s at 3.58 MHz) per answer character over {} intervals; "
      "z80lm run: {:.0f} T-states, {:.0f} with M1 wait states (openMSX / that = {:.3f})\n",
      example, t_states, seconds, run.char_gaps.size(), ours_t, ours_real, t_states / ours_real);
  EXPECT_GT(run.char_gaps.size(), 5u);
  // The MSX's M1 wait states make it slower than the Z80 count; the estimate including them
  // must be close to openMSX's clock.
  EXPECT_GT(t_states, ours_t);
  EXPECT_NEAR(t_states / ours_real, 1.0, 0.1);
}

INSTANTIATE_TEST_SUITE_P(Examples, OpenMsx, ::testing::Values("tinychat", "guess"));

// C-BIOS's MSX2 keeps its RAM in an expanded slot (3-2, a memory mapper): the loader's slot IDs
// then carry a secondary slot (EXPTBL/SLTTBL), which the BIOS-less machine does not model.
TEST(OpenMsxExpandedSlot, CartridgeFindsRamInSubslotOnCBiosMsx2) {
  const std::string machine = "C-BIOS_MSX2";
  if (!have_openmsx(machine)) GTEST_SKIP() << "openmsx or its C-BIOS_MSX2 machine is absent";
  const std::string src = std::string(Z80LM_SOURCE_DIR) + "/examples/tinychat/";
  const Model m = load_model(src + "model.zlm");
  const std::string dir = std::string(Z80LM_TEST_TMP) + "/msx_openmsx/msx2";
  fs::create_directories(dir);
  const z80::BuiltProgram p = z80::export_program(m, {.target = "msx", .engine = "fast"});
  const std::string rom = dir + "/tinychat.ROM";
  write_file_atomic(rom, std::string(p.binary.begin(), p.binary.end()));
  msx_testing::MsxTranscript t;
  std::vector<std::string> queries;
  for (const auto& x : load_pairs({src + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs) {
    t.ask(x.query, x.response);
    queries.push_back(x.query);
  }
  t.expect_prompt();
  const OpenMsxRun run = run_openmsx(dir, rom, queries, machine);
  EXPECT_EQ(run.end, "done");
  EXPECT_EQ(run.output, t.output);
}

}  // namespace
}  // namespace z80lm
