#include "z80/pasmo.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "util/error.h"
#include "util/file_io.h"

extern char** environ;

namespace z80lm::z80 {

namespace {

namespace fs = std::filesystem;

// A private directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/z80lm-pasmo-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw Error(fmt::format("pasmo: cannot create a temporary directory from {}: {}", pattern,
                              std::strerror(errno)),
                  "check that TMPDIR (or /tmp) exists and is writable");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Runs `argv` with stdin from /dev/null and stdout/stderr to files; returns the wait status.
int run_captured(const std::vector<std::string>& argv, const std::string& stdout_path,
                 const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0)
    throw Error(fmt::format("pasmo: cannot run {}: {}", argv[0], std::strerror(spawn_error)),
                "install pasmo (scripts/deps.sh) and reconfigure the build");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw Error(fmt::format("pasmo: waiting for {} failed: {}", argv[0], std::strerror(errno)));
  }
  return status;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// "chat.asm line 12: Symbol 'loop' is undefined: `  jp loop`" from pasmo's stderr, which reads
//   ERROR on line 12 of file /tmp/z80lm-pasmo-x/source.asm
//   ERROR: Symbol 'loop' is undefined
std::string first_error(std::string_view errors, std::string_view source, const std::string& source_path,
                        const AssembleOptions& options) {
  const std::vector<std::string_view> lines = lines_of(errors);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    constexpr std::string_view kWhere = "ERROR on line ";
    if (line.starts_with(kWhere)) {
      std::string_view rest = line.substr(kWhere.size());
      size_t line_number = 0;
      const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line_number);
      std::string_view file = rest.substr(static_cast<size_t>(end - rest.data()));
      if (constexpr std::string_view kOf = " of file "; file.starts_with(kOf)) file.remove_prefix(kOf.size());
      const bool ours = file == source_path;
      std::string what;
      if (i + 1 < lines.size()) {
        what = std::string(trim(lines[i + 1]));
        if (what.starts_with("ERROR: ")) what.erase(0, 7);
      }
      std::string message = fmt::format("{} line {}: {}", ours ? options.source_name : std::string(file),
                                        line_number, what.empty() ? "error" : what);
      if (ours && ec == std::errc{}) {
        const std::vector<std::string_view> source_lines = lines_of(source);
        if (line_number >= 1 && line_number <= source_lines.size())
          message += fmt::format(": `{}`", trim(source_lines[line_number - 1]));
      }
      return message;
    }
    if (line.starts_with("ERROR")) return fmt::format("{}: {}", options.source_name, line);
  }
  const std::string_view first = lines.empty() ? std::string_view{} : trim(lines.front());
  return fmt::format("{}: pasmo failed{}{}", options.source_name, first.empty() ? "" : ": ", first);
}

// "Emiting raw binary from 0100 to 010B" (pasmo's spelling) in the -d output.
uint16_t parse_origin(std::string_view listing) {
  constexpr std::string_view kMarker = "raw binary from ";
  const size_t at = listing.rfind(kMarker);
  if (at == std::string_view::npos) return 0;
  const std::string_view hex = listing.substr(at + kMarker.size(), 4);
  unsigned value = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  return static_cast<uint16_t>(value);
}

}  // namespace

std::map<std::string, uint16_t> parse_pasmo_symbols(std::string_view text, std::string_view file_name) {
  std::map<std::string, uint16_t> symbols;
  const std::vector<std::string_view> lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty()) continue;
    auto bad = [&] {
      return Error(
          fmt::format("{}: line {}: not a pasmo symbol line (NAME EQU 0ABCDH): `{}`", file_name, i + 1, line),
          "pass the symbol file pasmo writes as its third file argument");
    };
    const size_t name_end = line.find_first_of(" \t");
    if (name_end == std::string_view::npos) throw bad();
    const std::string_view name = line.substr(0, name_end);
    std::string_view rest = trim(line.substr(name_end));
    if (!rest.starts_with("EQU") && !rest.starts_with("equ")) throw bad();
    rest = trim(rest.substr(3));
    if (rest.ends_with('H') || rest.ends_with('h')) rest.remove_suffix(1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, 16);
    if (ec != std::errc{} || end != rest.data() + rest.size() || value > 0xFFFF) throw bad();
    symbols[std::string(name)] = static_cast<uint16_t>(value);
  }
  return symbols;
}

AssembleResult assemble(std::string_view source, const AssembleOptions& options) {
  TempDir dir;
  const std::string source_path = dir.file("source.asm");
  const std::string binary_path = dir.file("out.bin");
  const std::string symbol_path = dir.file("out.sym");
  const std::string stdout_path = dir.file("stdout.txt");
  const std::string stderr_path = dir.file("stderr.txt");
  {
    // A plain write: the directory is private and short-lived, so no fsync (write_file_atomic) is needed.
    std::ofstream out(source_path, std::ios::binary);
    out.write(source.data(), static_cast<std::streamsize>(source.size()));
    if (!out.flush())
      throw Error(fmt::format("pasmo: cannot write {}", source_path), "check free space in TMPDIR (or /tmp)");
  }

  // -d prints the pass-2 listing, which also tells the origin of the binary.
  std::vector<std::string> argv = {Z80LM_PASMO, "-d"};
  for (const std::string& include : options.include_dirs) argv.insert(argv.end(), {"-I", include});
  for (const std::string& define : options.defines) argv.insert(argv.end(), {"-E", define});
  argv.insert(argv.end(), {"--bin", source_path, binary_path, symbol_path});
  const int status = run_captured(argv, stdout_path, stderr_path);

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string errors = fs::exists(stderr_path) ? read_file(stderr_path) : std::string{};
    throw Error("assembly failed: " + first_error(errors, source, source_path, options),
                "fix the Z80 source at that line (pasmo syntax: https://pasmo.speccy.org/pasmodoc.html)");
  }
  AssembleResult result;
  const std::string binary = read_file(binary_path);
  result.binary.assign(binary.begin(), binary.end());
  std::string listing = read_file(stdout_path);
  result.origin = result.binary.empty() ? 0 : parse_origin(listing);
  result.symbols = parse_pasmo_symbols(read_file(symbol_path), options.source_name + " symbols");
  if (options.want_listing) result.listing = std::move(listing);
  return result;
}

}  // namespace z80lm::z80
