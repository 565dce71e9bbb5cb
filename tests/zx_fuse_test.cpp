// The exported Spectrum program on a real Spectrum emulator: Fuse (fuse-emulator-sdl) with the free
// OpenSE BASIC ROM Debian ships. Skipped when either is missing. Run alone with `ctest -R Fuse`.
//
// Fuse runs headless (SDL dummy drivers) under `timeout -s KILL`; its debugger, scripted with
// --debugger-command, is the test harness:
//  - keys: a breakpoint on the program's GET_KEY does what the ROM's interrupt handler does for
//    a key press (LAST-K = key, FLAGS bit 5 set), one key per visit; the real interrupt handler
//    and the real RST 10h, CL-ALL and CHAN-OPEN of OpenSE run as they are;
//  - output: a breakpoint on RST 10h called from the program prints A and the frame/T-state
//    clock (so the seconds per character include contention and the ROM's own time);
//  - the end: when every key is used and the program waits again, the 6912 screen bytes are
//    printed and Fuse exits. The screen is kept as PNG (the test artifact, under
//    Z80LM_TEST_TMP/zx_fuse/) and read back as text with the ROM's own font.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "emu/console.h"
#include "emu/zx_machine.h"
#include "infer/reference.h"
#include "model/npz.h"
#include "test_models.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"
#include "z80/engine.h"
#include "z80/program_zx48.h"
#include "zx/zx48_media.h"
#include "zx/zx48_memory_map.h"
#include "zx/zx48_screen.h"

namespace z80lm::zx {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFuse = "/usr/bin/fuse";
constexpr const char* kOpenSeRom = "/usr/share/spectrum-roms/opense.rom";
constexpr uint16_t kRomFont = 0x3D00;             // CHARS + 256: the glyphs of 20h..7Fh
constexpr uint16_t kOpenSeKeyInputTest = 0x10AE;  // OpenSE's KEY-INPUT: BIT 5,(IY+1)
constexpr int kFuseTimeoutSeconds = 120;          // wall clock; a run takes about a second
constexpr uint32_t kMaxFrames = 50 * 60 * 20;     // 20 emulated minutes: then the script gives up

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

std::string as_text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

// Fuse's debugger as a test script: breakpoints with commands, numbered in order.
class FuseScript {
 public:
  void line(const std::string& text) { lines_.push_back(text); }
  void breakpoint(const std::string& where, const std::vector<std::string>& body) {
    line("breakpoint " + where);
    line(fmt::format("commands {}", ++breakpoints_));
    for (const std::string& b : body) line(b);
    line("end");
  }
  std::string text() const {
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out;
  }

 private:
  std::vector<std::string> lines_;
  int breakpoints_ = 0;
};

// One key per visit of `address` while FLAGS bit 5 is clear, as the ROM's KEYBOARD would.
void type_keys(FuseScript& script, uint16_t address, const std::string& keys, int first_index) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const int k = first_index + static_cast<int>(i);
    script.breakpoint(fmt::format("0x{:04X} if $k == {} && ([0x5c3b] & 32) == 0", address, k),
                      {fmt::format("set 0x5c08 {}", static_cast<uint8_t>(keys[i])),
                       "set 0x5c3b [0x5c3b] | 32", fmt::format("set $k {}", k + 1), "continue"});
  }
}

// The end: screen bytes after a marker, then exit.
std::vector<std::string> dump_screen_and_exit() {
  std::vector<std::string> body = {"print 48879"};  // 0xbeef
  for (uint32_t a = 0x4000; a < 0x5B00; ++a) body.push_back(fmt::format("print [{}]", a));
  body.push_back("exit 0");
  return body;
}

void capture_prints(FuseScript& script, uint16_t program_origin) {
  script.breakpoint(fmt::format("0x0010 if [z80:sp] + [z80:sp + 1] * 256 >= {}", program_origin),
                    {"print z80:a", "print spectrum:frames", "print ula:tstates", "continue"});
  script.breakpoint(fmt::format("0x0038 if spectrum:frames > {}", kMaxFrames), {"exit 9"});
}

struct FuseRun {
  int exit_code = -1;
  std::string transcript;          // what the program printed with RST 10h (0Dh -> '\n')
  std::vector<uint64_t> t_states;  // when each byte was printed (frames * 69888 + T in frame)
  std::vector<uint8_t> screen;     // 6912 bytes at the end
};

