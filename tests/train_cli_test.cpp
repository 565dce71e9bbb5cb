// `z80lm train` as a user meets it: files, resume, Ctrl+C, kills, bad data, and agreement
// with `z80lm eval` / `z80lm chat`.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "model/model_file.h"
#include "test_support.h"
#include "train/checkpoint.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

using test::run_cli;
using test::TempDir;
using test::write_text;

std::string chat_data() {
  const char* who[] = {"you", "it", "they", "we", "she"};
  const char* ask[] = {"are", "can", "will", "did", "do", "was", "is", "should"};
  const char* answers[] = {"YES", "NO", "MAYBE", "WHY?", "OK", "I DO"};
  std::string text = "# synthetic chat data\n";
  for (int i = 0; i < 40; ++i)
    text += std::string(ask[i % 8]) + " " + who[i / 8] + " go|" + answers[(i * 5 + i / 8) % 6] + "\n";
  return text;
}

std::string read(const std::string& path) {
  return read_file(path);
}

// Common options of the small runs: a tiny network, frequent checkpoints.
const std::string kSmall = " --hidden 32,16 --batch 16 --progress lines";

TEST(TrainCli, HelpExplainsTheCommand) {
  auto r = run_cli("train --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"--resume", "--time-limit", "--target-intacc", "--val", "--checkpoint", "--seed",
                        "--threads", "--hidden", "130"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

// --encoding v1 trains the original's 256 inputs; the model and its checkpoint remember it,
// so a resume asking for the other encoding is refused.
TEST(TrainCli, EncodingV1IsRecordedAndResumeKeepsIt) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                   " --epochs 2 --encoding v1" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("256→32→16→"), std::string::npos) << r.out;
  EXPECT_EQ(load_model(dir.file("m.zlm")).encoding, Encoding::v1);
  auto resumed =
      run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --epochs 3 --resume" + kSmall);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_EQ(load_model(dir.file("m.zlm")).encoding, Encoding::v1);
  auto other = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                       " --epochs 4 --resume --encoding v2" + kSmall);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.out.find("--encoding \"v2\" differs from the checkpoint's \"v1\""), std::string::npos)
      << other.out;
  auto bad = run_cli("train " + dir.file("data.txt") + " --encoding v4" + kSmall);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("v4"), std::string::npos) << bad.out;
}

// --encoding v3: 512 query buckets, 640 inputs; the model file records it and loads it back.
TEST(TrainCli, EncodingV3TrainsSixHundredFortyInputs) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                   " --epochs 2 --encoding v3" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("640→32→16→"), std::string::npos) << r.out;
  const Model m = load_model(dir.file("m.zlm"));
  EXPECT_EQ(m.encoding, Encoding::v3);
  EXPECT_EQ(m.layers[0].n_in, 640);
}

TEST(TrainCli, WritesModelCheckpointLogAndPlotBesideTheModel) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --epochs 5" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("384→32→16→"), std::string::npos) << r.out;  // the parameter table: v2
  Model m = load_model(dir.file("m.zlm"));
  EXPECT_EQ(m.encoding, Encoding::v2);
  auto prov = nlohmann::json::parse(m.provenance);
  EXPECT_EQ(prov["epochs"], 5);
  EXPECT_EQ(prov["seed"], 1);
  EXPECT_EQ(prov["hidden"], nlohmann::json::array({32, 16}));
  EXPECT_EQ(prov["data"]["fnv1a64"].get<std::string>().size(), 16u);
  EXPECT_NE(prov["command"].get<std::string>().find("--epochs 5"), std::string::npos);
  std::ifstream log(dir.file("m.zlm.metrics.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["epoch"], ++lines);
    EXPECT_TRUE(j["int_acc"].is_number());
  }
  EXPECT_EQ(lines, 5);
  EXPECT_EQ(read(dir.file("m.zlm.svg")).rfind("<svg", 0), 0u);
  EXPECT_NO_THROW(load_checkpoint(dir.file("m.zlm.ckpt")));
}

