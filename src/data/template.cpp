#include "data/template.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "text/charset.h"
#include "text/encoder.h"
#include "text/examples.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/rng.h"

namespace z80lm {

namespace {

// ---------------------------------------------------------------- hashing and PRNG
// Portable on purpose: the committed example data must regenerate byte for byte anywhere.

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Uniform enough for data variation (the modulo bias of a 64-bit draw is negligible) and,
// above all, the same on every platform.
uint64_t draw_below(uint64_t& state, uint64_t n) {
  return splitmix64(state) % n;
}

// ---------------------------------------------------------------- parsing

const char* const kFormatHint = "see the file format in `z80lm data template --help` or src/data/template.h";

struct LineReader {
  const std::string& source;
  int line = 0;
  [[noreturn]] void fail(const std::string& message, int column = 0,
                         const std::string& hint = kFormatHint) const {
    std::string where =
        column > 0 ? fmt::format("{}:{}:{}", source, line, column) : fmt::format("{}:{}", source, line);
    throw Error(fmt::format("{}: {}", where, message), hint);
  }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Recursive-descent parser for one pattern; `column_base` is the pattern's 1-based column.
class PatternParser {
 public:
  PatternParser(std::string_view text, const LineReader& where, int column_base)
      : s_(text), where_(where), column_base_(column_base) {}

  Pattern parse() {
    std::vector<Pattern> alternatives = parse_alternatives('\0');
    if (alternatives.size() == 1) return std::move(alternatives[0]);
    PatternPart choice;
    choice.kind = PatternPart::Kind::kChoice;
    choice.alternatives = std::move(alternatives);
    return Pattern{std::move(choice)};
  }

 private:
  std::vector<Pattern> parse_alternatives(char close) {
    std::vector<Pattern> alternatives;
    // Spaces next to `|` are layout, not text: `big | (huge|enormous)`.
    while (true) {
      alternatives.push_back(parse_sequence(close));
      if (pos_ < s_.size() && s_[pos_] == '|') {
        drop_trailing_spaces(alternatives.back());
        ++pos_;
        while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
        continue;
      }
      break;
    }
    if (alternatives.size() > 1) drop_trailing_spaces(alternatives.back());
    if (close != '\0') {
      if (pos_ >= s_.size()) fail(fmt::format("missing `{}`", close), open_column_);
      ++pos_;  // the closing byte
    }
    return alternatives;
  }

  Pattern parse_sequence(char close) {
    Pattern seq;
    auto add_text = [&](char c) {
      if (seq.empty() || seq.back().kind != PatternPart::Kind::kText) seq.push_back({});
      seq.back().text += c;
    };
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '|' || (close != '\0' && c == close)) break;
      if (c == ')' || c == ']' || c == '}') fail(fmt::format("unexpected `{}`", c), column());
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) fail("`\\` at the end of the line escapes nothing", column());
        char e = s_[pos_ + 1];
        if (e == '|') fail("a query cannot contain `|`: the pairs format splits there", column());
        add_text(e);
        pos_ += 2;
      } else if (c == '(' || c == '[') {
        if (depth_ == limits::kTemplateNesting)
          fail(fmt::format("`{}` nested more than {} deep", c, limits::kTemplateNesting), column());
        ++depth_;
        int saved_open = open_column_;
        open_column_ = column();
        ++pos_;
        PatternPart choice;
        choice.kind = PatternPart::Kind::kChoice;
        choice.alternatives = parse_alternatives(c == '(' ? ')' : ']');
        // Optional = an empty first alternative: leaving it out is the plain form (cost 0).
        if (c == '[') choice.alternatives.insert(choice.alternatives.begin(), Pattern{});
        open_column_ = saved_open;
        --depth_;
        seq.push_back(std::move(choice));
      } else if (c == '{') {
        int start_column = column();
        size_t end = s_.find('}', pos_);
        if (end == std::string_view::npos) fail("missing `}`", start_column);
        std::string name(s_.substr(pos_ + 1, end - pos_ - 1));
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char))
          fail(fmt::format("bad list name `{{{}}}`: use a-z, 0-9 and _", name), start_column);
        PatternPart slot;
        slot.kind = PatternPart::Kind::kSlot;
        slot.text = name;
        seq.push_back(std::move(slot));
        pos_ = end + 1;
      } else {
        add_text(c);
        ++pos_;
      }
    }
    return seq;
  }

  static void drop_trailing_spaces(Pattern& seq) {
    if (seq.empty() || seq.back().kind != PatternPart::Kind::kText) return;
    std::string& t = seq.back().text;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    if (t.empty()) seq.pop_back();
  }

  int column() const { return column_base_ + static_cast<int>(pos_); }
  [[noreturn]] void fail(const std::string& message, int column) const { where_.fail(message, column); }

  std::string_view s_;
  const LineReader& where_;
  int column_base_;
  size_t pos_ = 0;
  int open_column_ = 0;
  size_t depth_ = 0;  // open `(` and `[`: bounded, so recursion (here and in expansion) is too
};

