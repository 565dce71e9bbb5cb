// Tests of the shipped examples (examples/tinychat, examples/guess): the committed data is
// what its documented command generates, the split is clean, and the committed models
// load, match their data and answer the expected exchanges (examples/*/exchanges.txt, a
// query|answer table also meant for the Z80 programs).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "data/template.h"
#include "text/encoder.h"
#include "infer/evaluate.h"
#include "infer/reference.h"
#include "model/model_file.h"
#include "test_support.h"
#include "text/charset.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

struct Example {
  std::string name;
  std::string source;  // the template the data is generated from
};

const Example kExamples[] = {{"tinychat", "intents.txt"}, {"guess", "elephant.facts"}};

void PrintTo(const Example& e, std::ostream* os) {
  *os << e.name;
}

std::string example_file(const Example& e, const std::string& file) {
  return std::string(Z80LM_SOURCE_DIR) + "/examples/" + e.name + "/" + file;
}

std::vector<Pair> load(const std::string& path) {
  return load_pairs({path}, {true, true}).pairs;
}

class ExampleTest : public ::testing::TestWithParam<Example> {};

std::string name_of(const ::testing::TestParamInfo<Example>& info) {
  return info.param.name;
}

// Slow under sanitizers (the guess template expands to ~400,000 queries): ~1 s optimised.
class ExampleDataSlow : public ::testing::TestWithParam<Example> {};

TEST_P(ExampleDataSlow, RegeneratesByteForByteWithTheDocumentedCommand) {
  const Example& e = GetParam();
  test::TempDir dir;
  auto r = test::run_cli("data template -q '" + example_file(e, e.source) + "' -o '" + dir.file("pairs.txt") +
                         "' --heldout '" + dir.file("heldout.txt") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(read_file(dir.file("pairs.txt")) == read_file(example_file(e, "pairs.txt")))
      << "examples/" << e.name << "/pairs.txt is stale: regenerate it (see examples/" << e.name
      << "/README.md)";
  EXPECT_TRUE(read_file(dir.file("heldout.txt")) == read_file(example_file(e, "heldout.txt")))
      << "examples/" << e.name << "/heldout.txt is stale";
}

TEST_P(ExampleTest, HeldOutQueriesNeverOccurInTrainAndEveryQueryHasOneAnswer) {
  const Example& e = GetParam();
  std::vector<Pair> train = load(example_file(e, "pairs.txt")), held = load(example_file(e, "heldout.txt"));
  std::map<std::string, std::string> answer_of;
  for (const auto& p : train)
    EXPECT_TRUE(answer_of.emplace(query_key(p.query), p.response).second) << p.query;
  for (const auto& p : held) {
    EXPECT_FALSE(answer_of.count(query_key(p.query))) << p.query;
    EXPECT_TRUE(is_heldout_query(p.query, 10)) << p.query;
  }
  EXPECT_GT(held.size() * 12, train.size() + held.size());  // roughly 1 in 10
  EXPECT_LT(held.size() * 8, train.size() + held.size());
}

TEST_P(ExampleTest, AnswerClassesAreBalanced) {
  const Example& e = GetParam();
  std::map<std::string, int> count;
  for (const auto& p : load(example_file(e, "pairs.txt"))) ++count[p.response];
  for (const auto& p : load(example_file(e, "heldout.txt"))) ++count[p.response];
  int lo = 1 << 30, hi = 0;
  for (const auto& [answer, n] : count) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  EXPECT_LE(hi, lo * 3 / 2) << "largest class " << hi << ", smallest " << lo;
}

TEST_P(ExampleTest, ModelLoadsAndItsCharsetIsTheDatas) {
  const Example& e = GetParam();
  Model m = load_model(example_file(e, "model.zlm"));
  EXPECT_EQ(model_problem(m), "");
  std::vector<Pair> train = load(example_file(e, "pairs.txt"));
  EXPECT_EQ(charset_display(m.charset), charset_display(build_charset(train)));
  for (const auto& p : load(example_file(e, "heldout.txt")))
    for (char c : p.response) EXPECT_GE(charset_index(m.charset, c), 0) << p.response;
}

TEST_P(ExampleTest, HostReferenceAnswersTheExpectedExchanges) {
  const Example& e = GetParam();
  Model m = load_model(example_file(e, "model.zlm"));
  std::vector<Pair> exchanges = load(example_file(e, "exchanges.txt"));
  ASSERT_GE(exchanges.size(), 5u);
  for (const auto& x : exchanges) EXPECT_EQ(generate_reference(m, x.query), x.response) << "> " << x.query;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleTest, ::testing::ValuesIn(kExamples), name_of);
INSTANTIATE_TEST_SUITE_P(Examples, ExampleDataSlow, ::testing::ValuesIn(kExamples), name_of);

TEST(GuessExample, TheGameEndsInAWin) {
  std::vector<Pair> game = load(example_file(kExamples[1], "exchanges.txt"));
  ASSERT_FALSE(game.empty());
  EXPECT_EQ(game.back().response, "WIN");
  std::set<std::string> answers;
  for (const auto& x : game) answers.insert(x.response);
  EXPECT_EQ(answers, (std::set<std::string>{"YES", "NO", "WIN"}));
}

// Slow (~8 s of CPU): the full evaluation behind the figures in the examples' READMEs.
class ExampleQualitySlow : public ::testing::TestWithParam<Example> {};

TEST_P(ExampleQualitySlow, MeetsTheGoalsOnTrainAndHeldOut) {
  const Example& e = GetParam();
  Model m = load_model(example_file(e, "model.zlm"));
  std::vector<Pair> train = load(example_file(e, "pairs.txt")), held = load(example_file(e, "heldout.txt"));
  EvalReport on_train = evaluate(m, train), on_held = evaluate(m, held);
  DataCeiling ceiling = data_ceiling(train);
  EXPECT_GE(on_train.int_acc(), ceiling.accuracy() - 0.02) << "ceiling " << ceiling.accuracy();
  EXPECT_GE(on_train.greedy_acc(), 0.90);
  if (e.name == "guess") {
    EXPECT_GE(on_held.greedy_acc(), 0.85);
  }
  std::printf("%s: IntAcc %.2f%% (ceiling %.2f%%), greedy %.2f%% train, %.2f%% held-out\n", e.name.c_str(),
              100 * on_train.int_acc(), 100 * ceiling.accuracy(), 100 * on_train.greedy_acc(),
              100 * on_held.greedy_acc());
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleQualitySlow, ::testing::ValuesIn(kExamples), name_of);

}  // namespace
}  // namespace z80lm