TEST(TrainCli, SparsityAndActivityPenaltyAreShownRecordedAndMet) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto bad = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --sparsity 1" + kSmall);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("--sparsity 1 is outside [0, 0.99]"), std::string::npos) << bad.out;
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                   " --epochs 3 --sparsity 0.8" + " --activity-penalty 0.001" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("at least 80% zero weights per layer"), std::string::npos) << r.out;
  Model m = load_model(dir.file("m.zlm"));
  EXPECT_NE(r.out.find("activity penalty 0.001 × Σ hidden values"), std::string::npos) << r.out;
  const auto config = nlohmann::json::parse(m.provenance)["config"];
  EXPECT_EQ(config["sparsity"], 0.8);
  EXPECT_EQ(config["activity_weight"], 0.001);
  for (const Layer& l : m.layers)
    EXPECT_GE(std::count(l.w.begin(), l.w.end(), int8_t{0}), static_cast<long>(0.8 * double(l.w.size() - 1)));
}

// --sparsity with one fraction per weight layer: each layer meets its own, the table and the
// model's recorded config show them, and a count that matches no layer list is refused.
TEST(TrainCli, SparsityPerLayerIsMetLayerByLayer) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto wrong = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --sparsity 0.9,0.5" + kSmall);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("--sparsity has 2 values: give one (every layer) or 3"), std::string::npos) << wrong.out;
  auto out_of_range =
      run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --sparsity 0.9,0.5,1.5" + kSmall);
  EXPECT_NE(out_of_range.out.find("--sparsity 1.5 is outside [0, 0.99]"), std::string::npos) << out_of_range.out;
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --epochs 3 --sparsity 0.9,0.5,0" +
                   kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("at least 90%, 50%, 0% zero weights in layers 1..3"), std::string::npos) << r.out;
  const Model m = load_model(dir.file("m.zlm"));
  EXPECT_EQ(nlohmann::json::parse(m.provenance)["config"]["sparsity"], nlohmann::json::array({0.9, 0.5, 0}));
  ASSERT_EQ(m.layers.size(), 3u);
  auto zeros = [](const Layer& l) { return double(std::count(l.w.begin(), l.w.end(), int8_t{0})) / double(l.w.size()); };
  EXPECT_GE(zeros(m.layers[0]), 0.89);
  EXPECT_GE(zeros(m.layers[1]), 0.49);
  EXPECT_LT(zeros(m.layers[1]), 0.89);  // its own target, not the first layer's
  EXPECT_LT(zeros(m.layers[2]), 0.89);  // plain rounding
  // Resuming with the same list agrees; a different one is named.
  auto resumed = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                         " --epochs 4 --resume --sparsity 0.9,0.5,0" + kSmall);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out;
  auto other = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                       " --epochs 5 --resume --sparsity 0.9" + kSmall);
  EXPECT_NE(other.out.find("--sparsity 0.9 differs from the checkpoint's [0.9,0.5,0.0]"), std::string::npos)
      << other.out;
}

TEST(TrainCli, EvalAndChatLoadTheModelAndAgreeOnIntAcc) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --epochs 40" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(model IntAcc [0-9.]+% \((\d+) / (\d+) examples\))")))
      << r.out;
  auto e = run_cli("eval " + dir.file("m.zlm") + " " + dir.file("data.txt") + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["examples_correct"].get<long>(), std::stol(m[1]));
  EXPECT_EQ(j["examples"].get<long>(), std::stol(m[2]));
  auto c = run_cli("chat " + dir.file("m.zlm") + " are you go");
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_FALSE(c.out.empty());
}