FuseRun run_fuse(const test::TempDir& dir, const std::string& media_option, const FuseScript& script) {
  const std::string script_file = dir.file("fuse-commands.txt");
  test::write_text(script_file, script.text());
  const std::string out_file = dir.file("fuse-stdout.txt");
  const std::string command = fmt::format(
      "cd '{0}' && HOME='{0}' SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout -s KILL {1} {2} --machine "
      "48 "
      "--rom-48 {3} --no-sound --speed 10000 --no-confirm-actions {4} --debugger-command \"$(cat '{5}')\" "
      "> '{6}' 2> '{7}'",
      dir.path.string(), kFuseTimeoutSeconds, kFuse, kOpenSeRom, media_option, script_file, out_file,
      dir.file("fuse-stderr.txt"));
  const int status = std::system(command.c_str());
  FuseRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out_file);
  std::vector<uint64_t> values;
  std::optional<size_t> marker;
  for (std::string l; std::getline(in, l);) {
    if (!l.starts_with("0x")) continue;
    const uint64_t v = std::stoull(l, nullptr, 16);
    if (!marker && v == 48879 && values.size() % 3 == 0) {
      marker = values.size();
      continue;
    }
    values.push_back(v);
  }
  const size_t prints = marker.value_or(values.size());
  for (size_t i = 0; i + 2 < prints; i += 3) {
    run.transcript += values[i] == 0x0D ? '\n' : static_cast<char>(values[i]);
    run.t_states.push_back(values[i + 1] * kFrameTStates + values[i + 2]);
  }
  if (marker)
    for (size_t i = prints; i < values.size(); ++i) run.screen.push_back(static_cast<uint8_t>(values[i]));
  return run;
}

bool fuse_available() {
  return fs::exists(kFuse) && fs::exists(kOpenSeRom);
}

std::vector<uint8_t> opense_rom() {
  const std::string rom = read_file(kOpenSeRom);
  return bytes_of(rom);
}

// The model: the original tinychat (the largest the target must hold) when ../shared is
// there, else a small random one.
Model test_model() {
  const std::string npz = test::shared_path("conformance/tinychat-model.npz");
  return npz.empty() ? test::random_model(5, {32, 16}, " ABCDEHILNOSTY?!") : import_npz(npz);
}

