// template.h — query|response data from a hand-written template file, without an LLM.
//
//   z80lm::TemplateSpec spec = z80lm::parse_template(text, "elephant.facts");  // throws file:line
//   z80lm::TemplateOutput out = z80lm::generate_from_template(spec, spec.options, true);
//   write_file_atomic("pairs.txt", z80lm::format_pairs_text(out.train, header));
//
// The file format (version 1; `z80lm data template --help` prints a summary):
//
//   # A comment: a line whose first non-blank byte is `#`. Blank lines are ignored.
//   [options]                      # key = value, all optional, command-line flags override
//   seed = 7                       # PRNG seed for typos, keyboard mash and class sampling
//   typos = 20                     # percent of phrasings that also get one typo variant
//                                  # (250 = two variants plus a 50 % chance of a third)
//   per_class = 1500               # keep at most this many distinct queries per answer
//   holdout = 10                   # 1 in N distinct queries goes to the held-out set
//   mash = 60                      # defines {mash}: that many keyboard-mash strings
//
//   [list it]                      # a plain list: each line (or `|`-separated entry) is a pattern
//   it | this | the thing
//
//   [list adj]                     # an answered list: ANSWER: pattern | pattern ...
//   YES: big | large | (huge|enormous)
//   NO: small | tiny
//
//   [answer WIN]                   # phrasings whose answer is fixed; may use plain lists
//   i (think|guess) it is an elephant
//
//   [ask]                          # phrasings whose answer comes from the ONE answered list
//   [please] is {it} {adj}[?]      # they use: "is this big" -> YES, "is it tiny?" -> NO
//
// Pattern syntax: `(a|b|c)` one of; `[a]` optional (`[a|b]` = `(|a|b)`: left out first);
// `{name}` every entry of a list; `\x` the byte x literally; a top-level `|` separates
// alternatives; spaces next to `|` are layout. After expansion runs of spaces collapse to one
// and both ends are trimmed.
//
// Generation (deterministic for a seed, identical on every platform — splitmix64, FNV-1a,
// no std distributions):
// 1. Expand every phrasing (at most kMaxExpansions queries per phrasing line).
// 2. Dedupe by folded query (the bytes the model hashes, A-Z folded). Two phrasings that
//    fold to the same query with different answers are an error naming both lines.
// 3. Typos: a phrasing gets `typos`/100 variants, each one edit (drop, swap, double or
//    QWERTY-neighbour substitution of a letter), drawn from a PRNG seeded by (seed, query)
//    so editing one line never changes the typos of another. A typo that folds to an
//    existing query, or to another typo with a different answer, is dropped (counted).
// 4. Balance: a class with more than `per_class` distinct queries keeps `per_class` of them,
//    spread over its items (an answered-list alternative, e.g. "grey"; or, in [answer]
//    blocks, a phrasing line): round robin over the items in seeded order, each item giving
//    first its plainest query (fewest decorations: alternatives other than the first,
//    optional parts included, plain-list entries other than the first, [ask] phrasings other
//    than the first one of that list, typos), then the rest in seeded order
//    (splitmix64(seed ^ FNV-1a(folded query))). Smaller classes are kept whole. Output order
//    is the generation order: by source line, typos after their phrasing.
// 5. Hold-out split (when asked): a query goes to held-out iff FNV-1a(folded query) %
//    holdout == 0 (seed-independent), so a held-out query never occurs in train.
//
// Invariants: every generated query is 2..kMaxQueryChars bytes of printable ASCII without
// `|` (longer expansions are dropped and counted), every answer 1..kMaxResponseChars bytes,
// upper case; no two pairs share a folded query. Errors are z80lm::Error naming
// `file:line` (and column for pattern syntax).
// Not modelled: grammar (a/an, plurals) — write the article into the list entry.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "text/encoder.h"
#include "text/pairs.h"

namespace z80lm {

inline constexpr size_t kMaxExpansions = 200000;  // per phrasing line, to catch runaway patterns
inline constexpr int kTemplateFormatVersion = 1;

struct TemplateOptions {
  uint64_t seed = 1;
  int typo_percent = 0;
  int per_class = 0;       // 0 = keep everything
  int holdout_every = 10;  // 1 in N distinct queries is held out (when splitting)
  int mash = 0;            // size of the built-in {mash} list
};

// One parsed pattern: a sequence of parts; a choice holds alternative sequences.
struct PatternPart {
  enum class Kind { kText, kSlot, kChoice } kind = Kind::kText;
  std::string text;                                    // kText: bytes; kSlot: list name
  std::vector<std::vector<PatternPart>> alternatives;  // kChoice
};
using Pattern = std::vector<PatternPart>;

struct TemplateEntry {
  std::string answer;  // "" in plain lists and [ask] blocks
  Pattern pattern;
  int line = 0;
};

struct TemplateList {
  std::string name;
  bool answered = false;
  std::vector<TemplateEntry> entries;
  int line = 0;
};

struct TemplateBlock {
  std::string answer;  // "" for [ask]
  std::vector<TemplateEntry> phrasings;
  int line = 0;
};

struct TemplateSpec {
  std::string source;  // file name used in messages
  TemplateOptions options;
  std::map<std::string, TemplateList> lists;
  std::vector<TemplateBlock> blocks;
};

// Parses and checks a template file (unknown lists, answered-list use, syntax). Throws
// z80lm::Error("file:line[:col]: ...") on the first problem.
TemplateSpec parse_template(std::string_view text, const std::string& source);

struct TemplateClassCount {
  int available = 0;  // distinct queries before balancing
  int train = 0;
  int heldout = 0;
};

struct TemplateStats {
  int phrasings = 0;      // distinct exact queries
  int duplicates = 0;     // expansions folding to an existing query (same answer)
  int typos = 0;          // typo variants kept (before balancing)
  int typos_dropped = 0;  // typo variants that collided
  int too_long = 0;       // expansions over kMaxQueryChars bytes, dropped
  std::string too_long_example;
  std::map<std::string, TemplateClassCount> classes;
};

struct TemplateOutput {
  std::vector<Pair> train;    // Pair::line = the template line that produced it
  std::vector<Pair> heldout;  // empty unless split
  TemplateStats stats;
};

TemplateOutput generate_from_template(const TemplateSpec& spec, const TemplateOptions& options, bool split);

// True when `query` belongs to the held-out split (FNV-1a 64 of query_key, mod every).
bool is_heldout_query(std::string_view query, int every);

// `query|response` lines, preceded by `header` lines written as `# ...` comments.
std::string format_pairs_text(const std::vector<Pair>& pairs, const std::vector<std::string>& header);

// The best teacher-forced accuracy any model can reach on `pairs`: examples with identical
// encoded inputs (in `encoding`) but different targets can only all be right for one target.
struct DataCeiling {
  size_t examples = 0;
  size_t reachable = 0;       // sum over identical inputs of the most frequent target
  int distinct_queries = 0;   // distinct encoded queries
  int ambiguous_queries = 0;  // encoded queries seen with more than one response
  double accuracy() const { return examples ? double(reachable) / double(examples) : 1.0; }
};
DataCeiling data_ceiling(const std::vector<Pair>& pairs, Encoding encoding = kDefaultEncoding);

}  // namespace z80lm
