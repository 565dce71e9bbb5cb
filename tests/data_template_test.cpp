// Tests of the template engine (src/data/template.h) and `z80lm data template`.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/template.h"
#include "text/encoder.h"
#include "test_support.h"
#include "util/error.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

using test::error_message_of;

std::string parse_error(const std::string& text) {
  return error_message_of([&] { parse_template(text, "t.facts"); });
}

std::vector<std::string> queries_of(const std::vector<Pair>& pairs) {
  std::vector<std::string> out;
  for (const auto& p : pairs) out.push_back(p.query + "|" + p.response);
  return out;
}

TemplateOutput generate(const std::string& text, bool split = false) {
  TemplateSpec spec = parse_template(text, "t.facts");
  return generate_from_template(spec, spec.options, split);
}

TEST(TemplateParse, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(parse_error("[answer HI]\nhello (there\n"), "t.facts:2:7: missing `)`");
  EXPECT_EQ(parse_error("[answer HI]\n  hi ]\n"), "t.facts:2:6: unexpected `]`");
  EXPECT_EQ(parse_error("[answer HI]\nhi {Friend}\n"),
            "t.facts:2:4: bad list name `{Friend}`: use a-z, 0-9 and _");
  EXPECT_EQ(parse_error("[answer HI]\nhi\\\n"), "t.facts:2:3: `\\` at the end of the line escapes nothing");
  EXPECT_EQ(parse_error("[answer HI]\na \\| b\n"),
            "t.facts:2:3: a query cannot contain `|`: the pairs format splits there");
}

TEST(TemplateParse, ErrorsNameFileAndLine) {
  EXPECT_EQ(parse_error("# c\n\nhello\n"), "t.facts:3:1: text before the first section");
  EXPECT_EQ(parse_error("[options]\nseed = 1\nspeed = 2\n"),
            "t.facts:3: unknown option `speed` (known: seed, typos, per_class, holdout, mash)");
  EXPECT_EQ(parse_error("[options]\ntypos = lots\n"),
            "t.facts:2: option `typos` wants a whole number in 0..1000, got `lots`");
  EXPECT_EQ(parse_error("[answer HI]\nhi {friend}\n"), "t.facts:2: unknown list `{friend}`");
  EXPECT_EQ(parse_error("[list a]\nx\n[list a]\ny\n"), "t.facts:3: list `a` is already defined at line 1");
  EXPECT_EQ(parse_error("[list a]\nYES: x\ny\n"),
            "t.facts:3: list `a` mixes answered (`ANSWER: ...`) and plain entries");
  EXPECT_EQ(parse_error("[list a]\n[list b]\nx\n"), "t.facts:1: list `a` is empty");
  EXPECT_EQ(parse_error("[list a]\nYES: x\n[answer NO]\nis it {a}\n"),
            "t.facts:4: [answer NO] phrasings cannot use answered lists");
  EXPECT_EQ(parse_error("[list a]\nx\n[ask]\nis it {a}\n"),
            "t.facts:4: an [ask] phrasing must use exactly one answered list, this one uses 0");
  EXPECT_EQ(parse_error("[answer IDK]\n{mash}\n"),
            "t.facts:2: `{mash}` needs `mash = N` (N > 0) in [options]");
  EXPECT_EQ(parse_error("[list mash]\nx\n"),
            "t.facts:1: `mash` is the built-in keyboard-mash list; choose another name");
  EXPECT_EQ(parse_error("[answer HI]\nhi\x01\n"), "t.facts:2:3: byte 0x01 is not printable ASCII");
  EXPECT_EQ(parse_error("# caf\xC3\xA9 is fine here\n[answer HI]\ncaf\xC3\xA9\n"),
            "t.facts:3:4: byte 0xC3 is not printable ASCII");
}