// What `z80lm run` prints for the same keys (the host reference for the transcript).
std::string ours(const std::vector<uint8_t>& media, const std::string& name, const std::string& keys) {
  emu::ScriptedConsole console(keys);
  emu::ZxMachine machine(console, {.max_t_states = 20'000'000'000ull});
  machine.load_file(media, name);
  machine.run();
  return console.text();
}

void keep_artifact(const FuseRun& run, const std::string& name) {
  const fs::path dir = fs::path(Z80LM_TEST_TMP) / "zx_fuse";
  fs::create_directories(dir);
  const std::vector<uint8_t> png = screen_png(run.screen);
  write_file_atomic((dir / name).string(), as_text(png));
}

TEST(ZxFuse, SnapshotBootsAndAnswersLikeTheReference) {
  if (!fuse_available()) GTEST_SKIP() << "fuse or " << kOpenSeRom << " is not installed: Fuse test skipped";
  test::TempDir dir;
  const Model m = test_model();
  const auto engine = z80::make_engine("compact");
  const z80::BuiltProgram program = z80::build_zx48_program(m, *engine);
  const z80::Zx48Addresses addresses = z80::zx48_addresses(program);
  const std::vector<uint8_t> snapshot = zx48_snapshot(program);
  write_file_atomic(dir.file("CHAT.z80"), as_text(snapshot));

  const std::vector<std::string> queries = {"hello", "are you a robot", "whats your name", "bye"};
  std::string keys;
  for (const std::string& q : queries) keys += q + "\r";
  FuseScript script;
  script.line("set $k 0");
  type_keys(script, program.symbols.at("GET_KEY"), keys, 0);
  script.breakpoint(
      fmt::format("0x{:04X} if $k == {} && ([0x5c3b] & 32) == 0", program.symbols.at("GK_WAIT"), keys.size()),
      dump_screen_and_exit());
  capture_prints(script, addresses.origin);
  const FuseRun run = run_fuse(dir, "--snapshot CHAT.z80", script);
  ASSERT_EQ(run.exit_code, 0) << "fuse did not finish the script; see " << dir.file("fuse-stderr.txt");
  ASSERT_EQ(run.screen.size(), kScreenMemoryBytes);
  keep_artifact(run, "snapshot-answers.png");

  // The same bytes as the ROM-less machine of `z80lm run`, and every answer as the reference.
  std::string upper_keys = keys;
  std::replace(upper_keys.begin(), upper_keys.end(), '\r', '\n');
  EXPECT_EQ(run.transcript, ours(snapshot, "CHAT.z80", upper_keys));
  std::string expected = "z80lm chat. Type ! to quit.\n";
  for (const std::string& q : queries)
    expected += "\n> " + to_upper_ascii(q) + "\n" + generate_reference(m, q);
  expected += "\n> ";
  EXPECT_EQ(run.transcript, expected);

  // The screen shows it too (read with the ROM's own font).
  const std::vector<uint8_t> rom = opense_rom();
  const std::vector<std::string> lines =
      screen_text(run.screen, std::span(rom).subspan(kRomFont, kFontBytes));
  for (const std::string& q : queries) {
    const auto prompt = std::find(lines.begin(), lines.end(), "> " + to_upper_ascii(q));
    ASSERT_NE(prompt, lines.end()) << "no prompt line for " << q;
    if (const std::string answer = generate_reference(m, q); !answer.empty() && answer.size() <= 32) {
      EXPECT_EQ(*(prompt + 1), answer);
    }
  }

  // Seconds per character on a real 48K (contention, the ROM's interrupt and printing
  // included), for the record; the test only checks it is in a sane range.
  std::vector<uint64_t> intervals;
  size_t line_start = 0;
  for (size_t i = 1; i < run.transcript.size(); ++i) {
    if (run.transcript[i - 1] == '\n') line_start = i;
    const bool answer_line = line_start > 0 && run.transcript[line_start] != '>';
    if (answer_line && i > line_start && run.transcript[i] != '\n')
      intervals.push_back(run.t_states[i] - run.t_states[i - 1]);
  }
  if (!intervals.empty()) {
    std::sort(intervals.begin(), intervals.end());
    const double median = static_cast<double>(intervals[intervals.size() / 2]);
    fmt::print(
        "Fuse (48K, OpenSE ROM, contended): median {:.0f} T-states between answer characters = {:.3f} s at "
        "3.5 MHz over {} intervals\n",
        median, median / 3.5e6, intervals.size());
    EXPECT_GT(median, 1000.0);
  }
}

TEST(ZxFuse, TapeLoadsWithItsBasicLoaderChatsAndReturnsToBasic) {
  if (!fuse_available()) GTEST_SKIP() << "fuse or " << kOpenSeRom << " is not installed: Fuse test skipped";
  const std::vector<uint8_t> rom = opense_rom();
  const std::vector<uint8_t> key_input_test = {0xFD, 0xCB, 0x01, 0x6E};  // BIT 5,(IY+1)
  if (!std::equal(key_input_test.begin(), key_input_test.end(), rom.begin() + kOpenSeKeyInputTest))
    GTEST_SKIP() << "this OpenSE ROM's KEY-INPUT is not where the test expects it";
  test::TempDir dir;
  const Model m = test_model();
  const auto engine = z80::make_engine("compact");
  const z80::BuiltProgram program = z80::build_zx48_program(m, *engine);
  const z80::Zx48Addresses addresses = z80::zx48_addresses(program);
  write_file_atomic(dir.file("CHAT.TAP"), as_text(zx48_tap(program, "CHAT.TAP")));

  // BASIC: LOAD "" (the keyword's token, then two quotes) and ENTER, typed into OpenSE's
  // editor; the tape plays by itself (Fuse detects the loader). Then the chat, then "!".
  const std::string basic_keys = "\xEF\"\"\r";
  const std::string chat_keys = "hello\r!\r";
  FuseScript script;
  script.line("set $k 0");
  type_keys(script, kOpenSeKeyInputTest, basic_keys, 0);
  type_keys(script, program.symbols.at("GET_KEY"), chat_keys, static_cast<int>(basic_keys.size()));
  const size_t all_keys = basic_keys.size() + chat_keys.size();
  // Back in BASIC's editor after the report: dump the screen.
  script.breakpoint(
      fmt::format("0x{:04X} if $k == {} && ([0x5c3b] & 32) == 0", kOpenSeKeyInputTest, all_keys),
      dump_screen_and_exit());
  capture_prints(script, addresses.origin);
  const FuseRun run = run_fuse(dir, "--tape CHAT.TAP --no-auto-load", script);
  ASSERT_EQ(run.exit_code, 0) << "fuse did not finish the script; see " << dir.file("fuse-stderr.txt");
  ASSERT_EQ(run.screen.size(), kScreenMemoryBytes);
  keep_artifact(run, "tape-back-in-basic.png");

  EXPECT_EQ(run.transcript,
            "z80lm chat. Type ! to quit.\n\n> HELLO\n" + generate_reference(m, "hello") + "\n> !\n");
  const std::vector<std::string> lines =
      screen_text(run.screen, std::span(rom).subspan(kRomFont, kFontBytes));
  std::string screen;
  for (const std::string& l : lines) screen += l + "\n";
  // BASIC's report for a program that ended well: "0 OK, 10:3" (OpenSE prints "OK, 10:3").
  EXPECT_NE(screen.find("OK, 10:3"), std::string::npos) << "no OK report after quitting:\n" << screen;
}

}  // namespace
}  // namespace z80lm::zx
