#include "text/pairs.h"

#include <fmt/core.h>

#include "util/error.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "util/printable.h"

namespace z80lm {

std::string to_upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

std::string_view strip_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

// The original's rule: over `limit`, cut at the last space inside [window_start, limit),
// else hard-cut at `limit`.
bool truncate_at_word(std::string& s, size_t limit, size_t window_start) {
  if (s.size() <= limit) return false;
  std::string head = s.substr(0, limit);
  size_t space = head.rfind(' ');
  s = (space != std::string::npos && space >= window_start) ? head.substr(0, space) : head;
  return true;
}

std::string describe_byte(unsigned char c) { return fmt::format("0x{:02X}", c); }

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kCutsShown = 3;  // truncation notes printed per file before a summary line

}  // namespace

PairSet parse_pairs(std::string_view text, const std::string& source) {
  const std::string name = source == "-" ? "<stdin>" : source;
  PairSet set;
  size_t pos = text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;  // an editor's BOM is not query text
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const size_t length = end - pos;
    ++set.lines;
    if (length > limits::kDataLineBytes) {
      set.issues.push_back({name, set.lines,
                            fmt::format("line of {} bytes is longer than the {} a data line may have", length,
                                        limits::kDataLineBytes)});
      pos = end + 1;
      continue;
    }
    std::string line(text.substr(pos, length));
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (char& c : line)
      if (c == '\t') c = ' ';
    std::string_view stripped = strip_spaces(line);
    if (stripped.empty() || stripped.front() == '#') {
      ++set.skipped;
      continue;
    }
    auto reject = [&](std::string message) { set.issues.push_back({name, set.lines, std::move(message)}); };
    size_t bar = stripped.find('|');
    if (bar == std::string_view::npos) {
      reject("no '|' between query and response");
      continue;
    }
    std::string query(strip_spaces(stripped.substr(0, bar)));
    std::string response = to_upper_ascii(strip_spaces(stripped.substr(bar + 1)));
    std::string bad;
    for (size_t i = 0; i < stripped.size() && bad.empty(); ++i) {
      auto c = static_cast<unsigned char>(stripped[i]);
      if (is_control(c)) bad = fmt::format("control byte {} at column {}", describe_byte(c), i + 1);
      else if (c >= 0x80 && i > bar)
        bad = fmt::format("non-ASCII byte {} in the response at column {} (the Z80 prints 7-bit ASCII)",
                          describe_byte(c), i + 1);
    }
    if (!bad.empty()) {
      reject(bad);
      continue;
    }
    if (query.size() < 2) {
      reject(fmt::format("query '{}' is shorter than 2 characters", printable(query)));
      continue;
    }
    if (response.empty()) {
      reject("empty response");
      continue;
    }
    const size_t query_was = query.size(), response_was = response.size();
    bool cut = truncate_at_word(query, kMaxQueryChars, 40);
    cut |= truncate_at_word(response, kMaxResponseChars, 30);
    if (cut) {
      ++set.truncated;
      std::string what;
      if (query.size() != query_was) what = fmt::format("query cut from {} to {} bytes", query_was, query.size());
      if (response.size() != response_was)
        what += fmt::format("{}response cut from {} to {} bytes", what.empty() ? "" : ", ", response_was, response.size());
      set.cuts.push_back({name, set.lines, what});
    }
    set.pairs.push_back({std::move(query), std::move(response), set.lines});
  }
  return set;
}

PairSet load_pairs(const std::vector<std::string>& paths, const LoadOptions& options) {
  PairSet all;
  for (const auto& path : paths) {
    PairSet one = parse_pairs(read_file(path, limits::kDataFileBytes), path);
    if (options.strict && !one.issues.empty()) {
      const auto& i = one.issues.front();
      throw Error(fmt::format("{}:{}: {}", i.source, i.line, i.message),
                  "fix or remove the line, or run without --strict to skip bad lines");
    }
    if (!options.quiet) {
      for (const auto& i : one.issues) fmt::print(stderr, "{}:{}: warning: {} (line skipped)\n", i.source, i.line, i.message);
      for (size_t k = 0; k < one.cuts.size() && k < kCutsShown; ++k)
        fmt::print(stderr, "{}:{}: note: {} (limits {} and {})\n", one.cuts[k].source, one.cuts[k].line,
                   one.cuts[k].message, kMaxQueryChars, kMaxResponseChars);
      if (one.cuts.size() > kCutsShown)
        fmt::print(stderr, "{}: note: {} more lines had their query or response cut\n", printable(path, 300),
                   one.cuts.size() - kCutsShown);
    }
    all.lines += one.lines;
    all.skipped += one.skipped;
    all.truncated += one.truncated;
    all.pairs.insert(all.pairs.end(), std::make_move_iterator(one.pairs.begin()), std::make_move_iterator(one.pairs.end()));
    all.issues.insert(all.issues.end(), one.issues.begin(), one.issues.end());
    all.cuts.insert(all.cuts.end(), one.cuts.begin(), one.cuts.end());
  }
  if (all.pairs.empty()) {
    std::string names;
    for (const auto& p : paths) names += (names.empty() ? "" : ", ") + (p == "-" ? std::string("<stdin>") : p);
    throw Error(fmt::format("{}: no valid `query|response` line found ({} lines read, {} rejected)", names,
                            all.lines, all.issues.size()),
                "each line must look like `hello there|HI`; blank lines and lines starting with # are skipped");
  }
  return all;
}

}  // namespace z80lm
