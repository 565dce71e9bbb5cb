// Tests for the console: newline rules, scripted input, and a StreamConsole over pipes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "emu/console.h"
#include "util/error.h"

namespace z80lm::emu {
namespace {

std::string translate_output(std::string_view raw, bool keep_lone_cr) {
  OutputNewlines newlines(keep_lone_cr);
  std::string out;
  for (char c : raw) newlines.put(static_cast<uint8_t>(c), out);
  newlines.finish(out);
  return out;
}

TEST(Console, OutputNewlines) {
  EXPECT_EQ(translate_output("a\r\nb\nc", false), "a\nb\nc");
  EXPECT_EQ(translate_output("hello\r\r\nx\ry\r", false), "hello\nxy");
  EXPECT_EQ(translate_output("hello\r\r\nx\ry\r", true), "hello\r\nx\ry\r");
}

TEST(Console, ScriptedInputTurnsNewlinesIntoReturn) {
  ScriptedConsole console("a\nb\r\nc\r");
  std::string got;
  while (console.input_ready()) got += static_cast<char>(*console.read_byte());
  EXPECT_EQ(got, "a\rb\rc\r");
  EXPECT_FALSE(console.read_byte().has_value());
}

TEST(Console, ScriptedOutputIsCaptured) {
  ScriptedConsole console;
  for (char c : std::string_view("Hi\r\n")) console.write_byte(static_cast<uint8_t>(c));
  EXPECT_EQ(console.output(), "Hi\r\n");
  EXPECT_EQ(console.text(), "Hi\n");
}

TEST(Console, StreamConsoleOverPipes) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  {
    StreamConsole console(in[0], out[1]);
    EXPECT_FALSE(console.input_ready());  // nothing written yet, not at end either
    ASSERT_EQ(::write(in[1], "x\r\ny", 4), 4);
    EXPECT_TRUE(console.input_ready());
    EXPECT_EQ(console.read_byte(), uint8_t{'x'});
    EXPECT_EQ(console.read_byte(), uint8_t{'\r'});  // CR LF -> one CR
    EXPECT_EQ(console.read_byte(), uint8_t{'y'});
    ::close(in[1]);
    EXPECT_FALSE(console.read_byte().has_value());  // end of input
    EXPECT_FALSE(console.input_ready());
    for (char c : std::string_view("ok\r\n")) console.write_byte(static_cast<uint8_t>(c));
    console.flush();
  }
  ::close(out[1]);
  char buffer[16] = {};
  const ssize_t n = ::read(out[0], buffer, sizeof buffer);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(n)), "ok\n");  // a pipe is not a terminal: CRs dropped
  ::close(in[0]);
  ::close(out[0]);
}

TEST(Console, TerminalConsoleSetsRawModeAndRestoresIt) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int tty = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(tty, 0);
  struct termios before {};
  ASSERT_EQ(::tcgetattr(tty, &before), 0);
  ASSERT_TRUE(before.c_lflag & ICANON);
  {
    TerminalConsole console(tty, tty);
    struct termios during {};
    ASSERT_EQ(::tcgetattr(tty, &during), 0);
    EXPECT_FALSE(during.c_lflag & ICANON);
    EXPECT_FALSE(during.c_lflag & ECHO);
    EXPECT_TRUE(during.c_lflag & ISIG);  // ^C still interrupts
    EXPECT_FALSE(console.interrupted());
    EXPECT_THROW(TerminalConsole(tty, tty), Error);  // only one at a time
    // Keys arrive one by one, Return as CR, without waiting for a whole line.
    ASSERT_EQ(::write(master, "k\r", 2), 2);
    EXPECT_EQ(console.read_byte(), uint8_t{'k'});
    EXPECT_EQ(console.read_byte(), uint8_t{'\r'});
    EXPECT_FALSE(console.input_ready());
  }
  struct termios after {};
  ASSERT_EQ(::tcgetattr(tty, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  ::close(tty);
  ::close(master);
}

}  // namespace
}  // namespace z80lm::emu
