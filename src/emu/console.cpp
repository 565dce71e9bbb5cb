#include "emu/console.h"

#include <fmt/core.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "util/error.h"

namespace z80lm::emu {

namespace {
constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kLf = 0x0A;
}  // namespace

void InputNewlines::put(uint8_t byte, std::deque<uint8_t>& out) {
  if (byte == kLf) {
    if (!after_cr_) out.push_back(kCr);  // the LF of a CR LF pair is swallowed
    after_cr_ = false;
    return;
  }
  after_cr_ = byte == kCr;
  out.push_back(byte);
}

void OutputNewlines::put(uint8_t byte, std::string& out) {
  if (byte == kLf) {
    out += '\n';
    pending_cr_ = false;
    return;
  }
  if (pending_cr_ && keep_lone_cr_) out += '\r';
  pending_cr_ = byte == kCr;
  if (!pending_cr_) out += static_cast<char>(byte);
}

void OutputNewlines::finish(std::string& out) {
  if (pending_cr_ && keep_lone_cr_) out += '\r';
  pending_cr_ = false;
}

// ---------------------------------------------------------------- ScriptedConsole

ScriptedConsole::ScriptedConsole(std::string_view input) {
  InputNewlines newlines;
  for (char c : input) newlines.put(static_cast<uint8_t>(c), input_);
}

std::optional<uint8_t> ScriptedConsole::read_byte() {
  if (input_.empty()) return std::nullopt;
  const uint8_t byte = input_.front();
  input_.pop_front();
  return byte;
}

std::string ScriptedConsole::text() const {
  OutputNewlines newlines(/*keep_lone_cr=*/false);
  std::string out;
  for (char c : output_) newlines.put(static_cast<uint8_t>(c), out);
  newlines.finish(out);
  return out;
}

// ---------------------------------------------------------------- StreamConsole

StreamConsole::StreamConsole(int input_fd, int output_fd)
    : input_fd_(input_fd), output_fd_(output_fd), output_newlines_(::isatty(output_fd) == 1) {}

StreamConsole::~StreamConsole() {
  try {
    output_newlines_.finish(pending_output_);
    flush();
  } catch (...) {
    // A destructor must not throw; output that cannot be written is lost either way.
  }
}

void StreamConsole::fill(bool block) {
  if (end_of_input_) return;
  if (!block) {
    pollfd p{input_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return;
  }
  uint8_t buffer[4096];
  for (;;) {
    const ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) input_newlines_.put(buffer[i], pending_input_);
      if (!pending_input_.empty() || !block) return;
      continue;  // only a swallowed LF arrived: keep waiting for a real byte
    }
    if (n == 0) {
      end_of_input_ = true;
      return;
    }
    if (errno == EINTR && !stop_requested()) continue;
    if (errno == EINTR) return;
    throw Error(fmt::format("console: cannot read input: {}", std::strerror(errno)),
                "check what is connected to standard input");
  }
}

std::optional<uint8_t> StreamConsole::read_byte() {
  flush();
  if (pending_input_.empty() && !stop_requested()) fill(/*block=*/true);
  if (pending_input_.empty()) return std::nullopt;
  const uint8_t byte = pending_input_.front();
  pending_input_.pop_front();
  return byte;
}

bool StreamConsole::input_ready() {
  flush();
  if (pending_input_.empty()) fill(/*block=*/false);
  return !pending_input_.empty();
}

void StreamConsole::write_byte(uint8_t byte) {
  output_newlines_.put(byte, pending_output_);
}

void StreamConsole::flush() {
  if (pending_output_.empty()) return;
  std::string bytes;
  bytes.swap(pending_output_);
  write_all(bytes);
}

void StreamConsole::write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(output_fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("console: cannot write output: {}", std::strerror(errno)),
                  "check what is connected to standard output");
    }
    done += static_cast<size_t>(n);
  }
}

// ---------------------------------------------------------------- TerminalConsole

namespace {

// Signal handlers can only reach globals; one TerminalConsole at a time owns these.
volatile std::sig_atomic_t g_interrupted = 0;
int g_tty_fd = -1;
struct termios g_saved_termios {};
constexpr int kRestoringSignals[] = {SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_previous_int {};
struct sigaction g_previous_restoring[std::size(kRestoringSignals)]{};

extern "C" void on_interrupt(int) {
  g_interrupted = 1;
}

extern "C" void on_fatal_signal(int signal_number) {
  // tcsetattr, signal and raise are async-signal-safe.
  ::tcsetattr(g_tty_fd, TCSANOW, &g_saved_termios);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

TerminalConsole::TerminalConsole(int tty_fd, int output_fd)
    : StreamConsole(tty_fd, output_fd), tty_fd_(tty_fd) {
  if (g_tty_fd != -1)
    throw Error("console: a terminal console is already active", "create only one TerminalConsole at a time");
  if (::tcgetattr(tty_fd, &saved_) != 0)
    throw Error(fmt::format("console: cannot read terminal settings: {}", std::strerror(errno)),
                "run with input redirected from a file instead");
  struct termios raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);  // keep ISIG: ^C stays SIGINT
  raw.c_iflag &= ~static_cast<tcflag_t>(ICRNL | INLCR | IGNCR | IXON);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  raw.c_cc[VSUSP] = _POSIX_VDISABLE;  // ^Z goes to the program; a suspended raw terminal is no fun
  g_tty_fd = tty_fd;
  g_saved_termios = saved_;
  g_interrupted = 0;

  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read() must return EINTR on ^C
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, &g_previous_int);
  action.sa_handler = on_fatal_signal;
  for (size_t i = 0; i < std::size(kRestoringSignals); ++i)
    ::sigaction(kRestoringSignals[i], &action, &g_previous_restoring[i]);

  if (::tcsetattr(tty_fd, TCSANOW, &raw) != 0) {
    const int error = errno;
    ::sigaction(SIGINT, &g_previous_int, nullptr);
    for (size_t i = 0; i < std::size(kRestoringSignals); ++i)
      ::sigaction(kRestoringSignals[i], &g_previous_restoring[i], nullptr);
    g_tty_fd = -1;
    throw Error(fmt::format("console: cannot set terminal to raw mode: {}", std::strerror(error)),
                "run with input redirected from a file instead");
  }
}

TerminalConsole::~TerminalConsole() {
  ::tcsetattr(tty_fd_, TCSANOW, &saved_);
  ::sigaction(SIGINT, &g_previous_int, nullptr);
  for (size_t i = 0; i < std::size(kRestoringSignals); ++i)
    ::sigaction(kRestoringSignals[i], &g_previous_restoring[i], nullptr);
  g_tty_fd = -1;
}

bool TerminalConsole::interrupted() const {
  return g_interrupted != 0;
}

std::unique_ptr<Console> make_stdio_console() {
  if (::isatty(STDIN_FILENO) == 1) return std::make_unique<TerminalConsole>(STDIN_FILENO, STDOUT_FILENO);
  return std::make_unique<StreamConsole>(STDIN_FILENO, STDOUT_FILENO);
}

}  // namespace z80lm::emu