TEST(TemplateParse, HeadersCommentsAndPatternsStartingWithABracket) {
  TemplateSpec spec = parse_template(
      "# top\n[options]  # settings\nseed = 5 # why not\n[answer hi]\n[oh] hello\n  # indented "
      "comment\n[ask]\n",
      "t");
  EXPECT_EQ(spec.options.seed, 5u);
  ASSERT_EQ(spec.blocks.size(), 2u);
  EXPECT_EQ(spec.blocks[0].answer, "HI");  // answers are upper-cased, as the pairs parser does
  ASSERT_EQ(spec.blocks[0].phrasings.size(), 1u);
  EXPECT_EQ(spec.blocks[0].phrasings[0].line, 5);
  EXPECT_EQ(spec.blocks[1].answer, "");
}

TEST(TemplateExpand, ChoicesOptionalsListsAndSpaces) {
  TemplateOutput out = generate(
      "[list it]\nit | the thing\n[list adj]\nYES: big | (huge|vast)\nNO: small\n"
      "[answer WIN]\n[so] an (elephant|ELEPHANT)\n[ask]\nis {it}  {adj}[?]\n");
  // "an ELEPHANT" folds to "an elephant": one query; typos are off by default.
  EXPECT_EQ(queries_of(out.train),
            (std::vector<std::string>{
                "an elephant|WIN", "so an elephant|WIN", "is it big|YES", "is it big?|YES", "is it huge|YES",
                "is it huge?|YES", "is it vast|YES", "is it vast?|YES", "is it small|NO", "is it small?|NO",
                "is the thing big|YES", "is the thing big?|YES", "is the thing huge|YES",
                "is the thing huge?|YES", "is the thing vast|YES", "is the thing vast?|YES",
                "is the thing small|NO", "is the thing small?|NO"}));
  EXPECT_EQ(out.stats.duplicates, 2);
  EXPECT_EQ(out.train[2].line, 4);  // the answered list entry that gave the answer
  EXPECT_EQ(out.train[0].line, 7);  // "an elephant": leaving the optional part out comes first
}

TEST(TemplateExpand, NamesOfTheSecretWin) {
  TemplateOutput out =
      generate("[list guess]\nWIN: an elephant | elephants\nNO: a giraffe\n[ask]\n(is it|i guess) {guess}\n");
  std::set<std::string> win, no;
  for (const auto& p : out.train) (p.response == "WIN" ? win : no).insert(p.query);
  EXPECT_EQ(win, (std::set<std::string>{"is it an elephant", "is it elephants", "i guess an elephant",
                                        "i guess elephants"}));
  EXPECT_EQ(no, (std::set<std::string>{"is it a giraffe", "i guess a giraffe"}));
}

TEST(TemplateExpand, ConflictingAnswersNameBothLines) {
  EXPECT_EQ(error_message_of([&] {
              generate("[list a]\nYES: grey\nNO: small\n[ask]\nis it {a}\n[answer MAYBE]\nIS IT GREY\n");
            }),
            "t.facts:7: `IS IT GREY` answers MAYBE here but YES at line 2");
}

TEST(TemplateExpand, TooShortIsAnErrorTooLongIsDroppedAndCounted) {
  EXPECT_EQ(error_message_of([&] { generate("[answer OK]\n[k]\n"); }),
            "t.facts:2: an expansion gives the query ``, shorter than 2 bytes");
  std::string long_tail(60, 'x');
  TemplateOutput out = generate("[answer OK]\nok[ " + long_tail + "]\n");
  EXPECT_EQ(queries_of(out.train), std::vector<std::string>{"ok|OK"});
  EXPECT_EQ(out.stats.too_long, 1);
}

TEST(TemplateExpand, AnAskPhrasingMustAlwaysUseItsAnsweredList) {
  EXPECT_EQ(error_message_of([&] { generate("[list a]\nYES: big\n[ask]\nis it [{a}]\n"); }),
            "t.facts:4: an expansion of this [ask] phrasing leaves out its answered list");
}

