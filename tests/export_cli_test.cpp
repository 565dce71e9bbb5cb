// export_cli_test.cpp — `z80lm export` from the command line: help, success, and refusals that
// leave no file behind.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "export_test_support.h"
#include "model/model_file.h"
#include "test_support.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

using export_testing::random_model;
using export_testing::test_charset;
using test::run_cli;
using test::TempDir;

size_t files_in(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(ExportCli, HelpNamesTheOptions) {
  test::RunResult r = run_cli("export --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* option :
       {"--output", "--target", "--engine", "--min-tpa", "--listing", "--symbols", "--asm"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

TEST(ExportCli, WritesAProgramThatAnswersLikeTheReference) {
  TempDir dir;
  Model m = random_model({24, 12}, test_charset(12), 3);
  save_model(dir.file("m.zlm"), m);
  test::RunResult r = run_cli("export '" + dir.file("m.zlm") + "' -o '" + dir.file("CHAT.COM") +
                              "' --listing '" + dir.file("CHAT.LST") + "' --asm '" + dir.file("CHAT.ASM") +
                              "' --symbols '" + dir.file("CHAT.SYM") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("needs a TPA up to"), std::string::npos) << r.out;
  const std::string listing = read_file(dir.file("CHAT.LST"));
  EXPECT_NE(listing.find("label WB_LOOP"), std::string::npos);
  EXPECT_NE(listing.find("\nNET_RUN         EQU 0"), std::string::npos);
  EXPECT_NE(read_file(dir.file("CHAT.ASM")).find("ORG  00100h"), std::string::npos);
  const std::string answer = generate_reference(m, "hello");
  ASSERT_FALSE(answer.empty());
  test::RunResult chat = run_cli("run '" + dir.file("CHAT.COM") + "' hello");
  EXPECT_EQ(chat.exit_code, 0) << chat.out;
  EXPECT_EQ(chat.out.substr(0, answer.size()), answer);
  test::RunResult profiled =
      run_cli("run '" + dir.file("CHAT.COM") + "' hello --profile --symbols '" + dir.file("CHAT.SYM") + "'");
  EXPECT_EQ(profiled.exit_code, 0) << profiled.out;
  EXPECT_NE(profiled.out.find("WB_LOOP"), std::string::npos) << profiled.out;
}

TEST(ExportCli, BadModelFileIsRefused) {
  TempDir dir;
  test::write_text(dir.file("bad.zlm"), "not a model");
  test::RunResult r = run_cli("export '" + dir.file("bad.zlm") + "' -o '" + dir.file("CHAT.COM") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad.zlm"), std::string::npos) << r.out;
  EXPECT_EQ(files_in(dir.path), 1u);
}

TEST(ExportCli, ModelTooBigForTheTpaNamesTheSizesAndWritesNothing) {
  TempDir dir;
  save_model(dir.file("big.zlm"), random_model({256, 256, 60}, test_charset(60), 4));
  test::RunResult r = run_cli("export '" + dir.file("big.zlm") + "' -o '" + dir.file("CHAT.COM") +
                              "' --listing '" + dir.file("CHAT.LST") + "' --min-tpa 0x9600");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error: the program needs memory up to "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bytes of image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the TPA may end at 9600h"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: "), std::string::npos) << r.out;
  EXPECT_EQ(files_in(dir.path), 1u);  // only the model: no program, no listing, no temporary file
}

// Regression: the fast engine's pointer tables (up to 1 KB) once made a model that had fitted
// its TPA be refused; now it is exported without them, and still answers exactly. The v2 example
// and a sparse encoding-v3 model (NET_IN2's query columns, 640 inputs).
TEST(ExportCli, FastModelThatFitsOnlyWithoutPointerTablesIsExportedWithout) {
  TempDir dir;
  save_model(dir.file("v3.zlm"), random_model({192, 192, 40}, test_charset(40), 18, {0, 4, 4}, Encoding::v3));
  for (const std::string& model :
       {std::string(Z80LM_SOURCE_DIR) + "/examples/tinychat/model.zlm", dir.file("v3.zlm")}) {
    SCOPED_TRACE(model);
    const Model m = load_model(model);
    test::RunResult full = run_cli("export '" + model + "' --engine fast -o '" + dir.file("FULL.COM") + "'");
    ASSERT_EQ(full.exit_code, 0) << full.out;
    const size_t at = full.out.find("needs a TPA up to ");
    ASSERT_NE(at, std::string::npos) << full.out;
    const auto full_top = static_cast<unsigned>(std::stoul(full.out.substr(at + 18, 4), nullptr, 16));
    EXPECT_EQ(full.out.find("without the walks' pointer tables"), std::string::npos) << full.out;
    // A CP/M whose BDOS starts just below what the full layout needs.
    const std::string tpa = fmt::format("0x{:04X}", full_top - 0x7A);
    test::RunResult lean = run_cli("export '" + model + "' --engine fast --min-tpa " + tpa + " -o '" +
                                   dir.file("LEAN.COM") + "'");
    ASSERT_EQ(lean.exit_code, 0) << lean.out;
    EXPECT_NE(lean.out.find("without the walks' pointer tables"), std::string::npos) << lean.out;
    EXPECT_LT(std::filesystem::file_size(dir.file("LEAN.COM")),
              std::filesystem::file_size(dir.file("FULL.COM")));
    test::write_text(dir.file("q.txt"), "hello\nare you a robot\n");
    const std::string hello = generate_reference(m, "hello"),
                      robot = generate_reference(m, "are you a robot");
    for (const char* program : {"FULL.COM", "LEAN.COM"}) {
      test::RunResult r = run_cli("run '" + dir.file(program) + "' --input '" + dir.file("q.txt") + "'");
      const size_t hello_at = r.out.find(hello);
      EXPECT_NE(hello_at, std::string::npos) << program << ": " << r.out;
      EXPECT_NE(r.out.find(robot, hello_at + hello.size()), std::string::npos) << program << ": " << r.out;
    }
    if (m.encoding == Encoding::v2) {  // the example's answers, as its transcript has them
      EXPECT_EQ(hello, "HI");
      EXPECT_EQ(robot, "YES");
    }
    // Too small for both: the error names the smaller layout's shortfall.
    const std::string tiny = fmt::format("0x{:04X}", full_top - 0x1000);
    test::RunResult none = run_cli("export '" + model + "' --engine fast --min-tpa " + tiny + " -o '" +
                                   dir.file("NONE.COM") + "'");
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_NE(none.out.find("bytes short"), std::string::npos) << none.out;
    EXPECT_FALSE(std::filesystem::exists(dir.file("NONE.COM")));
  }
}

TEST(ExportCli, ModelBeyondTheAddressSpaceIsRefusedBeforeAssembling) {
  TempDir dir;
  save_model(dir.file("huge.zlm"), random_model({256, 256, 256, 256, 256, 256, 256, 4}, test_charset(4), 6));
  test::RunResult r = run_cli("export '" + dir.file("huge.zlm") + "' -o '" + dir.file("CHAT.COM") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find("error: the model alone takes 118656 bytes of the image (engine compact), up to 1D080h"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(files_in(dir.path), 1u);
}

TEST(ExportCli, ShapeBeyondTheEngineLimitIsRefused) {
  TempDir dir;
  save_model(dir.file("wide.zlm"), random_model({300, 4}, test_charset(4), 5));
  test::RunResult r = run_cli("export '" + dir.file("wide.zlm") + "' -o '" + dir.file("CHAT.COM") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("hidden layer 1 has 300 neurons"), std::string::npos) << r.out;
  EXPECT_EQ(files_in(dir.path), 1u);
}

TEST(ExportCli, UnknownEngineOrTargetIsRefused) {
  TempDir dir;
  save_model(dir.file("m.zlm"), random_model({8, 4}, test_charset(4), 6));
  EXPECT_NE(
      run_cli("export '" + dir.file("m.zlm") + "' -o '" + dir.file("C.COM") + "' --engine turbo").exit_code,
      0);
  EXPECT_NE(
      run_cli("export '" + dir.file("m.zlm") + "' -o '" + dir.file("C.COM") + "' --target c64").exit_code, 0);
  EXPECT_EQ(files_in(dir.path), 1u);
}

}  // namespace
}  // namespace z80lm
