// Issue 14 item 8: files destroyed silently by colliding paths. An output that is one of the
// inputs (the same file, however spelt), or another output, is refused before anything is
// written; a new `train` keeps an existing checkpoint unless --resume or --force; leftover
// `*.tmp-PID` files of killed atomic writes are removed by the next write.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "model/model_file.h"
#include "test_models.h"
#include "test_support.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/path_guard.h"

namespace z80lm {
namespace {

namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;
using test::write_text;

const std::string kData = "hello|HI\nbye|BYE\nhow are you|FINE\nare you a robot|YES\n";
const std::string kSmall = " --hidden 8 --batch 4 --epochs 1 --progress lines";

std::string q(const std::string& path) {
  return "'" + path + "'";
}

TEST(CollidingPaths, SameFileIsByIdentityNotSpelling) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  fs::create_hard_link(dir.file("d.txt"), dir.file("hard.txt"));
  fs::create_symlink(dir.file("d.txt"), dir.file("soft.txt"));
  fs::create_directories(dir.file("sub"));
  EXPECT_TRUE(same_file(dir.file("d.txt"), dir.file("hard.txt")));
  EXPECT_TRUE(same_file(dir.file("d.txt"), dir.file("soft.txt")));
  EXPECT_TRUE(same_file(dir.file("d.txt"), dir.file("sub/../d.txt")));
  EXPECT_TRUE(same_file(dir.file("new.zlm"), dir.file("sub/../new.zlm")));  // neither exists yet
  EXPECT_FALSE(same_file(dir.file("d.txt"), dir.file("new.zlm")));
  EXPECT_FALSE(same_file("-", "-"));
  EXPECT_FALSE(same_file("", ""));
  try {
    check_paths({{"the data file", dir.file("d.txt")}}, {{"-o", dir.file("hard.txt")}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("-o " + dir.file("hard.txt") + " is the data file"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(check_paths({}, {{"-o", dir.file("x.zlm")}, {"--log", dir.file("sub/../x.zlm")}}), Error);
  EXPECT_NO_THROW(check_paths({{"the data file", "-"}}, {{"-o", dir.file("x.zlm")}, {"--log", ""}}));
}

TEST(CollidingPaths, TrainOutputOverTheDataIsRefused) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  for (const char* option : {"-o", "--log", "--plot", "--checkpoint"}) {
    auto r = run_cli("train " + q(dir.file("d.txt")) + " " + option + " " + q(dir.path.string() + "/./d.txt") +
                     kSmall);
    EXPECT_EQ(r.exit_code, 1) << option << ": " << r.out;
    EXPECT_NE(r.out.find("is the data file"), std::string::npos) << option << ": " << r.out;
    EXPECT_EQ(read_file(dir.file("d.txt")), kData) << option << " destroyed the data";
  }
  fs::create_hard_link(dir.file("d.txt"), dir.file("val.txt"));
  auto val = run_cli("train " + q(dir.file("d.txt")) + " -o " + q(dir.file("m.zlm")) + " --plot " + q(dir.file("val.txt")) + kSmall);
  EXPECT_EQ(val.exit_code, 1) << val.out;
  EXPECT_EQ(read_file(dir.file("d.txt")), kData);
}

TEST(CollidingPaths, TrainCheckpointEqualToTheModelIsRefused) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  auto r = run_cli("train " + q(dir.file("d.txt")) + " -o " + q(dir.file("m.zlm")) + " --checkpoint " +
                   q(dir.file("m.zlm")) + kSmall);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("are the same file"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir.file("m.zlm")));
}

TEST(CollidingPaths, NewTrainKeepsAnExistingCheckpoint) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  const std::string base =
      "train " + q(dir.file("d.txt")) + " -o " + q(dir.file("m.zlm")) + " --hidden 8 --batch 4 --progress lines";
  ASSERT_EQ(run_cli(base + " --epochs 1").exit_code, 0);
  const std::string checkpoint = read_file(dir.file("m.zlm.ckpt"));
  auto again = run_cli(base + " --epochs 1 --seed 7");
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("a checkpoint of an earlier run is there"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("--resume"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("--force"), std::string::npos) << again.out;
  EXPECT_EQ(read_file(dir.file("m.zlm.ckpt")), checkpoint) << "the checkpoint was overwritten";
  EXPECT_EQ(run_cli(base + " --epochs 2 --resume").exit_code, 0);
  EXPECT_EQ(run_cli(base + " --epochs 1 --seed 7 --force").exit_code, 0);
}

TEST(CollidingPaths, ExportOverTheModelIsRefused) {
  TempDir dir;
  save_model(dir.file("m.zlm"), test::random_model(3, {8}, "HIYESNO"));
  const std::string model = read_file(dir.file("m.zlm"));
  for (const char* option : {"-o", "--listing", "--symbols", "--asm"}) {
    const std::string out = std::string_view(option) == "-o" ? "" : " -o " + q(dir.file("M.COM"));
    auto r = run_cli("export " + q(dir.file("m.zlm")) + out + " " + option + " " +
                     q(dir.path.string() + "/../" + dir.path.filename().string() + "/m.zlm"));
    EXPECT_EQ(r.exit_code, 1) << option << ": " << r.out;
    EXPECT_NE(r.out.find("is the model"), std::string::npos) << option << ": " << r.out;
    EXPECT_EQ(read_file(dir.file("m.zlm")), model) << option << " destroyed the model";
  }
  auto both = run_cli("export " + q(dir.file("m.zlm")) + " -o " + q(dir.file("M.COM")) + " --asm " +
                      q(dir.file("M.COM")));
  EXPECT_EQ(both.exit_code, 1) << both.out;
  EXPECT_FALSE(fs::exists(dir.file("M.COM")));
}

TEST(CollidingPaths, ImportAndDataCommandsOverTheirInputAreRefused) {
  TempDir dir;
  write_text(dir.file("m.npz"), "not really an npz");
  auto import = run_cli("import " + q(dir.file("m.npz")) + " -o " + q(dir.file("m.npz")));
  EXPECT_EQ(import.exit_code, 1) << import.out;
  EXPECT_NE(import.out.find("is the NPZ"), std::string::npos) << import.out;
  EXPECT_EQ(read_file(dir.file("m.npz")), "not really an npz");

  write_text(dir.file("d.txt"), kData);
  auto balance = run_cli("data balance " + q(dir.file("d.txt")) + " -o " + q(dir.file("d.txt")));
  EXPECT_EQ(balance.exit_code, 1) << balance.out;
  EXPECT_EQ(read_file(dir.file("d.txt")), kData);

  const std::string facts = "[answers]\nYES\n[questions]\nis it big|YES\n";
  write_text(dir.file("t.facts"), facts);
  for (const char* option : {"-o", "--heldout"}) {
    const std::string out = std::string_view(option) == "-o" ? "" : " -o " + q(dir.file("train.txt"));
    auto r = run_cli("data template " + q(dir.file("t.facts")) + out + " " + option + " " + q(dir.file("t.facts")));
    EXPECT_EQ(r.exit_code, 1) << option << ": " << r.out;
    EXPECT_NE(r.out.find("is the template"), std::string::npos) << option << ": " << r.out;
    EXPECT_EQ(read_file(dir.file("t.facts")), facts);
  }
}

TEST(CollidingPaths, StaleTempFilesOfKilledWritesAreRemoved) {
  TempDir dir;
  // A process that is gone: fork one and reap it.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const std::string stale = dir.file("m.zlm.tmp-" + std::to_string(child));
  const std::string live = dir.file("m.zlm.tmp-" + std::to_string(::getppid()));  // a running process
  const std::string other = dir.file("other.zlm.tmp-" + std::to_string(child));
  write_text(stale, "half a model");
  write_text(live, "being written");
  write_text(other, "someone else's");
  write_file_atomic(dir.file("m.zlm"), "model");
  EXPECT_FALSE(fs::exists(stale)) << "a killed write's leftover stays";
  EXPECT_TRUE(fs::exists(live)) << "a running writer's file was removed";
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(read_file(dir.file("m.zlm")), "model");
}

}  // namespace
}  // namespace z80lm
