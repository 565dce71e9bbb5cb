// pairs.h — reading `query|response` training data.
//
//   z80lm::PairSet set = z80lm::parse_pairs(text, "data.txt");
//   for (auto& issue : set.issues) fmt::print("{}:{}: {}\n", issue.source, issue.line, issue.message);
//
// Rules (the original's §1, made explicit and byte-based):
// - One pair per line; a trailing CR is dropped. Blank lines and lines whose first non-blank
//   character is `#` are skipped silently (counted).
// - The line is split at the FIRST `|`; the response may contain further `|`.
// - Tabs become spaces; both sides are stripped of spaces. The query keeps its case (the
//   encoders fold A-Z); the response is upper-cased (A-Z only), as the model generates it.
// - Rejected with a reported issue (file:line, message), never silently: no `|`, a query
//   shorter than 2 bytes, an empty response, a control byte (< 0x20 or 0x7F) on either side,
//   a response byte >= 0x80 (the Z80 prints 7-bit ASCII). Query bytes >= 0x80 are kept and
//   hashed as bytes, exactly as the Z80 would hash them.
// - Truncation (counted and noted in `cuts`, not an issue): a query over 60 bytes is cut at its
//   last space in bytes 40..59 if there is one, else at 60; a response over 50 likewise with
//   window 30..49. load_pairs prints the first few cuts of each file as `file:line: note:`.
// - A UTF-8 byte order mark at the start of the text is dropped; a line longer than
//   limits::kDataLineBytes is an issue (reported and skipped), and a file longer than
//   limits::kDataFileBytes is refused.
// Not modelled: Unicode case folding or whitespace (bytes are bytes).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace z80lm {

inline constexpr size_t kMaxQueryChars = 60;     // training-data limit (original's rule)
inline constexpr size_t kMaxResponseChars = 50;  // == generation limit

struct Pair {
  std::string query;     // as written, stripped, <= kMaxQueryChars bytes
  std::string response;  // upper-cased printable ASCII, 1..kMaxResponseChars bytes
  int line = 0;          // 1-based line in its source
};

struct ParseIssue {
  std::string source;
  int line = 0;
  std::string message;
};

struct PairSet {
  std::vector<Pair> pairs;
  std::vector<ParseIssue> issues;  // rejected lines
  std::vector<ParseIssue> cuts;    // kept lines whose query or response was cut (what and how much)
  int lines = 0;                   // total lines read
  int skipped = 0;                 // blank and comment lines
  int truncated = 0;               // pairs whose query or response was cut
};

// Parses one text; `source` names it in issues ("-" for stdin is shown as "<stdin>").
PairSet parse_pairs(std::string_view text, const std::string& source);

// Reads and parses files ("-" = stdin), concatenating the pairs. Throws z80lm::Error when a
// file cannot be read, when no valid pair is found at all, or (strict) on the first issue.
// Issues are printed to stderr as `file:line: message` unless `quiet`.
struct LoadOptions {
  bool strict = false;
  bool quiet = false;
};
PairSet load_pairs(const std::vector<std::string>& paths, const LoadOptions& options = {});

// ASCII-only helpers shared by the data tools.
std::string to_upper_ascii(std::string_view s);
std::string to_lower_ascii(std::string_view s);

}  // namespace z80lm