// "YES: big | large" -> answer "YES", pattern text "big | large". The answer is what
// precedes the first `:` when it has no lower-case letter and no pattern syntax and the
// colon ends the line or is followed by a space.
bool split_answer(std::string_view line, std::string& answer, std::string_view& rest) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (colon + 1 < line.size() && line[colon + 1] != ' ') return false;
  std::string_view head = line.substr(0, colon);
  for (char c : head)
    if ((c >= 'a' && c <= 'z') || std::string_view("()[]{}|\\").find(c) != std::string_view::npos)
      return false;
  answer = std::string(trim(head));
  rest = trim(line.substr(colon + 1));
  return !answer.empty();
}

void check_answer(const std::string& answer, const LineReader& where) {
  if (answer.empty()) where.fail("empty answer");
  if (answer.size() > kMaxResponseChars)
    where.fail(fmt::format("answer `{}` is longer than {} bytes", answer, kMaxResponseChars));
  for (unsigned char c : answer)
    if (c < 0x20 || c > 0x7E || c == '|')
      where.fail(
          fmt::format("answer `{}` has a byte the Z80 cannot print or the pairs format splits at", answer));
}

// Section header: the whole line is `[options]`, `[ask]`, `[list NAME]` or `[answer TEXT]`
// (a trailing `# comment` allowed). Anything else starting with `[` is a pattern.
bool parse_header(std::string_view line, std::string& kind, std::string& arg) {
  if (line.empty() || line.front() != '[') return false;
  size_t close = line.find(']');
  if (close == std::string_view::npos) return false;
  std::string_view after = trim(line.substr(close + 1));
  if (!after.empty() && after.front() != '#') return false;
  std::string_view inside = trim(line.substr(1, close - 1));
  size_t space = inside.find(' ');
  kind = std::string(inside.substr(0, space));
  arg = space == std::string_view::npos ? "" : std::string(trim(inside.substr(space + 1)));
  if (kind == "options" || kind == "ask") return arg.empty();
  return (kind == "list" || kind == "answer") && !arg.empty();
}

int parse_int_option(std::string_view key, std::string_view value, const LineReader& where, int64_t lo,
                     int64_t hi, uint64_t* wide = nullptr) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || int64_t(v) < lo ||
      (hi >= 0 && int64_t(v) > hi))
    where.fail(fmt::format("option `{}` wants a whole number in {}..{}, got `{}`", key, lo,
                           hi < 0 ? "2^64-1" : std::to_string(hi), value));
  if (wide) *wide = v;
  return static_cast<int>(v);
}

