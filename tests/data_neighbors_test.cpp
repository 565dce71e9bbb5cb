// query_neighbors: the hashed neighbourhood search against the brute-force reference.
#include <gtest/gtest.h>

#include "data/query_neighbors.h"
#include "util/rng.h"

namespace z80lm {

namespace {

QueryCode code_of(const std::string& query) {
  QueryCode c{};
  encode_query(Encoding::v1, query, c.data());
  return c;
}

// Codes crowded into a few buckets, so identical and near codes are common.
std::vector<QueryCode> crowded_codes(uint64_t seed, int count, int buckets, int max_hits) {
  Rng rng(seed);
  std::vector<QueryCode> codes(count);
  for (auto& c : codes) {
    c.fill(0);
    int hits = 1 + static_cast<int>(rng.below(max_hits));
    for (int h = 0; h < hits; ++h) c[rng.below(buckets) * 7 % kQueryBucketsV1] += kHitValue;
  }
  return codes;
}

std::string random_query(Rng& rng) {
  static const std::string alphabet = "abcdefg ?";
  std::string q;
  int len = 2 + static_cast<int>(rng.below(6));
  for (int i = 0; i < len; ++i) q += alphabet[rng.below(alphabet.size())];
  return q;
}

}  // namespace

TEST(DataNeighbors, DistanceCountsHits) {
  // "gg" and "kk" share both buckets; "???" adds one hit to them (found in tinychat data).
  EXPECT_EQ(code_distance_hits(code_of("gg"), code_of("kk"), 99), 0);
  EXPECT_EQ(code_distance_hits(code_of("gg"), code_of("???"), 99), 1);
  EXPECT_EQ(code_distance_hits(code_of("i am alive"), code_of("am i alive"), 99), 2);
  EXPECT_EQ(code_distance_hits(code_of("hello"), code_of(""), 99), 5);
  EXPECT_GT(code_distance_hits(code_of("hello"), code_of(""), 2), 2);  // early exit still says "too far"
}

TEST(DataNeighbors, MatchesBruteForceOnCrowdedCodes) {
  for (uint64_t seed : {1, 2, 3}) {
    auto codes = crowded_codes(seed, 400, 6, 5);
    for (int max_hits = 0; max_hits <= 2; ++max_hits) {
      auto fast = near_code_pairs(codes, max_hits);
      auto brute = near_code_pairs_brute(codes, max_hits);
      ASSERT_GT(brute.size(), 100u) << "the fixture should be crowded";
      EXPECT_EQ(fast, brute) << "seed " << seed << " max_hits " << max_hits;
    }
  }
}

TEST(DataNeighbors, MatchesBruteForceOnEncodedQueries) {
  Rng rng(11);
  std::vector<QueryCode> codes;
  for (int i = 0; i < 1500; ++i) codes.push_back(code_of(random_query(rng)));
  for (int max_hits = 0; max_hits <= 2; ++max_hits)
    EXPECT_EQ(near_code_pairs(codes, max_hits), near_code_pairs_brute(codes, max_hits)) << max_hits;
}

TEST(DataNeighbors, TwoExtraHitsInOneBucket) {
  QueryCode a{}, b{};
  a[5] = kHitValue;
  b[5] = 3 * kHitValue;
  std::vector<QueryCode> codes{a, b};
  EXPECT_TRUE(near_code_pairs(codes, 1).empty());
  EXPECT_EQ(near_code_pairs(codes, 2), (std::vector<CodePair>{{0, 1, 2}}));
}

TEST(DataNeighbors, EmptyAndSingle) {
  EXPECT_TRUE(near_code_pairs({}, 2).empty());
  EXPECT_TRUE(near_code_pairs({code_of("x y")}, 2).empty());
}

}  // namespace z80lm