TEST(TrainCli, ResumeAcrossAnEpochSplitGivesTheSameModelBytes) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  const std::string base =
      "train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + kSmall + " --epochs ";
  ASSERT_EQ(run_cli(base + "6").exit_code, 0);
  const std::string straight = read(dir.file("m.zlm"));
  std::filesystem::remove(dir.file("m.zlm"));
  std::filesystem::remove(dir.file("m.zlm.ckpt"));
  ASSERT_EQ(run_cli(base + "3").exit_code, 0);
  auto r = run_cli(base + "6 --resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("resumed"), std::string::npos);
  EXPECT_EQ(read(dir.file("m.zlm")), straight);
}

TEST(TrainCli, ResumeFromTheMiddleOfAnEpochGivesTheSameModelBytes) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  const std::string base =
      "train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --hidden 48,32 --batch 8 --epochs 12";
  ASSERT_EQ(run_cli(base).exit_code, 0);
  const std::string straight = read(dir.file("m.zlm"));
  std::filesystem::remove(dir.file("m.zlm"));
  std::filesystem::remove(dir.file("m.zlm.ckpt"));
  auto first = run_cli(base + " --max-steps 47");  // 22 steps per epoch: stops inside epoch 3
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("stopped (steps) after 2 epochs, 47 steps"), std::string::npos) << first.out;
  EXPECT_EQ(load_checkpoint(dir.file("m.zlm.ckpt")).state.batch_in_epoch, 3u);
  ASSERT_EQ(run_cli(base + " --resume").exit_code, 0);
  EXPECT_EQ(read(dir.file("m.zlm")), straight);
}

TEST(TrainCli, TimeLimitStopsAnUnlimitedRun) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") +
                   " --epochs 0 --time-limit 0.5" + kSmall);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("stopped (time limit)"), std::string::npos) << r.out;
  EXPECT_NO_THROW(load_model(dir.file("m.zlm")));
}

// Starts `z80lm ARGS` in the background with output to `log`; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>("z80lm")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(Z80LM_BIN, argv.data());
    _exit(127);
  }
  return pid;
}

bool wait_for(const std::function<bool()>& ready, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

TEST(TrainCli, CtrlCSavesALoadableCheckpointAndModelAndExits130) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  const std::string log = dir.file("metrics.jsonl");
  pid_t pid = spawn({"train", dir.file("data.txt"), "-o", dir.file("m.zlm"), "--log", log, "--hidden",
                     "64,32", "--epochs", "0", "--checkpoint-every", "1000"},
                    dir.file("out.txt"));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(
      wait_for([&] { return std::filesystem::exists(log) && std::filesystem::file_size(log) > 0; }, 20));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << read(dir.file("out.txt"));
  EXPECT_EQ(WEXITSTATUS(status), 130) << read(dir.file("out.txt"));
  EXPECT_NE(read(dir.file("out.txt")).find("--resume"), std::string::npos);
  Checkpoint c = load_checkpoint(dir.file("m.zlm.ckpt"));
  EXPECT_GE(c.state.epoch, 1u);
  EXPECT_NO_THROW(load_model(dir.file("m.zlm")));
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --log " + log +
                   " --hidden 64,32 --resume --epochs " + std::to_string(c.state.epoch + 1));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(load_model(dir.file("m.zlm")).provenance)["epochs"], c.state.epoch + 1);
}