void parse_option(std::string_view line, TemplateOptions& o, const LineReader& where) {
  if (size_t hash = line.find('#'); hash != std::string_view::npos) line = trim(line.substr(0, hash));
  size_t eq = line.find('=');
  if (eq == std::string_view::npos)
    where.fail(fmt::format("expected `key = value` in [options], got `{}`", line));
  std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
  if (key == "seed")
    parse_int_option(key, value, where, 0, -1, &o.seed);
  else if (key == "typos")
    o.typo_percent = parse_int_option(key, value, where, 0, 1000);
  else if (key == "per_class")
    o.per_class = parse_int_option(key, value, where, 0, 10000000);
  else if (key == "holdout")
    o.holdout_every = parse_int_option(key, value, where, 2, 1000);
  else if (key == "mash")
    o.mash = parse_int_option(key, value, where, 0, 100000);
  else
    where.fail(fmt::format("unknown option `{}` (known: seed, typos, per_class, holdout, mash)", key));
}

void collect_slots(const Pattern& p, std::vector<std::string>& out) {
  for (const auto& part : p) {
    if (part.kind == PatternPart::Kind::kSlot) out.push_back(part.text);
    for (const auto& alt : part.alternatives) collect_slots(alt, out);
  }
}

const char* const kMashList = "mash";
// When balancing, every kMashPerGroup keyboard-mash strings count as one item, so a
// catch-all block gets a fair share of mash next to its hand-written lines.
constexpr size_t kMashPerGroup = 10;

// Cross-references: every slot names a list; lists use no slots; [ask] phrasings use exactly
// one answered list, [answer] phrasings none.
void check_references(const TemplateSpec& spec, LineReader& where) {
  for (const auto& [name, list] : spec.lists) {
    for (const auto& entry : list.entries) {
      std::vector<std::string> slots;
      collect_slots(entry.pattern, slots);
      where.line = entry.line;
      if (!slots.empty()) where.fail(fmt::format("list entries cannot use lists (`{{{}}}`)", slots[0]));
    }
  }
  for (const auto& block : spec.blocks) {
    for (const auto& phrasing : block.phrasings) {
      where.line = phrasing.line;
      std::vector<std::string> slots;
      collect_slots(phrasing.pattern, slots);
      int answered = 0;
      for (const auto& name : slots) {
        if (name == kMashList) {
          if (spec.options.mash == 0) where.fail("`{mash}` needs `mash = N` (N > 0) in [options]");
          continue;
        }
        auto it = spec.lists.find(name);
        if (it == spec.lists.end()) where.fail(fmt::format("unknown list `{{{}}}`", name));
        answered += it->second.answered;
      }
      if (block.answer.empty() && answered != 1)
        where.fail(
            fmt::format("an [ask] phrasing must use exactly one answered list, this one uses {}", answered),
            0, "put phrasings with a fixed answer under [answer ANSWER]");
      if (!block.answer.empty() && answered != 0)
        where.fail(fmt::format("[answer {}] phrasings cannot use answered lists", block.answer), 0,
                   "move the phrasing to [ask], where the answer comes from the list");
    }
  }
}

}  // namespace

