// `data analyze`: planted duplicates, conflicts and encoding collisions are found exactly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/analyze.h"
#include "data/query_neighbors.h"
#include "test_support.h"

namespace z80lm {

namespace {
// The planted data were written for the original encoding's 128 count buckets.
const AnalyzeOptions kV1{.encoding = Encoding::v1};

const char* kPlanted =
    "# planted problems\n"
    "is it big|YES\n"    // 2  conflict with line 3 (case folds)
    "Is It Big|NO\n"     // 3
    "hello there|HI\n"   // 4  duplicate of line 5
    "hello there|HI\n"   // 5
    "gg|GG\n"            // 6  gg, kk and ?? encode identically
    "kk|K\n"             // 7
    "??|GG\n"            // 8  same answer as gg: not a collision with it
    "???|WAT\n"          // 9  one hit more than gg/kk/??
    "i am alive|R U?\n"  // 10 two hits from line 11
    "am i alive|YES\n"   // 11
    "what is your name|NAME\n"
    "tell me a joke|NO\n"
    "good morning|HI\n";

struct Parsed {
  std::vector<Pair> pairs;
  std::vector<std::string> where;
};

Parsed parse(const char* text) {
  Parsed p;
  for (auto& pair : parse_pairs(text, "planted.txt").pairs) {
    p.where.push_back("planted.txt:" + std::to_string(pair.line));
    p.pairs.push_back(pair);
  }
  return p;
}

std::vector<std::string> collision_names(const std::vector<Collision>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(c.a.query + " ~ " + c.b.query + " " + std::to_string(c.hits));
  return out;
}

}  // namespace

TEST(DataAnalyze, FindsPlantedProblemsExactly) {
  Parsed in = parse(kPlanted);
  AnalysisReport r = analyze_pairs(in.pairs, in.where, kV1);
  EXPECT_EQ(r.pairs, 13);
  EXPECT_EQ(r.distinct_keys, 11);

  EXPECT_EQ(r.duplicate_lines, 1);
  ASSERT_EQ(r.duplicates.size(), 1u);
  EXPECT_EQ(r.duplicates[0].query, "hello there");
  EXPECT_EQ(r.duplicates[0].where, (std::vector<std::string>{"planted.txt:4", "planted.txt:5"}));

  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].query, "is it big");
  EXPECT_EQ(r.conflicts[0].answers, (std::vector<std::pair<std::string, int64_t>>{{"YES", 1}, {"NO", 1}}));

  EXPECT_EQ(collision_names(r.exact_collisions), (std::vector<std::string>{"gg ~ kk 0", "kk ~ ?? 0"}));
  EXPECT_EQ(
      collision_names(r.near_collisions),
      (std::vector<std::string>{"gg ~ ??? 1", "kk ~ ??? 1", "?? ~ ??? 1", "i am alive ~ am i alive 2"}));
  EXPECT_EQ(r.exact_collisions[0].a.where, "planted.txt:6");
  EXPECT_EQ(r.exact_collisions[0].b.answers, (std::vector<std::string>{"K"}));
}

TEST(DataAnalyze, NearRadiusOneAndZero) {
  Parsed in = parse(kPlanted);
  EXPECT_EQ(
      analyze_pairs(in.pairs, in.where, {.near_hits = 1, .encoding = Encoding::v1}).near_collisions.size(),
      3u);
  AnalysisReport exact_only = analyze_pairs(in.pairs, in.where, {.near_hits = 0, .encoding = Encoding::v1});
  EXPECT_TRUE(exact_only.near_collisions.empty());
  EXPECT_EQ(exact_only.exact_collisions.size(), 2u);
}

TEST(DataAnalyze, ConflictingKeysCollideWithTheirAnswerSets) {
  // Same encoding, and "gg" itself has two answers: the pair is reported once with both sets.
  Parsed in = parse("gg|GG\ngg|OK\nkk|GG\n");
  AnalysisReport r = analyze_pairs(in.pairs, in.where, kV1);
  ASSERT_EQ(r.exact_collisions.size(), 1u);
  EXPECT_EQ(r.exact_collisions[0].a.answers, (std::vector<std::string>{"GG", "OK"}));
  EXPECT_EQ(r.conflicts.size(), 1u);
}

TEST(DataAnalyze, ClassWarnings) {
  std::string text;
  for (int i = 0; i < 16; ++i) text += "yes question " + std::to_string(i) + "|YES\n";
  for (int i = 0; i < 8; ++i) text += "no question " + std::to_string(i) + "|NO\n";
  text += "maybe question|MAYBE\n";
  Parsed in;
  for (auto& p : parse_pairs(text, "w.txt").pairs) in.pairs.push_back(p);
  AnalysisReport r = analyze_pairs(in.pairs, {}, {});
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_EQ(r.classes[0].response, "YES");
  EXPECT_EQ(r.classes[2].count, 1);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("YES has 64.0% of the pairs"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[1].find("1 of 3 classes have under 5%"), std::string::npos) << r.warnings[1];
  EXPECT_NE(r.warnings[1].find("MAYBE x1"), std::string::npos) << r.warnings[1];
}

TEST(DataAnalyze, QueryKeyIsWhatTheModelSees) {
  EXPECT_EQ(query_key("  Is IT big  "), "is it big");
  EXPECT_EQ(query_key(std::string(70, 'A')), std::string(62, 'a'));
}

