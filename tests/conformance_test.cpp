// The original's tinychat model, imported, must answer every conformance vector exactly.
#include <fstream>

#include "infer/evaluate.h"
#include "infer/reference.h"
#include "model/npz.h"
#include "test_support.h"
#include "text/pairs.h"

namespace z80lm {

TEST(Conformance, TinychatVectorsReproducedExactly) {
  Z80LM_REQUIRE_SHARED(npz, "conformance/tinychat-model.npz");
  Z80LM_REQUIRE_SHARED(tsv, "conformance/tinychat-vectors.tsv");
  Model m = import_npz(npz);
  std::ifstream in(tsv);
  std::string line;
  int total = 0, wrong = 0;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::string query = line.substr(0, tab), expected = line.substr(tab + 1);
    std::string got = generate_reference(m, query);
    ++total;
    if (got != expected) {
      ++wrong;
      ADD_FAILURE() << "query '" << query << "': expected '" << expected << "', got '" << got << "'";
    }
  }
  EXPECT_EQ(total, 2302);
  EXPECT_EQ(wrong, 0);
}

TEST(Conformance, EvalOfOriginalModelMatchesPublishedFigures) {
  Z80LM_REQUIRE_SHARED(npz, "conformance/tinychat-model.npz");
  Z80LM_REQUIRE_SHARED(data, "bench-data/tinychat-pairs.txt");
  Model m = import_npz(npz);
  PairSet set = load_pairs({data}, {.strict = false, .quiet = true});
  EXPECT_EQ(set.pairs.size(), 2990u);  // reference §9: 2,990 pairs
  EvalReport r = evaluate(m, set.pairs);
  EXPECT_EQ(r.examples, 14814u);       // reference §2.3
  EXPECT_EQ(r.examples_correct, 11790u);  // 79.59 %, reference §4
  EXPECT_EQ(r.distinct_queries, 2280);
  EXPECT_EQ(r.greedy_matched, 892);       // 39.12 %, reference §4
}

}  // namespace z80lm
