// `data balance`: exact class counts, sampling rules, determinism for a seed.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "data/balance.h"
#include "test_support.h"
#include "util/file_io.h"

namespace z80lm {

namespace {

// 9 NO, 4 YES, 2 MAYBE, 1 WIN; every query unique so pairs can be told apart.
std::vector<Pair> fixture() {
  std::vector<Pair> pairs;
  auto add = [&](const std::string& answer, int n) {
    for (int i = 0; i < n; ++i)
      pairs.push_back({to_lower_ascii(answer) + " " + std::to_string(i), answer, 0});
  };
  add("NO", 9);
  add("YES", 4);
  add("MAYBE", 2);
  add("WIN", 1);
  return pairs;
}

std::map<std::string, int> class_counts(const std::vector<Pair>& pairs) {
  std::map<std::string, int> counts;
  for (const auto& p : pairs) ++counts[p.response];
  return counts;
}

std::vector<std::string> queries(const std::vector<Pair>& pairs) {
  std::vector<std::string> out;
  for (const auto& p : pairs) out.push_back(p.query);
  return out;
}

}  // namespace

TEST(DataBalance, DefaultTargetIsTheSmallestClass) {
  auto r = balance_pairs(fixture(), {});
  EXPECT_EQ(r.target, 1);
  EXPECT_EQ(class_counts(r.pairs),
            (std::map<std::string, int>{{"MAYBE", 1}, {"NO", 1}, {"WIN", 1}, {"YES", 1}}));
}

TEST(DataBalance, UndersamplesWithoutReplacementAndKeepsSmallClasses) {
  auto r = balance_pairs(fixture(), {3, false, 42});
  EXPECT_EQ(class_counts(r.pairs),
            (std::map<std::string, int>{{"MAYBE", 2}, {"NO", 3}, {"WIN", 1}, {"YES", 3}}));
  auto q = queries(r.pairs);
  EXPECT_EQ(std::set<std::string>(q.begin(), q.end()).size(), q.size()) << "no pair drawn twice";
  ASSERT_EQ(r.classes.size(), 4u);
  EXPECT_EQ(r.classes[0].response, "NO");
  EXPECT_EQ(r.classes[0].before, 9);
  EXPECT_EQ(r.classes[0].after, 3);
}

TEST(DataBalance, OversampleMakesEveryClassExactlyTargetKeepingAllOriginals) {
  auto r = balance_pairs(fixture(), {5, true, 42});
  EXPECT_EQ(class_counts(r.pairs),
            (std::map<std::string, int>{{"MAYBE", 5}, {"NO", 5}, {"WIN", 5}, {"YES", 5}}));
  auto q = queries(r.pairs);
  std::set<std::string> distinct(q.begin(), q.end());
  for (const char* original : {"yes 0", "yes 1", "yes 2", "yes 3", "maybe 0", "maybe 1", "win 0"})
    EXPECT_TRUE(distinct.count(original)) << original;
}

TEST(DataBalance, DeterministicGoldenOrderForSeed42) {
  auto r = balance_pairs(fixture(), {2, false, 42});
  // Pinned by an independent Python transcription of the algorithm; the PRNG is portable,
  // so this order must hold on every platform.
  EXPECT_EQ(queries(r.pairs),
            (std::vector<std::string>{"yes 1", "no 6", "maybe 1", "no 7", "yes 3", "maybe 0", "win 0"}));
  EXPECT_EQ(queries(balance_pairs(fixture(), {2, false, 42}).pairs), queries(r.pairs));
  EXPECT_NE(queries(balance_pairs(fixture(), {2, false, 43}).pairs), queries(r.pairs));
}

TEST(DataBalance, OutputIsShuffled) {
  auto r = balance_pairs(fixture(), {9, true, 1});
  auto q = queries(r.pairs);
  auto sorted = q;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(q, sorted);
}

TEST(DataBalance, FormatPairsRoundTripsThroughTheParser) {
  auto pairs = parse_pairs("hello there|HI | THERE\n", "x").pairs;  // the response may hold '|'

  auto again = parse_pairs(format_pairs(pairs), "y").pairs;
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].query, "hello there");
  EXPECT_EQ(again[0].response, "HI | THERE");
}

TEST(DataBalance, StatsTable) {
  auto r = balance_pairs(fixture(), {3, false, 42});
  std::string t = format_balance_stats(r);
  EXPECT_NE(t.find("NO           9   56.2%        3   33.3%"), std::string::npos) << t;
  EXPECT_NE(t.find("total       16                9"), std::string::npos) << t;
  EXPECT_NE(t.find("4 classes, target 3 per class"), std::string::npos) << t;
}

TEST(DataBalance, CliDropsCommentsAndIsDeterministic) {
  test::TempDir dir;
  std::string a = dir.file("a.txt"), b = dir.file("b.txt"), out = dir.file("out.txt");
  test::write_text(a, "# comment|NOT A PAIR\nis it big|yes\nis it red|NO\n\ncan it fly|NO\n");
  test::write_text(b, "is it old|NO\nbroken line without bar\n");
  auto r1 = test::run_cli("data balance '" + a + "' '" + b +
                          "' --target 2 --oversample --stats --seed 7 -o '" + out + "'");
  ASSERT_EQ(r1.exit_code, 0) << r1.out;
  EXPECT_NE(r1.out.find("b.txt:2: warning: no '|'"), std::string::npos) << r1.out;
  EXPECT_NE(r1.out.find("2 classes, target 2 per class"), std::string::npos) << r1.out;
  auto balanced = parse_pairs(read_file(out), "out");
  EXPECT_EQ(balanced.pairs.size(), 4u);
  EXPECT_EQ(balanced.skipped, 0) << "comments and blank lines are dropped";
  EXPECT_EQ(class_counts(balanced.pairs), (std::map<std::string, int>{{"NO", 2}, {"YES", 2}}));
  auto r2 = test::run_cli("data balance '" + a + "' '" + b + "' --target 2 --oversample --seed 7");
  EXPECT_NE(r2.out.find(read_file(out)), std::string::npos) << "stdout and -o carry the same lines";
}

TEST(DataBalance, CliReadsStdin) {
  auto r = test::run_cli("data balance -", "a b|X\nc d|Y\ne f|Y\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(parse_pairs(r.out, "-").pairs.size(), 2u);
}

}  // namespace z80lm