TemplateSpec parse_template(std::string_view text, const std::string& source) {
  TemplateSpec spec;
  spec.source = source;
  LineReader where{source};
  enum class Section { kNone, kOptions, kList, kBlock } section = Section::kNone;
  TemplateList* list = nullptr;
  bool options_seen = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string raw(text.substr(pos, end - pos));
    pos = end + 1;
    ++where.line;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    for (char& c : raw)
      if (c == '\t') c = ' ';
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;  // comments may hold any bytes
    for (size_t i = 0; i < raw.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(raw[i]);
      if (c < 0x20 || c >= 0x7F)
        where.fail(fmt::format("byte 0x{:02X} is not printable ASCII", c), int(i) + 1,
                   "queries and answers are 7-bit ASCII: the Z80 folds only A-Z");
    }
    const int indent = static_cast<int>(raw.find_first_not_of(' '));

    std::string kind, arg;
    if (parse_header(line, kind, arg)) {
      list = nullptr;
      if (kind == "options") {
        if (options_seen) where.fail("a second [options] section");
        options_seen = true;
        section = Section::kOptions;
      } else if (kind == "list") {
        if (!std::all_of(arg.begin(), arg.end(), is_name_char))
          where.fail(fmt::format("bad list name `{}`: use a-z, 0-9 and _", arg));
        if (arg == kMashList) where.fail("`mash` is the built-in keyboard-mash list; choose another name");
        if (spec.lists.count(arg))
          where.fail(fmt::format("list `{}` is already defined at line {}", arg, spec.lists[arg].line));
        list = &spec.lists[arg];
        list->name = arg;
        list->line = where.line;
        section = Section::kList;
      } else {
        std::string answer = kind == "answer" ? to_upper_ascii(arg) : "";
        if (kind == "answer") check_answer(answer, where);
        spec.blocks.push_back({answer, {}, where.line});
        section = Section::kBlock;
      }
      continue;
    }

    switch (section) {
      case Section::kNone:
        where.fail("text before the first section", indent + 1,
                   "start with [options], [list NAME], [answer ANSWER] or [ask]");
      case Section::kOptions:
        parse_option(line, spec.options, where);
        break;
      case Section::kList: {
        std::string answer;
        std::string_view rest = line;
        bool has_answer = split_answer(line, answer, rest);
        if (list->entries.empty()) list->answered = has_answer;
        if (has_answer != list->answered)
          where.fail(fmt::format("list `{}` mixes answered (`ANSWER: ...`) and plain entries", list->name));
        if (has_answer) check_answer(to_upper_ascii(answer), where);
        if (rest.empty()) where.fail("empty list entry");
        int column = indent + 1 + static_cast<int>(rest.data() - line.data());
        list->entries.push_back(
            {to_upper_ascii(answer), PatternParser(rest, where, column).parse(), where.line});
        break;
      }
      case Section::kBlock:
        spec.blocks.back().phrasings.push_back(
            {"", PatternParser(line, where, indent + 1).parse(), where.line});
        break;
    }
  }
  for (const auto& [name, l] : spec.lists)
    if (l.entries.empty()) {
      where.line = l.line;
      where.fail(fmt::format("list `{}` is empty", name));
    }
  check_references(spec, where);
  return spec;
}

// ---------------------------------------------------------------- generation

bool is_heldout_query(std::string_view query, int every) {
  return every > 0 && fnv1a64(query_key(query)) % static_cast<uint64_t>(every) == 0;
}

namespace {

struct Expansion {
  std::string text;
  const TemplateEntry* answered = nullptr;  // the answered list entry used, if any
  int item = 0;                             // which top-level alternative of that entry,
                                            // or which group of mash strings
  bool soft = false;                        // from {mash}: yields to real phrasings
  int cost = 0;                             // decorations: alternatives other than the first
};

const char* const kKeyboardRows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};

