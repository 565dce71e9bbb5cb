// The portable PRNG: golden streams (computed by an independent Python transcription of
// splitmix64 / xoshiro256** and, for splitmix64, the published first outputs).
#include <gtest/gtest.h>

#include <set>

#include "util/rng.h"

namespace z80lm {

TEST(DataRng, Splitmix64MatchesPublishedStream) {
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(splitmix64(state), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(splitmix64(state), 0x06C45D188009454Full);
}

TEST(DataRng, Xoshiro256StarStarGoldenForSeed42) {
  Rng rng(42);
  EXPECT_EQ(rng.next(), 0x15780B2E0C2EC716ull);
  EXPECT_EQ(rng.next(), 0x6104D9866D113A7Eull);
  EXPECT_EQ(rng.next(), 0xAE17533239E499A1ull);
}

TEST(DataRng, BelowGolden) {
  Rng rng(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 10; ++i) got.push_back(rng.below(10));
  EXPECT_EQ(got, (std::vector<uint64_t>{2, 2, 9, 3, 6, 4, 4, 7, 8, 5}));
}

TEST(DataRng, ShuffleGolden) {
  Rng rng(7);
  std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  shuffle(rng, items);
  EXPECT_EQ(items, (std::vector<int>{8, 3, 9, 0, 7, 2, 1, 6, 5, 4}));
}

TEST(DataRng, BelowStaysInRangeAndCoversIt) {
  Rng rng(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    uint64_t x = rng.below(7);
    ASSERT_LT(x, 7u);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(Rng(5).below(1), 0u);
}

TEST(DataRng, UnitIsInHalfOpenInterval) {
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    double u = rng.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace z80lm