TEST(TrainCli, KillDuringACheckpointWriteLeavesThePreviousOneIntact) {
  TempDir dir;
  const std::string path = dir.file("k.ckpt");
  // Two different, multi-megabyte checkpoints, written alternately by a child until killed.
  auto make = [](uint64_t seed) {
    Checkpoint c;
    c.config.hidden = {256, 256};
    c.config.seed = seed;
    c.charset = std::string("AB") + '\0';
    Rng rng(seed);
    NetShape shape = net_shape(network_widths(c.config.encoding, c.config.hidden, 3));
    c.state.params = init_params(shape, rng);
    c.state.adam_m = c.state.params;
    c.state.adam_v.assign(c.state.params.size(), 1e-6f);  // second moments are never negative
    c.state.scales.assign(3, 1.f);
    return serialize_checkpoint(c);
  };
  const std::string a = make(1), b = make(2);
  write_file_atomic(path, a);
  for (int round = 0; round < 3; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      for (;;) {
        write_file_atomic(path, b);
        write_file_atomic(path, a);
      }
    }
    const std::string tmp = path + ".tmp-" + std::to_string(pid);
    ASSERT_TRUE(
        wait_for([&] { return std::filesystem::exists(tmp) && std::filesystem::file_size(tmp) > 0; }, 10));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    const std::string now = read(path);
    EXPECT_TRUE(now == a || now == b) << "round " << round << ": " << now.size() << " bytes";
    EXPECT_NO_THROW(parse_checkpoint(now, path));
    std::filesystem::remove(tmp);
  }
}

TEST(TrainCli, MalformedLinesAreReportedWithFileAndLine) {
  TempDir dir;
  std::string text = chat_data();
  text.insert(text.find('\n') + 1, "this line has no pipe\n");  // becomes line 2
  write_text(dir.file("bad.txt"), text);
  auto r = run_cli("train " + dir.file("bad.txt") + " -o " + dir.file("m.zlm") + " --epochs 1" + kSmall);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(dir.file("bad.txt") + ":2:"), std::string::npos) << r.out;
  auto strict = run_cli("train " + dir.file("bad.txt") + " -o " + dir.file("m.zlm") + " --strict" + kSmall);
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.out.find("error: " + dir.file("bad.txt") + ":2:"), std::string::npos) << strict.out;
}

TEST(TrainCli, ReadsStdinAndNamesTheModelAfterTheData) {
  TempDir dir;
  auto r = run_cli("train - -o " + dir.file("s.zlm") + " --epochs 2" + kSmall, chat_data());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NO_THROW(load_model(dir.file("s.zlm")));
}

TEST(TrainCli, RefusesShapesTheZ80CannotRun) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --hidden 300,16");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("300 neurons"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.zlm")));
}

TEST(TrainCli, ResumeRefusesOtherDataOrConflictingOptions) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  write_text(dir.file("other.txt"), chat_data() + "new question|NEW\n");
  const std::string out = " -o " + dir.file("m.zlm") + kSmall;
  auto none = run_cli("train " + dir.file("data.txt") + out + " --resume");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.out.find("no checkpoint"), std::string::npos) << none.out;
  ASSERT_EQ(run_cli("train " + dir.file("data.txt") + out + " --epochs 1").exit_code, 0);
  auto other = run_cli("train " + dir.file("other.txt") + out + " --epochs 2 --resume");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.out.find("other data"), std::string::npos) << other.out;
  auto lr = run_cli("train " + dir.file("data.txt") + out + " --epochs 2 --resume --lr 0.5");
  EXPECT_EQ(lr.exit_code, 1);
  EXPECT_NE(lr.out.find("--lr 0.5 differs from the checkpoint"), std::string::npos) << lr.out;
}

TEST(TrainCli, HeldOutDataIsMeasured) {
  TempDir dir;
  write_text(dir.file("data.txt"), chat_data());
  write_text(dir.file("val.txt"), "are you go now|YES\ncan it go now|NO\n");
  auto r = run_cli("train " + dir.file("data.txt") + " -o " + dir.file("m.zlm") + " --val " +
                   dir.file("val.txt") + " --val-every 2 --epochs 4" + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("held-out IntAcc"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/ 2 distinct queries"), std::string::npos) << r.out;
  std::ifstream log(dir.file("m.zlm.metrics.jsonl"));
  std::string line;
  std::vector<bool> measured;
  while (std::getline(log, line)) measured.push_back(nlohmann::json::parse(line)["val_greedy"].is_number());
  EXPECT_EQ(measured, (std::vector<bool>{false, true, false, true}));
}

}  // namespace
}  // namespace z80lm
