// The exported Spectrum program on a real Spectrum emulator: Fuse (fuse-emulator-sdl) with the free
// OpenSE BASIC ROM Debian ships. Skipped when either is missing. Run alone with `ctest -R Fuse`.
//
// zx/fuse_session.h drives Fuse headless through its debugger: keys are typed the way the ROM's
// interrupt handler delivers them (LAST-K, FLAGS bit 5), while OpenSE's real interrupt handler,
// RST 10h, CL-ALL and CHAN-OPEN run as they are, with the 48K's memory contention; what the
// program prints is recorded with the emulated clock. The final screen is kept as PNG (the test
// artifact, under Z80LM_TEST_TMP/zx_fuse/) and read back as text with the ROM's own font.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "emu/console.h"
#include "emu/response_stats.h"
#include "emu/zx_machine.h"
#include "infer/reference.h"
#include "model/npz.h"
#include "test_models.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"
#include "z80/engine.h"
#include "z80/program_zx48.h"
#include "zx/fuse_session.h"
#include "zx/zx48_media.h"
#include "zx/zx48_screen.h"

namespace z80lm::zx {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kRomFont = 0x3D00;             // CHARS + 256: the glyphs of 20h..7Fh
constexpr uint16_t kOpenSeKeyInputTest = 0x10AE;  // OpenSE's KEY-INPUT: BIT 5,(IY+1)

std::string as_text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

std::vector<uint8_t> rom_of(const FuseSession& session) {
  const std::string rom = read_file(session.rom);
  return {rom.begin(), rom.end()};
}

std::vector<std::string> screen_lines(const FuseResult& run, const std::vector<uint8_t>& rom) {
  return screen_text(run.screen, std::span(rom).subspan(kRomFont, kFontBytes));
}

// The model: the original tinychat (the largest the target must hold) when ../shared is
// there, else a small random one.
Model test_model() {
  const std::string npz = test::shared_path("conformance/tinychat-model.npz");
  return npz.empty() ? test::random_model(5, {32, 16}, " ABCDEHILNOSTY?!") : import_npz(npz);
}

struct Ours {
  std::string text;
  emu::ConsoleTimeline timeline;
};

// The same keys in the ROM-less machine of `z80lm run`.
Ours run_ours(const std::vector<uint8_t>& media, const std::string& name, const std::string& keys) {
  emu::ScriptedConsole console(keys);
  emu::ZxMachine machine(console, {.max_t_states = 20'000'000'000ull});
  machine.load_file(media, name);
  machine.run();
  return {console.text(), machine.timeline()};
}

void keep_artifact(const FuseResult& run, const std::string& name) {
  const fs::path dir = fs::path(Z80LM_TEST_TMP) / "zx_fuse";
  fs::create_directories(dir);
  write_file_atomic((dir / name).string(), as_text(screen_png(run.screen)));
}

TEST(ZxFuse, SnapshotBootsAndAnswersLikeTheReference) {
  test::TempDir dir;
  const FuseSession session{.work_dir = dir.path.string()};
  if (!fuse_available(session))
    GTEST_SKIP() << "fuse or " << session.rom << " is not installed: Fuse test skipped";
  const Model m = test_model();
  const z80::BuiltProgram program = z80::build_zx48_program(m, *z80::make_engine("compact"));
  const std::vector<uint8_t> snapshot = zx48_snapshot(program);
  write_file_atomic(dir.file("CHAT.z80"), as_text(snapshot));

  const std::vector<std::string> queries = {"hello", "are you a robot", "whats your name", "bye"};
  std::string keys;
  for (const std::string& q : queries) keys += q + "\r";
  const FuseResult run = run_fuse(session, "--snapshot CHAT.z80", {{program.symbols.at("GET_KEY"), keys}},
                                  program.symbols.at("GK_WAIT"), z80::zx48_addresses(program).origin);
  ASSERT_EQ(run.exit_code, 0) << "fuse did not finish the script; see " << run.stderr_path;
  ASSERT_EQ(run.screen.size(), kScreenMemoryBytes);
  keep_artifact(run, "snapshot-answers.png");

  // The same bytes as the ROM-less machine of `z80lm run`, and every answer as the reference.
  std::string lines_typed = keys;
  std::replace(lines_typed.begin(), lines_typed.end(), '\r', '\n');
  const Ours ours = run_ours(snapshot, "CHAT.z80", lines_typed);
  EXPECT_EQ(run.transcript, ours.text);
  std::string expected = "z80lm chat. Type ! to quit.\n";
  for (const std::string& q : queries)
    expected += "\n> " + to_upper_ascii(q) + "\n" + generate_reference(m, q);
  expected += "\n> ";
  EXPECT_EQ(run.transcript, expected);

  // The screen shows it too (read with the ROM's own font).
  const std::vector<std::string> lines = screen_lines(run, rom_of(session));
  for (const std::string& q : queries) {
    const auto prompt = std::find(lines.begin(), lines.end(), "> " + to_upper_ascii(q));
    ASSERT_NE(prompt, lines.end()) << "no prompt line for " << q;
    if (const std::string answer = generate_reference(m, q); !answer.empty() && answer.size() <= 32) {
      EXPECT_EQ(*(prompt + 1), answer);
    }
  }

  // Time per character on a real 48K (contention, the ROM's interrupt handler and printing
  // included) against `z80lm run` (none of these): the same responses, a little slower.
  const emu::ResponseStats fuse = emu::compute_response_stats(run.timeline);
  const emu::ResponseStats ideal = emu::compute_response_stats(ours.timeline);
  ASSERT_EQ(fuse.interval_count, ideal.interval_count);
  if (fuse.interval_count > 0) {
    const double ratio = fuse.median_char_interval / ideal.median_char_interval;
    fmt::print("T-states per character: Fuse {:.0f} ({:.3f} s at 3.5 MHz), z80lm run {:.0f}: ratio {:.3f}\n",
               fuse.median_char_interval, fuse.median_char_interval / 3.5e6, ideal.median_char_interval,
               ratio);
    EXPECT_GT(ratio, 0.98);
    EXPECT_LT(ratio, 1.5);
  }
}

TEST(ZxFuse, TapeLoadsWithItsBasicLoaderChatsAndReturnsToBasic) {
  test::TempDir dir;
  const FuseSession session{.work_dir = dir.path.string()};
  if (!fuse_available(session))
    GTEST_SKIP() << "fuse or " << session.rom << " is not installed: Fuse test skipped";
  const std::vector<uint8_t> rom = rom_of(session);
  const std::vector<uint8_t> key_input_test = {0xFD, 0xCB, 0x01, 0x6E};  // BIT 5,(IY+1)
  if (!std::equal(key_input_test.begin(), key_input_test.end(), rom.begin() + kOpenSeKeyInputTest))
    GTEST_SKIP() << "this OpenSE ROM's KEY-INPUT is not where the test expects it";
  const Model m = test_model();
  const z80::BuiltProgram program = z80::build_zx48_program(m, *z80::make_engine("compact"));
  write_file_atomic(dir.file("CHAT.TAP"), as_text(zx48_tap(program, "CHAT.TAP")));

  // BASIC: LOAD "" (the keyword's token, then two quotes) and ENTER, typed into OpenSE's
  // editor; the tape plays by itself (Fuse detects the loader). Then the chat, then "!"; back
  // in BASIC's editor after the report, the screen is dumped.
  const FuseResult run =
      run_fuse(session, "--tape CHAT.TAP --no-auto-load",
               {{kOpenSeKeyInputTest, "\xEF\"\"\r"}, {program.symbols.at("GET_KEY"), "hello\r!\r"}},
               kOpenSeKeyInputTest, z80::zx48_addresses(program).origin);
  ASSERT_EQ(run.exit_code, 0) << "fuse did not finish the script; see " << run.stderr_path;
  ASSERT_EQ(run.screen.size(), kScreenMemoryBytes);
  keep_artifact(run, "tape-back-in-basic.png");

  EXPECT_EQ(run.transcript,
            "z80lm chat. Type ! to quit.\n\n> HELLO\n" + generate_reference(m, "hello") + "\n> !\n");
  std::string screen;
  for (const std::string& l : screen_lines(run, rom)) screen += l + "\n";
  // BASIC's report for a program that ended well: "0 OK, 10:3" (OpenSE prints "OK, 10:3").
  EXPECT_NE(screen.find("OK, 10:3"), std::string::npos) << "no OK report after quitting:\n" << screen;
}

}  // namespace
}  // namespace z80lm::zx
