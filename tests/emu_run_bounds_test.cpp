// Issue 14 item 6: `z80lm run --max-tstates` must bound output and memory. BDOS 9 is charged
// 10 T-states per character (as if each were a BDOS 2 call), output is streamed, and the
// console timeline keeps a bounded record.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "emu/response_stats.h"
#include "emu_test_support.h"
#include "util/file_io.h"

extern char** environ;

namespace z80lm::emu {
namespace {

namespace fs = std::filesystem;

// A 30 KB program printing a 30,000-character '$' string in an endless loop.
constexpr std::string_view kEndlessPrintString = R"(
        org 100h
loop:   ld de,text
        ld c,9
        call 5
        jr loop
text:   ds 30000,'A'
        db '$'
)";

// Counts what the program prints and keeps none of it; no input.
class CountingConsole : public Console {
 public:
  std::optional<uint8_t> read_byte() override { return std::nullopt; }
  bool input_ready() override { return false; }
  void write_byte(uint8_t) override { ++bytes; }
  size_t bytes = 0;
};

TEST(CpmMachineBounds, PrintStringCostsTenTStatesPerCharacter) {
  // ld de (10) + ld c (7) + call (17) + BDOS RET (10) + 3 chars x 10 + ret (10) = 84.
  const auto run = testing::run_cpm(" org 100h\n ld de,s\n ld c,9\n call 5\n ret\ns: db 'ABC$'\n");
  EXPECT_EQ(run.text, "ABC");
  EXPECT_EQ(run.result.t_states, 84u);
  // BDOS 2 three times costs the same per character (plus the caller's own instructions).
  ASSERT_EQ(run.timeline.output.size(), 3u);
}

TEST(CpmMachineBounds, EndlessPrintStringIsCutAtTheTStateLimit) {
  CountingConsole console;
  CpmMachine machine(console, {.max_t_states = 100'000});
  machine.load(testing::assemble_com(kEndlessPrintString), {}, "loop.com");
  const RunResult result = machine.run();
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.reason, ExitReason::kTStateLimit);
  EXPECT_LE(console.bytes, 100'000u / kPrintCharTStates);
  EXPECT_GE(console.bytes, 100'000u / kPrintCharTStates - 10);
  EXPECT_NE(result.message.find("BDOS 9"), std::string::npos) << result.message;
}

TEST(CpmMachineBounds, TimelineKeepsABoundedRecordOfEndlessOutput) {
  CountingConsole console;
  const uint64_t limit = 12 * kTimelineMaxOutputBytes;  // ~1.2 x the kept bytes at 10 T-states each
  CpmMachine machine(console, {.max_t_states = limit});
  machine.load(testing::assemble_com(kEndlessPrintString), {}, "loop.com");
  EXPECT_EQ(machine.run().exit_code, 2);
  const ConsoleTimeline& tl = machine.timeline();
  EXPECT_EQ(tl.output.size(), kTimelineMaxOutputBytes);
  EXPECT_GT(tl.output_dropped, 0u);
  EXPECT_EQ(tl.output_count(), console.bytes);
  EXPECT_TRUE(tl.truncated());
  const std::string report = format_response_stats(compute_response_stats(tl), 4.0);
  EXPECT_NE(report.find("only the first 262144 bytes"), std::string::npos) << report;
}

TEST(CpmMachineBounds, TimelineKeepsABoundedNumberOfInputRequests) {
  // Reads keys with BDOS 1 until the input ends.
  const std::string input(kTimelineMaxInputs + 100, 'k');
  const auto run = testing::run_cpm(" org 100h\nkey: ld c,1\n call 5\n jr key\n", input);
  EXPECT_EQ(run.timeline.inputs.size(), kTimelineMaxInputs);
  EXPECT_EQ(run.timeline.input_count(), kTimelineMaxInputs + 101);  // the last one met the end
  EXPECT_EQ(run.timeline.output_count(), kTimelineMaxInputs + 100);  // BDOS 1 echoes
  EXPECT_NO_THROW(compute_response_stats(run.timeline));
}

// The user's view: `z80lm run --max-tstates 100000 LOOP.COM > out` (before the fix: 53 MB of
// output and 1.7 GB of memory).
TEST(RunMaxTStates, BoundsOutputAndMemoryOfAnEndlessPrintStringLoop) {
  const fs::path dir = fs::path(Z80LM_TEST_TMP) / "run_max_tstates_bounds";
  fs::create_directories(dir);
  const auto program = testing::assemble_com(kEndlessPrintString);
  const std::string com = (dir / "LOOP.COM").string(), out = (dir / "out.txt").string(),
                    err = (dir / "err.txt").string();
  write_file_atomic(com, std::string_view(reinterpret_cast<const char*>(program.data()), program.size()));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv = {Z80LM_BIN, "run", "--stats", "--max-tstates", "100000", com};
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, Z80LM_BIN, &actions, nullptr, c_argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  struct rusage usage {};
  ASSERT_EQ(::wait4(pid, &status, 0, &usage), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << read_file(err);
  EXPECT_LE(fs::file_size(out), 100'000u / kPrintCharTStates);
  EXPECT_LT(usage.ru_maxrss, 128 * 1024) << "max RSS in KiB";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace z80lm::emu