TEST(TemplateExpand, RunawayExpansionIsRefused) {
  std::string text = "[list x]\nw0";
  for (int i = 1; i < 500; ++i) text += " | w" + std::to_string(i);
  EXPECT_EQ(error_message_of([&] { generate(text + "\n[answer OK]\nok\n{x} {x}\n"); }),  // 250,000 > kMaxExpansions
            "t.facts:5: the phrasing expands to more than 200000 queries");
}

// Golden typos: the PRNG is portable, so these exact strings are the same everywhere.
TEST(TemplateTypos, DeterministicForASeedAndGolden) {
  const std::string text = "[options]\nseed = 1\ntypos = 300\n[answer YES]\nis it big\n";
  TemplateOutput a = generate(text), b = generate(text);
  EXPECT_EQ(queries_of(a.train), queries_of(b.train));
  EXPECT_EQ(queries_of(a.train),
            (std::vector<std::string>{"is it big|YES", "is itt big|YES", "is it nig|YES", "is it bib|YES"}));
  EXPECT_EQ(a.stats.typos, 3);

  TemplateSpec spec = parse_template(text, "t.facts");
  TemplateOptions other = spec.options;
  other.seed = 2;
  EXPECT_NE(queries_of(generate_from_template(spec, other, false).train), queries_of(a.train));
}

TEST(TemplateTypos, OneLineNeverChangesTheTyposOfAnother) {
  const std::string base = "[options]\ntypos = 100\n[answer A]\nhello there\n[answer B]\ngood night\n";
  TemplateOutput alone = generate(base);
  TemplateOutput more = generate(base + "[answer C]\nwhat is this\n");
  std::vector<std::string> first(queries_of(more.train));
  first.resize(alone.train.size());
  EXPECT_EQ(first, queries_of(alone.train));
}

TEST(TemplateTypos, ATypoNeverShadowsARealPhrasing) {
  // With many typo draws some variants of "bat" land on "bt"/"at"-like strings; any that
  // fold to a real phrasing must be dropped instead of re-answered.
  TemplateOutput out = generate("[options]\ntypos = 1000\n[answer A]\nab\n[answer B]\naab\nabb\nba\n");
  std::map<std::string, std::string> answer_of;
  for (const auto& p : out.train) {
    auto [it, fresh] = answer_of.emplace(query_key(p.query), p.response);
    EXPECT_TRUE(fresh) << p.query;
  }
  EXPECT_EQ(answer_of["ab"], "A");
  EXPECT_EQ(answer_of["aab"], "B");
  EXPECT_GT(out.stats.typos_dropped, 0);
}

TEST(TemplateBalance, PerClassCapsBigClassesAndKeepsSmallOnes) {
  std::string text =
      "[options]\nper_class = 10\n[answer BIG]\nq (a|b|c|d|e|f) (g|h|i|j|k)\n[answer SMALL]\nr (a|b|c)\n";
  TemplateOutput out = generate(text);
  EXPECT_EQ(out.stats.classes["BIG"].available, 30);
  EXPECT_EQ(out.stats.classes["BIG"].train, 10);
  EXPECT_EQ(out.stats.classes["SMALL"].train, 3);
  EXPECT_EQ(out.train.size(), 13u);
  // Selection depends on the seed, but is the same for the same seed and keeps source order.
  EXPECT_EQ(queries_of(generate(text).train), queries_of(out.train));
  TemplateSpec spec = parse_template(text, "t.facts");
  TemplateOptions all = spec.options;
  all.per_class = 0;
  std::vector<std::string> full = queries_of(generate_from_template(spec, all, false).train);
  std::vector<std::string> kept = queries_of(out.train);
  EXPECT_EQ(full.size(), 33u);
  EXPECT_TRUE(std::includes(full.begin(), full.end(), kept.begin(), kept.end(),
                            [&](const std::string& a, const std::string& b) {  // subsequence, in source order
                              return std::find(full.begin(), full.end(), a) <
                                     std::find(full.begin(), full.end(), b);
                            }));
}

