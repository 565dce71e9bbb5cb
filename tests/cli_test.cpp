// The z80lm command line as a user meets it: help, one-shot and piped chat, eval, and
// every kind of bad input answered with one error line (plus a hint) and a non-zero exit.
#include "model/model_file.h"
#include "util/file_io.h"
#include "test_models.h"
#include "test_support.h"

namespace z80lm {
using namespace z80lm::test;

namespace {
// The first line starting with "error: ", and checks there is exactly one.
std::string the_error(const RunResult& r) {
  std::string found;
  int count = 0;
  size_t pos = 0;
  while ((pos = r.out.find("error: ", pos)) != std::string::npos) {
    if (pos == 0 || r.out[pos - 1] == '\n') {
      ++count;
      found = r.out.substr(pos, r.out.find('\n', pos) - pos);
    }
    pos += 7;
  }
  EXPECT_EQ(count, 1) << r.out;
  return found;
}

struct ModelFixture : ::testing::Test {
  TempDir dir;
  Model model = random_model(21, {24, 12}, " HIYESNO");
  std::string path = dir.file("m.zlm");
  void SetUp() override { save_model(path, model); }
};
}  // namespace

TEST(Cli, HelpOnEveryCommand) {
  for (const char* cmd : {"", "chat", "eval", "import", "info"}) {
    RunResult r = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd;
  }
  RunResult none = run_cli("");
  EXPECT_NE(none.exit_code, 0);
}

TEST_F(ModelFixture, ChatOneShotAndPipedAgreeWithReference) {
  RunResult one = run_cli("chat '" + path + "' hello there");
  EXPECT_EQ(one.exit_code, 0) << one.out;
  RunResult piped = run_cli("chat '" + path + "'", "hello there\n!\nnot reached\n");
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.out, "> hello there\n" + one.out + "> !\n");
}

TEST_F(ModelFixture, EvalPrintsFiguresAndJson) {
  write_text(dir.file("d.txt"), "hello|HI\nare you a bot|YES\n");
  RunResult r = run_cli("eval '" + path + "' '" + dir.file("d.txt") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("teacher-forced IntAcc"), std::string::npos);
  EXPECT_NE(r.out.find("/ 7 examples"), std::string::npos) << r.out;
  RunResult j = run_cli("eval --json '" + path + "' -", "hello|HI\n");
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_NE(j.out.find("\"examples\": 3"), std::string::npos) << j.out;
}

TEST_F(ModelFixture, TruncatedModelIsOneLineError) {
  std::string bytes = read_file(path);
  write_text(dir.file("t.zlm"), bytes.substr(0, bytes.size() / 2));
  RunResult r = run_cli("info '" + dir.file("t.zlm") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("truncated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: "), std::string::npos);
}

TEST_F(ModelFixture, BitFlippedModelIsOneLineError) {
  std::string bytes = read_file(path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 4);
  write_text(dir.file("f.zlm"), bytes);
  RunResult r = run_cli("chat '" + dir.file("f.zlm") + "' hi");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("byte "), std::string::npos) << r.out;
}

TEST_F(ModelFixture, DataWithNoValidLineIsOneLineError) {
  write_text(dir.file("bad.txt"), "# nothing\njust text\n");
  RunResult r = run_cli("eval '" + path + "' '" + dir.file("bad.txt") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("no valid `query|response` line"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad.txt:2: warning: no '|'"), std::string::npos) << r.out;
}

TEST_F(ModelFixture, BinaryGarbageDataIsOneLineError) {
  std::string garbage(4096, '\0');
  uint64_t s = 9;
  for (char& c : garbage) c = static_cast<char>(splitmix64(s));
  write_text(dir.file("g.bin"), garbage);
  RunResult r = run_cli("eval '" + path + "' '" + dir.file("g.bin") + "'");
  EXPECT_EQ(r.exit_code, 1);
  the_error(r);
  r = run_cli("info '" + dir.file("g.bin") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("bad magic"), std::string::npos);
  r = run_cli("import '" + dir.file("g.bin") + "' -o '" + dir.file("x.zlm") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("not a ZIP archive"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.zlm")));
}

TEST_F(ModelFixture, EmptyStdinIsOneLineError) {
  RunResult r = run_cli("eval '" + path + "' -", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("<stdin>: no valid"), std::string::npos) << r.out;
}

TEST(Cli, MissingFilesAreOneLineErrors) {
  RunResult r = run_cli("chat /nonexistent/m.zlm hi");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(the_error(r).find("cannot open"), std::string::npos);
  r = run_cli("import /nonexistent/m.npz -o /tmp/never.zlm");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Cli, ImportThenChatWithOriginalModel) {
  Z80LM_REQUIRE_SHARED(npz, "conformance/tinychat-model.npz");
  TempDir dir;
  RunResult r = run_cli("import '" + npz + "' -o '" + dir.file("tc.zlm") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("256→256→192→128→40"), std::string::npos);
  r = run_cli("chat '" + dir.file("tc.zlm") + "' hello");
  EXPECT_EQ(r.out, "HI\n");
}

}  // namespace z80lm