TEST(DataAnalyze, CliTextAndJson) {
  test::TempDir dir;
  std::string file = dir.file("planted.txt");
  test::write_text(file, kPlanted);
  auto text = test::run_cli("data analyze '" + file + "' --show 3 --encoding v1");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("13 pairs, 11 distinct queries, 8 answer classes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Conflicts: 1 queries have more than one answer"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("exact: 2 query pairs encode identically"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("near: 4 query pairs"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("... 1 more"), std::string::npos) << text.out;

  auto json = test::run_cli("data analyze --json --encoding v1 '" + file + "'");
  ASSERT_EQ(json.exit_code, 0) << json.out;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["pairs"], 13);
  EXPECT_EQ(j["conflicts"].size(), 1u);
  EXPECT_EQ(j["exact_collisions"].size(), 2u);
  EXPECT_EQ(j["near_collisions"].size(), 4u);
  EXPECT_EQ(j["near_collisions"][3]["a"]["query"], "i am alive");
  EXPECT_EQ(j["duplicate_lines"], 1);
}

// The planted collisions were made for v1's 128 count buckets; v2's 256 buckets tell gg
// from kk (their trigrams land 128 apart), while gg and ?? still share theirs.
TEST(DataAnalyze, EncodingV2SeparatesWhatV1Confuses) {
  Parsed in = parse("gg|GG\nkk|K\n??|Q\n");
  EXPECT_EQ(collision_names(analyze_pairs(in.pairs, in.where, kV1).exact_collisions),
            (std::vector<std::string>{"gg ~ kk 0", "gg ~ ?? 0", "kk ~ ?? 0"}));
  AnalysisReport v2 = analyze_pairs(in.pairs, in.where, {.near_hits = 0, .encoding = Encoding::v2});
  EXPECT_EQ(collision_names(v2.exact_collisions), (std::vector<std::string>{"gg ~ ?? 0"}));
  test::TempDir dir;
  const std::string file = dir.file("c.txt");
  test::write_text(file, "gg|GG\nkk|K\n??|Q\n");
  auto text = test::run_cli("data analyze '" + file + "'");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("encoding v2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("exact: 1 query pairs encode identically"), std::string::npos) << text.out;
}

// v3's 512 buckets also tell gg (buckets 256, 320) from ?? (0, 64), which v2 confuses.
TEST(DataAnalyze, EncodingV3SeparatesWhatV2Confuses) {
  Parsed in = parse("gg|GG\nkk|K\n??|Q\n");
  AnalysisReport v3 = analyze_pairs(in.pairs, in.where, {.near_hits = 0, .encoding = Encoding::v3});
  EXPECT_TRUE(v3.exact_collisions.empty()) << collision_names(v3.exact_collisions).front();
  test::TempDir dir;
  const std::string file = dir.file("c.txt");
  test::write_text(file, "gg|GG\nkk|K\n??|Q\n");
  auto text = test::run_cli("data analyze --encoding v3 '" + file + "'");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("encoding v3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("512 query inputs"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("exact: 0 query pairs encode identically"), std::string::npos) << text.out;
}

class DataAnalyzeTinychat : public ::testing::TestWithParam<Encoding> {};

TEST_P(DataAnalyzeTinychat, FastSearchAgreesWithBruteForce) {
  Z80LM_REQUIRE_SHARED(path, "bench-data/tinychat-pairs.txt");
  auto set = load_pairs({path}, {false, true});
  AnalysisReport r = analyze_pairs(set.pairs, {}, {.encoding = GetParam()});
  // The same count from the reference search over the distinct keys.
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> answers;
  std::map<std::string, size_t> index;
  for (const auto& p : set.pairs) {
    auto [it, fresh] = index.emplace(query_key(p.query), keys.size());
    if (fresh) {
      keys.push_back(p.query);
      answers.emplace_back();
    }
    auto& a = answers[it->second];
    if (std::find(a.begin(), a.end(), p.response) == a.end()) a.push_back(p.response);
  }
  std::vector<QueryCode> codes(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    encode_query(GetParam(), keys[i], codes[i].data());
    std::sort(answers[i].begin(), answers[i].end());
  }
  size_t exact = 0, near = 0;
  for (const auto& p : near_code_pairs_brute(codes, 2))
    if (answers[p.a] != answers[p.b]) ++(p.hits ? near : exact);
  EXPECT_EQ(r.exact_collisions.size(), exact);
  EXPECT_EQ(r.near_collisions.size(), near);
  std::cout << "tinychat, encoding " << encoding_name(GetParam()) << ": " << r.pairs << " pairs, "
            << r.distinct_keys << " distinct queries, " << r.conflicts.size() << " conflicting queries, "
            << r.exact_collisions.size() << " exact and " << r.near_collisions.size()
            << " near (<= 2 hits) encoding collisions\n";
}

INSTANTIATE_TEST_SUITE_P(Encodings, DataAnalyzeTinychat, ::testing::Values(Encoding::v1, Encoding::v2, Encoding::v3),
                         [](const ::testing::TestParamInfo<Encoding>& e) { return encoding_name(e.param); });

}  // namespace z80lm