// Letters next to `c` on a QWERTY keyboard (same row left/right, rows above/below at the
// same index): the substitution typo. Empty for non-letters.
std::string qwerty_neighbours(char c) {
  std::string out;
  for (int r = 1; r < 4; ++r) {
    std::string_view row = kKeyboardRows[r];
    size_t i = row.find(c);
    if (i == std::string_view::npos) continue;
    if (i > 0) out += row[i - 1];
    if (i + 1 < row.size()) out += row[i + 1];
    for (int other : {r - 1, r + 1}) {
      if (other < 1 || other > 3) continue;
      std::string_view o = kKeyboardRows[other];
      if (i < o.size()) out += o[i];
    }
  }
  return out;
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// One random edit of a letter; returns `q` unchanged when the draw made no difference.
std::string one_typo(const std::string& q, uint64_t& state) {
  std::vector<size_t> letters;
  for (size_t i = 0; i < q.size(); ++i)
    if (is_letter(q[i])) letters.push_back(i);
  if (letters.empty()) return q;
  size_t i = letters[draw_below(state, letters.size())];
  std::string t = q;
  switch (draw_below(state, 4)) {
    case 0:  // drop
      t.erase(i, 1);
      break;
    case 1:  // swap with the next letter
      if (i + 1 < t.size() && is_letter(t[i + 1])) std::swap(t[i], t[i + 1]);
      break;
    case 2:  // double
      t.insert(i, 1, t[i]);
      break;
    default: {  // neighbouring key, keeping the case
      char lower = static_cast<char>(fold_case(static_cast<uint8_t>(t[i])));
      std::string near = qwerty_neighbours(lower);
      if (near.empty()) break;
      char n = near[draw_below(state, near.size())];
      t[i] = (t[i] >= 'A' && t[i] <= 'Z') ? static_cast<char>(n - 'a' + 'A') : n;
    }
  }
  return t;
}

bool valid_query(std::string_view q) {
  return q.size() >= 2 && q.size() <= kMaxQueryChars;
}

std::vector<std::string> typo_variants(const std::string& q, uint64_t seed, int percent) {
  uint64_t state = seed ^ fnv1a64(query_key(q));
  int n = percent / 100 + (static_cast<int>(draw_below(state, 100)) < percent % 100 ? 1 : 0);
  std::vector<std::string> out;
  for (int attempt = 0; attempt < 4 * n && static_cast<int>(out.size()) < n; ++attempt) {
    std::string t = one_typo(q, state);
    if (t == q || !valid_query(trim(t)) || std::find(out.begin(), out.end(), t) != out.end()) continue;
    out.push_back(t);
  }
  return out;
}

// Deterministic keyboard mash: random letters, runs along a keyboard row, repeated
// syllables, and two short mashed words.
std::vector<std::string> keyboard_mash(int count, uint64_t seed) {
  uint64_t state = seed ^ 0x6d6173686d617368ull;  // "mashmash"
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto random_letters = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + draw_below(state, 26));
    return s;
  };
  for (int guard = 0; static_cast<int>(out.size()) < count && guard < count * 20; ++guard) {
    std::string s;
    switch (draw_below(state, 4)) {
      case 0:
        s = random_letters(3 + draw_below(state, 7));
        break;
      case 1: {
        std::string_view row = kKeyboardRows[draw_below(state, 4)];
        size_t len = 3 + draw_below(state, std::min<size_t>(5, row.size() - 2));
        size_t start = draw_below(state, row.size() - len + 1);
        s = std::string(row.substr(start, len));
        if (draw_below(state, 2)) std::reverse(s.begin(), s.end());
        break;
      }
      case 2: {
        std::string chunk = random_letters(1 + draw_below(state, 3));
        for (uint64_t k = 2 + draw_below(state, 3); k > 0; --k) s += chunk;
        break;
      }
      default:
        s = random_letters(2 + draw_below(state, 4)) + " " + random_letters(2 + draw_below(state, 4));
    }
    if (valid_query(s) && seen.insert(s).second) out.push_back(s);
  }
  return out;
}

class Expander {
 public:
  Expander(const TemplateSpec& spec, const TemplateOptions& options) : spec_(spec) {
    std::vector<std::string> mash = keyboard_mash(options.mash, options.seed);
    for (size_t i = 0; i < mash.size(); ++i)
      mash_.push_back({mash[i], nullptr, static_cast<int>(i / kMashPerGroup), true, 0});
  }

  std::vector<Expansion> phrasing(const TemplateEntry& e) {
    line_ = e.line;
    return sequence(e.pattern);
  }

 private:
  std::vector<Expansion> sequence(const Pattern& p) {
    std::vector<Expansion> cur{Expansion{}};
    for (const auto& part : p) {
      std::vector<Expansion> options = part_expansions(part);
      if (cur.size() * options.size() > kMaxExpansions)
        throw Error(fmt::format("{}:{}: the phrasing expands to more than {} queries", spec_.source, line_,
                                kMaxExpansions),
                    "split it into several lines or use fewer alternatives");
      std::vector<Expansion> next;
      next.reserve(cur.size() * options.size());
      for (const auto& a : cur)
        for (const auto& b : options)
          next.push_back({a.text + b.text, a.answered ? a.answered : b.answered,
                          (a.answered || a.soft) ? a.item : b.item, a.soft || b.soft, a.cost + b.cost});
      cur = std::move(next);
    }
    return cur;
  }

