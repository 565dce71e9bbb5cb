// export_conformance_test.cpp — the original tinychat model exported as CHAT.COM answers every
// conformance query exactly as ../shared/conformance/tinychat-vectors.tsv says (the exact
// 16-bit integer semantics), typed into the chat in the CP/M machine.
// Two shards of ~150 queries run by default (a few seconds each); all 2,302 queries run in
// TinychatAllVectorsSlow (about a minute per engine). Parameterised over the engines.
#include <gtest/gtest.h>

#include "conformance_vectors.h"
#include "export_test_support.h"
#include "model/npz.h"
#include "test_support.h"

namespace z80lm {
namespace {

using export_testing::ChatTranscript;

using Vector = test::ConformanceVector;

bool typeable(const std::string& query) {
  return test::typeable_query(query, query.size());  // the whole line is read
}

// Types every `stride`-th typeable vector starting at `first` into one chat session.
void check_vectors(const std::string& engine, size_t first, size_t stride, size_t min_count) {
  Z80LM_REQUIRE_SHARED(model_path, "conformance/tinychat-model.npz");
  Z80LM_REQUIRE_SHARED(vectors_path, "conformance/tinychat-vectors.tsv");
  const std::vector<Vector> vectors = test::read_conformance_vectors(vectors_path);
  ASSERT_EQ(vectors.size(), 2302u);
  ChatTranscript t;
  size_t count = 0, skipped = 0;
  for (size_t i = first; i < vectors.size(); i += stride) {
    if (!typeable(vectors[i].query)) {
      ++skipped;
      continue;
    }
    t.ask(vectors[i].query, vectors[i].response);
    ++count;
  }
  t.expect_prompt();
  EXPECT_GE(count, min_count);
  EXPECT_LE(skipped, 1u);  // only the empty query
  const z80::BuiltProgram p = export_testing::export_cpm(import_npz(model_path), engine);
  const emu::testing::CpmRun run = export_testing::run_chat(p, t.input);
  ASSERT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
  // Compare answer by answer, so that a failure names the query.
  size_t pos = 0;
  for (size_t i = first; i < vectors.size() && pos < t.output.size(); i += stride) {
    if (!typeable(vectors[i].query)) continue;
    ChatTranscript one;
    one.ask(vectors[i].query, vectors[i].response);
    ASSERT_EQ(run.raw.substr(pos, one.output.size()), one.output)
        << "vector " << i << ": " << vectors[i].query;
    pos += one.output.size();
  }
  EXPECT_EQ(run.raw, t.output);
}

class ExportConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportConformance, TinychatVectorsShard0) {
  check_vectors(GetParam(), 0, 15, 150);
}
TEST_P(ExportConformance, TinychatVectorsShard1) {
  check_vectors(GetParam(), 1, 15, 150);
}
TEST_P(ExportConformance, TinychatAllVectorsSlow) {
  check_vectors(GetParam(), 0, 1, 2300);
}

INSTANTIATE_TEST_SUITE_P(Engines, ExportConformance, ::testing::ValuesIn(export_testing::export_engines()),
                         export_testing::engine_test_name);

}  // namespace
}  // namespace z80lm