TEST(TemplateBalance, EveryItemGetsItsPlainPhrasingFirst) {
  TemplateOutput out = generate(
      "[options]\nper_class = 4\n[list it]\nit | this\n[list adj]\nYES: big | huge\nYES: tall\nNO: small\n"
      "[ask]\n[so] is {it} {adj}[?]\nwould you call {it} {adj}\n");
  std::set<std::string> yes, no;
  for (const auto& p : out.train) (p.response == "YES" ? yes : no).insert(p.query);
  EXPECT_EQ(out.stats.classes["YES"].available, 30);
  EXPECT_EQ(yes.size(), 4u);
  for (const char* plain : {"is it big", "is it huge", "is it tall"}) EXPECT_TRUE(yes.count(plain)) << plain;
  EXPECT_EQ(out.stats.classes["NO"].available, 10);
  EXPECT_EQ(no.size(), 4u);
  EXPECT_TRUE(no.count("is it small"));
}

TEST(TemplateHoldout, SplitIsByDistinctFoldedQuery) {
  TemplateOutput out = generate("[answer A]\n(a|b|c|d|e|f|g|h) (i|j|k|l|m|n|o|p) (q|r|s|t)\n", true);
  ASSERT_FALSE(out.heldout.empty());
  std::set<std::string> train;
  for (const auto& p : out.train) train.insert(query_key(p.query));
  for (const auto& p : out.heldout) {
    EXPECT_FALSE(train.count(query_key(p.query))) << p.query;
    EXPECT_TRUE(is_heldout_query(p.query, 10));
    EXPECT_TRUE(is_heldout_query(to_upper_ascii(p.query), 10));  // case never moves a query
  }
  EXPECT_EQ(out.train.size() + out.heldout.size(), 256u);
  EXPECT_EQ(out.stats.classes["A"].heldout, static_cast<int>(out.heldout.size()));
  EXPECT_EQ(out.heldout.size(), 27u);
}

// The split is FNV-1a 64 of the folded query modulo N; pinned with the published FNV-1a test
// vectors fnv1a64("a") = 0xaf63dc4c8601ec8c and fnv1a64("foobar") = 0x85944171f73967e8.
TEST(TemplateHoldout, IsFnv1aOfTheFoldedQueryModN) {
  EXPECT_TRUE(is_heldout_query("a", 2));
  EXPECT_FALSE(is_heldout_query("a", 3));
  EXPECT_FALSE(is_heldout_query("a", 10));  // 0xaf63dc4c8601ec8c % 10 == 6
  EXPECT_TRUE(is_heldout_query("foobar", 3));
  EXPECT_TRUE(is_heldout_query("FooBar", 13));
  EXPECT_TRUE(is_heldout_query("  foobar", 13));  // leading spaces are not hashed by the model
  EXPECT_FALSE(is_heldout_query("foobar", 10));   // % 10 == 8
  EXPECT_FALSE(is_heldout_query("foobar", 11));
}

TEST(TemplateMash, GeneratesDistinctStringsThatYieldToRealPhrasings) {
  TemplateOutput out = generate("[options]\nmash = 50\n[answer HUH]\n{mash}\n");
  EXPECT_EQ(out.train.size(), 50u);
  for (const auto& p : out.train) {
    EXPECT_GE(p.query.size(), 2u);
    EXPECT_LE(p.query.size(), kMaxQueryChars);
  }
  // A real phrasing equal to a mash string takes it over instead of conflicting.
  std::string some_mash = out.train[7].query;
  TemplateOutput both =
      generate("[options]\nmash = 50\n[answer HUH]\n{mash}\n[answer REAL]\n" + some_mash + "\n");
  EXPECT_EQ(both.train.size(), 50u);
  EXPECT_EQ(both.train[7].response, "REAL");
}