  std::vector<Expansion> part_expansions(const PatternPart& part) {
    std::vector<Expansion> out;
    switch (part.kind) {
      case PatternPart::Kind::kText:
        out.push_back({part.text, nullptr, 0, false, 0});
        return out;
      case PatternPart::Kind::kChoice:
        for (size_t i = 0; i < part.alternatives.size(); ++i)
          for (auto& e : sequence(part.alternatives[i])) {
            e.cost += i > 0;
            out.push_back(std::move(e));
          }
        return out;
      case PatternPart::Kind::kSlot:
        if (part.text == kMashList) return mash_;
        if (auto it = list_cache_.find(part.text); it != list_cache_.end()) return it->second;
        return list_cache_[part.text] = list_expansions(spec_.lists.at(part.text));
    }
    return out;
  }

  // A plain list's first entry is its plain form; in an answered list every top-level
  // alternative of an entry is one item ("YES: big | large": two items), its own group.
  std::vector<Expansion> list_expansions(const TemplateList& list) {
    std::vector<Expansion> out;
    for (size_t i = 0; i < list.entries.size(); ++i) {
      const TemplateEntry& entry = list.entries[i];
      if (!list.answered) {
        for (auto& e : sequence(entry.pattern)) {
          e.cost += i > 0;
          out.push_back(std::move(e));
        }
        continue;
      }
      const Pattern& p = entry.pattern;
      const bool several = p.size() == 1 && p[0].kind == PatternPart::Kind::kChoice;
      const std::vector<Pattern> single{p};
      const std::vector<Pattern>& items = several ? p[0].alternatives : single;
      for (size_t k = 0; k < items.size(); ++k)
        for (auto& e : sequence(items[k])) {
          e.answered = &entry;
          e.item = static_cast<int>(k);
          out.push_back(std::move(e));
        }
    }
    return out;
  }

  const TemplateSpec& spec_;
  std::vector<Expansion> mash_;
  std::map<std::string, std::vector<Expansion>> list_cache_;
  int line_ = 0;
};

std::string normalize_spaces(std::string_view s) {
  std::string out;
  for (char c : trim(s)) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

struct Candidate {
  std::string query, answer, key;
  int line = 0;
  bool soft = false;
  int cost = 0;
  uint64_t group = 0;         // balancing group: the answered list item, or the phrasing line
  std::vector<size_t> typos;  // indexes into the typo table
  uint64_t rank = 0;          // seeded order for balancing, set before balancing
};

// The answered list an [ask] phrasing uses ("" for [answer] phrasings).
std::string answered_list_of(const TemplateSpec& spec, const TemplateEntry& phrasing) {
  std::vector<std::string> slots;
  collect_slots(phrasing.pattern, slots);
  for (const auto& name : slots)
    if (auto it = spec.lists.find(name); it != spec.lists.end() && it->second.answered) return name;
  return "";
}

uint64_t rank_of(uint64_t seed, std::string_view key) {
  uint64_t state = seed ^ fnv1a64(key);
  return splitmix64(state);
}

// Chooses `quota` of `members` (indexes into `all`, one class): round robin over the groups
// in seeded order; each group gives its plainest member first (lowest cost, then rank),
// then the others in seeded order. Every item gets represented before any gets a second
// phrasing, and the plain phrasing of an item is the likeliest to be there.
std::vector<size_t> balanced_choice(const std::vector<Candidate>& all, const std::vector<size_t>& members,
                                    size_t quota, uint64_t seed) {
  std::map<uint64_t, std::vector<size_t>> by_group;
  for (size_t i : members) by_group[all[i].group].push_back(i);
  std::vector<std::pair<uint64_t, std::vector<size_t>>> groups;
  for (auto& [name, list] : by_group) {
    std::sort(list.begin(), list.end(), [&](size_t a, size_t b) { return all[a].rank < all[b].rank; });
    auto plainest = std::min_element(list.begin(), list.end(), [&](size_t a, size_t b) {
      return all[a].cost != all[b].cost ? all[a].cost < all[b].cost : all[a].rank < all[b].rank;
    });
    std::rotate(list.begin(), plainest, plainest + 1);
    uint64_t state = seed ^ name;
    groups.push_back({splitmix64(state), std::move(list)});
  }
  std::sort(groups.begin(), groups.end());
  std::vector<size_t> chosen;
  for (size_t round = 0; chosen.size() < quota; ++round) {
    bool any = false;
    for (const auto& [rank, list] : groups) {
      if (round >= list.size() || chosen.size() >= quota) continue;
      chosen.push_back(list[round]);
      any = true;
    }
    if (!any) break;
  }
  return chosen;
}

}  // namespace

