// End-to-end tests of `z80lm run`: the real executable, stdin from a file, exit codes and reports.
#include <fcntl.h>
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "emu_test_support.h"
#include "util/file_io.h"

extern char** environ;

namespace z80lm::emu {
namespace {

namespace fs = std::filesystem;
using testing::kEchoProgram;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(Z80LM_TEST_TMP) /
           ("cli_run_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }

  std::string path(std::string_view name) const { return (dir_ / name).string(); }

  std::string write(std::string_view name, std::string_view bytes) const {
    write_file_atomic(path(name), bytes);
    return path(name);
  }

  std::string write_com(std::string_view name, std::string_view source) const {
    const auto assembled = z80::assemble(source);
    return write(name, std::string_view(reinterpret_cast<const char*>(assembled.binary.data()),
                                        assembled.binary.size()));
  }

  // Runs Z80LM_BIN with `args`, stdin from `input` (written to a file), stdout/stderr captured.
  CliResult run(const std::vector<std::string>& args, std::string_view input = {}) const {
    const std::string in = write("stdin.txt", input), out = path("stdout.txt"), err = path("stderr.txt");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<std::string> argv = {Z80LM_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, Z80LM_BIN, &actions, nullptr, c_argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(spawned, 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CliResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_file(out);
    result.err = read_file(err);
    return result;
  }

  fs::path dir_;
};

TEST_F(CliRun, HelpExitsZero) {
  const CliResult r = run({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--max-tstates"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << r.out;
}

TEST_F(CliRun, EchoProgramWithStdinFromAFile) {
  const std::string com = write_com("echo.com", kEchoProgram);
  const CliResult r = run({"run", "--stats", com}, "hello\nbye\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\n> hello\nhello\n> bye\nbye\n> ");
  EXPECT_NE(r.err.find("median T-states between characters"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"hello\""), std::string::npos) << r.err;
}

TEST_F(CliRun, SpeedReportsEachAnswerLineButNotTheEcho) {
  const std::string com = write_com("echo.com", kEchoProgram);
  const CliResult r = run({"run", "--speed", "--mhz", "2", com}, "abc\nhello\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\n> abc\nabc\n> hello\nhello\n> ");
  // From the CR LF after the line to the LF after the echoed answer, exact: RET 10 + 20 for the
  // CR LF's two characters (BDOS 9) + 36 of checks + 102 per echoed char - 5 (last DJNZ) + 44 to
  // re-enter the BDOS for the prompt.
  EXPECT_EQ(r.err,
            "  [3 chars in 411 T-states = 0.00 s at 2 MHz]\n"
            "  [5 chars in 615 T-states = 0.00 s at 2 MHz]\n")
      << r.err;
}

TEST_F(CliRun, InputOptionReadsAFile) {
  const std::string com = write_com("echo.com", kEchoProgram);
  const std::string input = write("keys.txt", "from file\n");
  const CliResult r = run({"run", "--input", input, com}, "from stdin\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\n> from file\nfrom file\n> ");
}

TEST_F(CliRun, CommandTailReachesTheProgram) {
  // Prints the command tail: its length byte at 0080h, then the text, terminated for BDOS 9.
  const std::string com = write_com("tail.com", R"(
        org 100h
        ld hl,80h
        ld e,(hl)
        ld d,0
        add hl,de
        inc hl
        ld (hl),'$'
        ld c,9
        ld de,81h
        call 5
        ret
)");
  const CliResult r = run({"run", com, "hello", "there"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, " HELLO THERE\n");  // a one-shot answer ends with a line end (issue 14)
  EXPECT_EQ(r.err, "");
  // One-shot --speed: the printable characters and the T-state of the last one, counted from
  // the program's start.
  const CliResult timed = run({"run", "--speed", com, "hello", "there"});
  EXPECT_EQ(timed.out, " HELLO THERE\n");
  EXPECT_NE(timed.err.find("[12 chars in "), std::string::npos) << timed.err;
  EXPECT_NE(timed.err.find(" T-states = 0.00 s at 4 MHz, from the program's start]"), std::string::npos)
      << timed.err;
}

TEST_F(CliRun, UnimplementedBdosExitsOne) {
  const std::string com = write_com("open.com", " org 100h\n ld c,15\n ld de,5Ch\n call 5\n ret\n");
  const CliResult r = run({"run", com});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: unimplemented BDOS function 15 (open file) called from 0105h"),
            std::string::npos)
      << r.err;
}

TEST_F(CliRun, MaxTStatesExitsTwo) {
  const std::string com = write_com("spin.com", " org 100h\nspin: jr spin\n");
  const CliResult r = run({"run", "--max-tstates", "50000", com});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("stopped after"), std::string::npos) << r.err;
}

TEST_F(CliRun, TpaTopAcceptsHex) {
  // Prints "OK" if the word at 0006h is C000h.
  const std::string com = write_com("top.com", R"(
        org 100h
        ld hl,(6)
        ld de,0C000h
        or a
        sbc hl,de
        ret nz
        ld c,9
        ld de,ok
        call 5
        ret
ok:     db "OK$"
)");
  EXPECT_EQ(run({"run", "--tpa-top", "0xC000", com}).out, "OK");
  EXPECT_EQ(run({"run", "--tpa-top", "C000h", com}).out, "OK");
  EXPECT_EQ(run({"run", com}).out, "");
  const CliResult bad = run({"run", "--tpa-top", "C000", com});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("hint: write a hex address as 0xC000"), std::string::npos) << bad.err;
}

TEST_F(CliRun, EmptyAndOversizedProgramsAreRefused) {
  const std::string empty = write("empty.com", "");
  const CliResult r = run({"run", empty});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the file is empty (0 bytes)"), std::string::npos) << r.err;
  const std::string big = write("big.com", std::string(0x3F01, '\0'));
  const CliResult r2 = run({"run", "--tpa-top", "0x4000", big});
  EXPECT_EQ(r2.exit_code, 1);
  EXPECT_NE(r2.err.find("the program is 16129 bytes but the TPA holds only 16128 bytes (0100h..3FFFh)"),
            std::string::npos)
      << r2.err;
}

TEST_F(CliRun, ProfileWithSymbolsAndTraceBdos) {
  const auto assembled =
      z80::assemble(" org 100h\nmain: ld b,100\nloop: djnz loop\n ld c,2\n ld e,'!'\n call 5\n ret\n");
  const std::string com = write("prof.com", std::string(assembled.binary.begin(), assembled.binary.end()));
  std::string symbols;
  for (const auto& [name, address] : assembled.symbols)
    symbols += fmt::format("{}\t\tEQU 0{:04X}H\n", name, address);
  const std::string sym = write("prof.sym", symbols);
  const CliResult r = run({"run", "--profile", "--symbols", sym, "--trace-bdos", com});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "!");
  EXPECT_NE(r.err.find("bdos t="), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 console output, E=21h '!'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("T-states by routine"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("loop"), std::string::npos) << r.err;
  const CliResult ranges = run({"run", "--profile", com});
  EXPECT_NE(ranges.err.find("0100h-01FFh"), std::string::npos) << ranges.err;
}

}  // namespace
}  // namespace z80lm::emu
