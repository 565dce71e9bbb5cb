// console.h — the keyboard and screen of an emulated machine, as seen by its BDOS/ROM routines.
//
//   ScriptedConsole console("hello\nbye\n");   // tests: input from a string, output captured
//   ... run a machine with it ...
//   EXPECT_EQ(console.text(), "> hello\nHi!\n> bye\n");
//
//   auto console = make_stdio_console();       // the CLI: a raw terminal, or piped stdin
//
// Input rules (all consoles): a '\n' becomes CR (0Dh), the key a CP/M program expects at the
// end of a line; a CR LF pair becomes a single CR. read_byte() returns std::nullopt at end of
// input; the machine then ends the run cleanly.
//
// Output rules: write_byte() takes the program's raw bytes. Consoles that write to a Unix file
// or terminal translate line endings with OutputNewlines: CR LF -> "\n", a lone LF -> "\n", and
// a lone CR (CP/M's "back to column 0", e.g. the CR BDOS 10 echoes at the end of a line) is
// passed through when the output is a terminal and dropped when it is a file or a pipe, so
// transcripts are clean Unix text. ScriptedConsole keeps the raw bytes and offers the
// translated text() too. Output is buffered until flush(), which machines call at the end of
// every output call, at every input request and at exit.
//
// TerminalConsole puts the TTY in raw-ish mode (no line editing, no echo, CR not mapped, ^Z and
// ^S/^Q passed to the program) but keeps ^C as SIGINT: ^C makes interrupted() true and ends the
// run. The previous terminal settings come back in the destructor and on SIGTERM, SIGHUP and
// SIGQUIT. Only one TerminalConsole may exist at a time.
//
// Not modelled: CP/M's TAB expansion and ^S/^P handling in console output, a printer, real
// keyboard timing (input is as fast as the host supplies it).
#pragma once
#include <termios.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace z80lm::emu {

class Console {
 public:
  virtual ~Console() = default;
  // Blocks until a byte is available; std::nullopt at end of input or once interrupted().
  virtual std::optional<uint8_t> read_byte() = 0;
  // True when read_byte() would return a byte without blocking; false at end of input.
  virtual bool input_ready() = 0;
  virtual void write_byte(uint8_t byte) = 0;
  virtual void flush() {}
  // True once the user asked to stop the run (^C on a terminal).
  virtual bool interrupted() const { return false; }
};

// Applies the input rules above to a byte stream: '\n' -> CR, CR LF -> CR.
class InputNewlines {
 public:
  // Appends the translation of `byte` (zero or one byte) to `out`.
  void put(uint8_t byte, std::deque<uint8_t>& out);

 private:
  bool after_cr_ = false;
};

// Applies the output rules above: CR LF -> "\n", LF -> "\n", lone CR kept or dropped.
class OutputNewlines {
 public:
  explicit OutputNewlines(bool keep_lone_cr) : keep_lone_cr_(keep_lone_cr) {}
  void put(uint8_t byte, std::string& out);
  // At the very end: a CR still waiting for a possible LF is emitted (if kept) or dropped.
  void finish(std::string& out);

 private:
  bool keep_lone_cr_;
  bool pending_cr_ = false;
};

// Input from a string fixed up front; output captured in memory.
class ScriptedConsole : public Console {
 public:
  explicit ScriptedConsole(std::string_view input = {});
  std::optional<uint8_t> read_byte() override;
  bool input_ready() override { return !input_.empty(); }
  void write_byte(uint8_t byte) override { output_.push_back(static_cast<char>(byte)); }

  const std::string& output() const { return output_; }  // raw bytes as the program wrote them
  std::string text() const;                              // output with CRs dropped, CR LF -> "\n"
  size_t input_left() const { return input_.size(); }

 private:
  std::deque<uint8_t> input_;
  std::string output_;
};

// Input from a file descriptor that is not a terminal (pipe, file), read as the program asks
// for it; output to a file descriptor, buffered until flush().
class StreamConsole : public Console {
 public:
  StreamConsole(int input_fd, int output_fd);
  ~StreamConsole() override;
  std::optional<uint8_t> read_byte() override;
  bool input_ready() override;
  void write_byte(uint8_t byte) override;
  void flush() override;

 protected:
  virtual bool stop_requested() const { return false; }

 private:
  // Reads what the input holds now (blocking for at least one byte when `block`).
  void fill(bool block);
  void write_all(const std::string& bytes);

  int input_fd_;
  int output_fd_;
  bool end_of_input_ = false;
  InputNewlines input_newlines_;
  OutputNewlines output_newlines_;
  std::deque<uint8_t> pending_input_;
  std::string pending_output_;
};

// An interactive terminal on `tty_fd` (raw-ish mode while the object lives).
class TerminalConsole : public StreamConsole {
 public:
  TerminalConsole(int tty_fd, int output_fd);
  ~TerminalConsole() override;
  bool interrupted() const override;

 protected:
  bool stop_requested() const override { return interrupted(); }

 private:
  int tty_fd_;
  struct termios saved_ {};
};

// A TerminalConsole when stdin is a terminal, else a StreamConsole on stdin; output to stdout.
std::unique_ptr<Console> make_stdio_console();

}  // namespace z80lm::emu