TEST(TemplateMash, EveryTenMashStringsCountAsOneItemWhenBalancing) {
  // 100 mash strings = 10 items, plus 2 hand-written lines: a quota of 24 is 2 rounds.
  TemplateOutput out = generate(
      "[options]\nmash = 100\nper_class = 24\n[answer HUH]\n(xyzzy|plugh|frobozz)\n{mash}\nblah (1|2|3)\n");
  int hand_written = 0;
  for (const auto& p : out.train)
    hand_written +=
        p.query == "xyzzy" || p.query == "plugh" || p.query == "frobozz" || p.query.rfind("blah ", 0) == 0;
  EXPECT_EQ(out.train.size(), 24u);
  EXPECT_EQ(hand_written, 4);
}

TEST(DataCeiling, IdenticalInputsWithDifferentTargetsLowerIt) {
  std::vector<Pair> pairs{{"ab", "X", 1}, {"AB", "Y", 2}, {"cd", "X", 3}};
  DataCeiling c = data_ceiling(pairs);
  // Examples: ab->X, ab+X->end, ab->Y, ab+Y->end, cd->X, cd+X->end; "ab"->X/Y collide.
  EXPECT_EQ(c.examples, 6u);
  EXPECT_EQ(c.reachable, 5u);
  EXPECT_EQ(c.distinct_queries, 2);
  EXPECT_EQ(c.ambiguous_queries, 1);
}

TEST(FormatPairs, HeaderCommentsThenLinesThatParseBack) {
  std::vector<Pair> pairs{{"is it big?", "YES", 3}, {"bye", "BYE", 4}};
  std::string text = format_pairs_text(pairs, {"made by a test"});
  EXPECT_EQ(text, "# made by a test\nis it big?|YES\nbye|BYE\n");
  PairSet set = parse_pairs(text, "x");
  ASSERT_EQ(set.pairs.size(), 2u);
  EXPECT_EQ(set.pairs[0].query, "is it big?");
}

TEST(DataTemplateCli, WritesTrainAndHeldOutWithAPathFreeHeader) {
  test::TempDir dir;
  test::write_text(dir.file("t.facts"),
                   "[options]\nseed = 3\n[answer A]\n(a|b|c|d|e|f|g|h) (i|j|k|l|m|n|o|p) (q|r|s|t)\n");
  auto r = test::run_cli("data template '" + dir.file("t.facts") + "' -o '" + dir.file("p.txt") +
                         "' --heldout '" + dir.file("h.txt") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("229 train pairs, 27 held-out"), std::string::npos) << r.out;
  PairSet train = load_pairs({dir.file("p.txt")}, {true, true});
  PairSet held = load_pairs({dir.file("h.txt")}, {true, true});
  EXPECT_EQ(train.pairs.size(), 229u);
  EXPECT_EQ(held.pairs.size(), 27u);
  std::string head = read_file(dir.file("p.txt")).substr(0, 120);
  EXPECT_EQ(head.find(dir.path.string()), std::string::npos);
  EXPECT_EQ(head.rfind("# Generated by `z80lm data template t.facts` (format 1)", 0), 0u) << head;
}

TEST(DataTemplateCli, ParseErrorExitsOneWithFileAndLine) {
  test::TempDir dir;
  test::write_text(dir.file("bad.facts"), "[answer A]\nok (yes\n");
  auto r = test::run_cli("data template '" + dir.file("bad.facts") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error: " + dir.file("bad.facts") + ":2:4: missing `)`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: "), std::string::npos);
}

TEST(DataTemplateCli, CommandLineOverridesTheOptionsSection) {
  test::TempDir dir;
  test::write_text(dir.file("t.facts"), "[options]\nper_class = 2\n[answer A]\n(a|b|c|d) x\n");
  auto r = test::run_cli("data template -q --per-class 3 '" + dir.file("t.facts") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(parse_pairs(r.out, "out").pairs.size(), 3u);
}

}  // namespace
}  // namespace z80lm