TemplateOutput generate_from_template(const TemplateSpec& spec, const TemplateOptions& options, bool split) {
  TemplateOutput out;
  TemplateStats& st = out.stats;
  Expander expander(spec, options);

  // 1-2. Exact phrasings, deduped by folded query; conflicting answers are an error.
  std::vector<Candidate> exact;
  std::unordered_map<std::string, size_t> exact_index;
  exact_index.reserve(1 << 16);
  std::set<std::string> lists_asked;  // an answered list's first [ask] phrasing is its plain form
  for (const auto& block : spec.blocks) {
    for (const auto& phrasing : block.phrasings) {
      const std::string asked = answered_list_of(spec, phrasing);
      const int template_cost = !asked.empty() && !lists_asked.insert(asked).second;
      const uint64_t phrasing_group = uint64_t(1) << 63 | uint64_t(phrasing.line);
      for (auto& e : expander.phrasing(phrasing)) {
        std::string query = normalize_spaces(e.text);
        if (!e.answered && block.answer.empty())
          throw Error(fmt::format("{}:{}: an expansion of this [ask] phrasing leaves out its answered list",
                                  spec.source, phrasing.line),
                      "do not put the answered list inside an optional part");
        const std::string& answer = e.answered ? e.answered->answer : block.answer;
        const int line = e.answered ? e.answered->line : phrasing.line;
        if (query.size() < 2)
          throw Error(fmt::format("{}:{}: an expansion gives the query `{}`, shorter than 2 bytes",
                                  spec.source, phrasing.line, query),
                      "make the optional parts non-optional");
        if (query.size() > kMaxQueryChars) {
          if (st.too_long++ == 0)
            st.too_long_example = fmt::format("{}:{}: {}", spec.source, phrasing.line, query);
          continue;
        }
        std::string key = query_key(query);
        auto [it, fresh] = exact_index.try_emplace(key, exact.size());
        Candidate c{query,
                    answer,
                    key,
                    line,
                    e.soft,
                    e.cost + template_cost,
                    e.answered ? uint64_t(e.answered->line) << 20 | uint64_t(e.item)
                    : e.soft   ? phrasing_group | uint64_t(1) << 62 | uint64_t(e.item) << 20
                               : phrasing_group,
                    {}};
        if (fresh) {
          exact.push_back(std::move(c));
          continue;
        }
        Candidate& first = exact[it->second];
        if (first.answer == answer) {
          ++st.duplicates;
          first.cost = std::min(first.cost, c.cost);
        } else if (e.soft) {
          ++st.duplicates;  // keyboard mash never overrides a real phrasing
        } else if (first.soft) {
          first = std::move(c);
        } else {
          throw Error(fmt::format("{}:{}: `{}` answers {} here but {} at line {}", spec.source, line, query,
                                  answer, first.answer, first.line),
                      "one query, one answer: remove or reword one of them");
        }
      }
    }
  }
  st.phrasings = static_cast<int>(exact.size());

  // 3. Typo variants, owned by the first phrasing that produced them.
  struct Typo {
    std::string query;
    size_t owner;
    bool conflict = false;
  };
  std::vector<Typo> typos;
  std::unordered_map<std::string, size_t> typo_index;
  if (options.typo_percent > 0) {
    for (size_t i = 0; i < exact.size(); ++i) {
      if (exact[i].soft) continue;
      for (auto& t : typo_variants(exact[i].query, options.seed, options.typo_percent)) {
        std::string key = query_key(t);
        if (exact_index.count(key)) {
          ++st.typos_dropped;
          continue;
        }
        auto [it, fresh] = typo_index.try_emplace(key, typos.size());
        if (fresh) {
          typos.push_back({t, i});
          exact[i].typos.push_back(it->second);
        } else if (exact[typos[it->second].owner].answer != exact[i].answer) {
          typos[it->second].conflict = true;
        }
      }
    }
  }

  std::vector<Candidate> all;  // generation order: each phrasing, then its typos
  for (auto& c : exact) {
    std::vector<size_t> own = c.typos;
    all.push_back(c);
    for (size_t t : own) {
      if (typos[t].conflict) {
        ++st.typos_dropped;
        continue;
      }
      all.push_back(
          {typos[t].query, c.answer, query_key(typos[t].query), c.line, false, c.cost + 1, c.group, {}});
      ++st.typos;
    }
  }

  // 4. Balance: at most per_class queries per answer, spread over the answer's items.
  std::map<std::string, std::vector<size_t>> by_class;
  for (size_t i = 0; i < all.size(); ++i) by_class[all[i].answer].push_back(i);
  std::vector<bool> keep(all.size(), true);
  for (auto& [answer, members] : by_class) {
    st.classes[answer].available = static_cast<int>(members.size());
    if (options.per_class <= 0 || members.size() <= static_cast<size_t>(options.per_class)) continue;
    for (size_t i : members) all[i].rank = rank_of(options.seed, all[i].key);
    for (size_t i : members) keep[i] = false;
    for (size_t i : balanced_choice(all, members, static_cast<size_t>(options.per_class), options.seed))
      keep[i] = true;
  }

  // 5. Split by distinct folded query.
  for (size_t i = 0; i < all.size(); ++i) {
    if (!keep[i]) continue;
    Pair p{all[i].query, all[i].answer, all[i].line};
    TemplateClassCount& count = st.classes[p.response];
    if (split && is_heldout_query(p.query, options.holdout_every)) {
      out.heldout.push_back(std::move(p));
      ++count.heldout;
    } else {
      out.train.push_back(std::move(p));
      ++count.train;
    }
  }
  return out;
}

