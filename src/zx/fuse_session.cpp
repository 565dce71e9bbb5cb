#include "zx/fuse_session.h"

#include <fmt/core.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "util/error.h"
#include "util/file_io.h"
#include "zx/zx48_memory_map.h"
#include "zx/zx48_screen.h"

namespace z80lm::zx {

namespace {

// Records on stdout are triples (what, frames, T-state in the frame): what < 100h is a byte the
// program printed, kKeyRecord + k the key k being typed, kEndRecord the program waiting for a
// key when none is left. The screen follows kScreenMarker.
constexpr uint64_t kKeyRecord = 0x10000;
constexpr uint64_t kEndRecord = 0x20000;
constexpr uint64_t kScreenMarker = 0xBEEF;
constexpr size_t kMaxScriptBytes = 128 * 1024 - 1;  // Linux's MAX_ARG_STRLEN, less the final NUL

// Fuse's debugger as a script: breakpoints with commands, numbered in order.
class FuseScript {
 public:
  void line(const std::string& text) { lines_.push_back(text); }
  void breakpoint(const std::string& where, const std::vector<std::string>& body) {
    line("breakpoint " + where);
    line(fmt::format("commands {}", ++breakpoints_));
    for (const std::string& b : body) line(b);
    line("end");
  }
  std::string text() const {
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out;
  }

 private:
  std::vector<std::string> lines_;
  int breakpoints_ = 0;
};

// "$k == n and no key waiting": the condition for typing key n (and for the end).
std::string key_turn(uint16_t address, size_t n) {
  return fmt::format("0x{:04X} if $k == {} && ([0x{:04X}] & {}) == 0", address, n, kFlags, kFlagsNewKey);
}

}  // namespace

bool fuse_available(const FuseSession& session) {
  return std::filesystem::exists(session.fuse) && std::filesystem::exists(session.rom);
}

FuseResult run_fuse(const FuseSession& session, std::string_view media_option,
                    const std::vector<KeyGroup>& keys, uint16_t end_at, uint16_t print_from) {
  if (session.work_dir.find_first_of("'\"") != std::string::npos)
    throw Error(fmt::format("Fuse work directory {} contains a quote", session.work_dir),
                "use a plainer path");
  FuseScript script;
  script.line("set $k 0");
  size_t typed = 0;
  for (const KeyGroup& group : keys) {
    for (char key : group.keys) {
      script.breakpoint(key_turn(group.at, typed),
                        {fmt::format("set 0x{:04X} {}", kLastK, static_cast<uint8_t>(key)),
                         fmt::format("set 0x{0:04X} [0x{0:04X}] | {1}", kFlags, kFlagsNewKey),
                         fmt::format("set $k {}", typed + 1),
                         fmt::format("print {}", kKeyRecord + static_cast<uint8_t>(key)),
                         "print spectrum:frames", "print ula:tstates", "continue"});
      ++typed;
    }
  }
  std::vector<std::string> end = {fmt::format("print {}", kEndRecord), "print spectrum:frames",
                                  "print ula:tstates", fmt::format("print {}", kScreenMarker)};
  if (session.dump_screen)
    for (uint32_t a = kScreen; a < kScreen + kScreenMemoryBytes; ++a)
      end.push_back(fmt::format("print [{}]", a));
  end.push_back("exit 0");
  script.breakpoint(key_turn(end_at, typed), end);
  script.breakpoint(fmt::format("0x{:04X} if [z80:sp] + [z80:sp + 1] * 256 >= {}", kRomPrintA, print_from),
                    {"print z80:a", "print spectrum:frames", "print ula:tstates", "continue"});
  script.breakpoint(fmt::format("0x{:04X} if spectrum:frames > {}", kRomInterrupt, session.max_frames),
                    {"exit 9"});

  if (script.text().size() > kMaxScriptBytes)
    throw Error(fmt::format("the Fuse script for {} keys is {} bytes; one command-line argument holds {}",
                            typed, script.text().size(), kMaxScriptBytes),
                "type fewer keys per session, or leave out the screen dump");
  const std::filesystem::path dir(session.work_dir);
  const std::string script_file = (dir / "fuse-commands.txt").string();
  const std::string out_file = (dir / "fuse-stdout.txt").string();
  FuseResult result;
  result.stderr_path = (dir / "fuse-stderr.txt").string();
  write_file_atomic(script_file, script.text());
  const std::string command = fmt::format(
      "cd '{0}' && HOME='{0}' SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout -s KILL {1} '{2}' "
      "--machine 48 "
      "--rom-48 '{3}' --no-sound --speed 10000 --no-confirm-actions {4} --debugger-command \"$(cat '{5}')\" "
      "> '{6}' 2> '{7}'",
      session.work_dir, session.timeout_seconds, session.fuse, session.rom, media_option, script_file,
      out_file, result.stderr_path);
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  // stdout: Fuse's banner, then "0x.." lines: (A, frames, T-state) per print, the marker, the screen.
  std::ifstream in(out_file);
  std::vector<uint64_t> values;
  std::optional<size_t> marker;
  for (std::string l; std::getline(in, l);) {
    if (!l.starts_with("0x")) continue;
    const uint64_t v = std::stoull(l, nullptr, 16);
    if (!marker && v == kScreenMarker && values.size() % 3 == 0) {
      marker = values.size();
      continue;
    }
    values.push_back(v);
  }
  const size_t records = marker.value_or(values.size() - values.size() % 3);
  for (size_t i = 0; i + 2 < records; i += 3) {
    const uint64_t t_state = values[i + 1] * kFrameTStates + values[i + 2];
    if (values[i] >= kKeyRecord) {
      emu::InputRequest key;
      key.t_state = t_state;
      key.function = 1;
      key.output_begin = key.output_end = result.timeline.output.size();
      key.end_of_input = values[i] == kEndRecord;
      if (!key.end_of_input) key.text = std::string(1, static_cast<char>(values[i] - kKeyRecord));
      result.timeline.inputs.push_back(std::move(key));
    } else {
      result.transcript += values[i] == 0x0D ? '\n' : static_cast<char>(values[i]);
      result.timeline.output.push_back({t_state, static_cast<uint8_t>(values[i])});
    }
    result.timeline.end_t_state = t_state;
  }
  const size_t prints = records;
  if (marker && values.size() - prints == kScreenMemoryBytes)
    for (size_t i = prints; i < values.size(); ++i) result.screen.push_back(static_cast<uint8_t>(values[i]));
  return result;
}

}  // namespace z80lm::zx
