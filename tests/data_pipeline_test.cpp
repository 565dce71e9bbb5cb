// gen → balance / analyze / train: what `data gen` writes (from a mock Ollama) is read by
// the other tools unchanged, with no parser complaint.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data_mock_server.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"

namespace z80lm {

namespace {

// Q&A batches in the shapes small models really produce (fenced, prose, odd answer case,
// typographic quotes), `n` fresh questions from `first`.
std::string messy_batch(int first, int n) {
  static const char* subjects[] = {"wood", "metal", "plastic", "glass", "paper", "stone", "cloth", "rubber"};
  static const char* answers[] = {"YES", "no", "Maybe", "NO"};
  nlohmann::json pairs = nlohmann::json::array();
  for (int i = first; i < first + n; ++i)
    pairs.push_back({{"q", std::string("Is it made of ") + subjects[i % 8] +
                               " \xE2\x80\x9C"
                               "type " +
                               std::to_string(i) + "\xE2\x80\x9D?"},
                     {"a", answers[i % 4]}});
  return "Sure! Here is the data:\n```json\n" + nlohmann::json{{"pairs", pairs}}.dump(1) + "\n```\nHave fun!";
}

bool train_available() {
  return test::run_cli("--help").out.find("\n  train") != std::string::npos;
}

}  // namespace

TEST(DataPipeline, GenOutputFeedsBalanceAnalyzeAndTrain) {
  test::MockServer s("/api/chat");
  s.fallback([](int n) {
    if (n == 4)
      return test::MockServer::ok(test::ollama_chat_reply("{\"wrong\": [\"table\", \"stool\", \"sofa\"]}"));
    return test::MockServer::ok(test::ollama_chat_reply(messy_batch(n * 6, 6)));
  });
  test::TempDir dir;
  const std::string gen = dir.file("gen.txt"), balanced = dir.file("balanced.txt");
  auto g = test::run_cli("data gen --base-url " + s.url() +
                         " --model m --seed 1 --topic chair -n 80 -d 3 --nonsense -o '" + gen + "'");
  ASSERT_EQ(g.exit_code, 0) << g.out;

  // The parser takes every line as written.
  const std::string text = read_file(gen);
  PairSet set = parse_pairs(text, gen);
  EXPECT_TRUE(set.issues.empty());
  EXPECT_EQ(set.truncated, 0);
  EXPECT_EQ(set.skipped, 0);
  EXPECT_EQ(static_cast<size_t>(set.lines), set.pairs.size()) << "one pair per line";

  auto b = test::run_cli("data balance '" + gen + "' --target 30 --oversample --seed 5 --stats -o '" +
                         balanced + "'");
  ASSERT_EQ(b.exit_code, 0) << b.out;
  EXPECT_NE(b.out.find("5 classes, target 30 per class"), std::string::npos)
      << b.out;  // YES NO MAYBE WIN IDK
  EXPECT_EQ(parse_pairs(read_file(balanced), balanced).pairs.size(), 5u * 30u);

  auto a = test::run_cli("data analyze --json '" + gen + "'");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  auto report = nlohmann::json::parse(a.out);
  EXPECT_EQ(report["pairs"], set.pairs.size());
  EXPECT_EQ(report["duplicate_lines"], 0) << "gen never repeats a query";
  EXPECT_EQ(report["conflicts"].size(), 0u);

  if (!train_available())
    GTEST_SKIP() << "`z80lm train` is not in this build yet: gen/balance/analyze checked, train skipped";
  const std::string model = dir.file("model.zlm");
  auto t = test::run_cli("train '" + gen + "' --epochs 1 --hidden 16,16 --seed 1 -o '" + model + "'");
  ASSERT_EQ(t.exit_code, 0) << t.out;
  auto e = test::run_cli("eval '" + model + "' '" + gen + "'");
  EXPECT_EQ(e.exit_code, 0) << e.out;
}

}  // namespace z80lm