std::string format_pairs_text(const std::vector<Pair>& pairs, const std::vector<std::string>& header) {
  std::string text;
  for (const auto& h : header) text += "# " + h + "\n";
  for (const auto& p : pairs) text += p.query + "|" + p.response + "\n";
  return text;
}

DataCeiling data_ceiling(const std::vector<Pair>& pairs, Encoding encoding) {
  DataCeiling c;
  if (pairs.empty()) return c;
  ExampleSet ex = build_examples(pairs, build_charset(pairs), encoding);
  c.examples = ex.count;
  auto row_bytes = [&](size_t i, size_t from, size_t n) {
    return std::string(reinterpret_cast<const char*>(&ex.inputs[i * static_cast<size_t>(ex.n_in) + from]),
                       n * sizeof(int16_t));
  };
  std::unordered_map<std::string, std::map<int32_t, size_t>> targets_of;  // input -> target -> count
  std::unordered_map<std::string, std::set<std::string>> responses_of;    // encoded query -> responses
  for (size_t i = 0; i < ex.count; ++i) {
    ++targets_of[row_bytes(i, 0, static_cast<size_t>(ex.n_in))][ex.targets[i]];
    responses_of[row_bytes(i, 0, static_cast<size_t>(query_buckets(encoding)))].insert(
        pairs[ex.pair_of[i]].response);
  }
  for (const auto& [input, counts] : targets_of) {
    size_t best = 0;
    for (const auto& [target, n] : counts) best = std::max(best, n);
    c.reachable += best;
  }
  c.distinct_queries = static_cast<int>(responses_of.size());
  for (const auto& [q, responses] : responses_of) c.ambiguous_queries += responses.size() > 1;
  return c;
}

}  // namespace z80lm
