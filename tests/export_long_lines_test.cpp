// Issue 14 item 10: a line over 62 characters used to become several queries in the Z80 chat
// programs (10,000 'a's gave 184 prompts) and a later chunk starting with '!' quit. Now both
// targets read the whole line and answer it once, hashing what `z80lm chat` hashes
// (encoder.h query_span: leading spaces skipped, then at most 62 bytes, trailing spaces
// dropped). Parameterised over target x engine.
#include <gtest/gtest.h>

#include "export_test_support.h"
#include "zx_chat_support.h"

namespace z80lm {
namespace {

using export_testing::chatty_model;

struct Case {
  std::string target, engine;
};

class LongLines : public ::testing::TestWithParam<Case> {
 protected:
  bool spectrum() const { return GetParam().target == "zx48"; }

  z80::BuiltProgram build(const Model& m) const {
    if (!spectrum()) return export_testing::export_cpm(m, GetParam().engine);
    return z80::export_program(m, {.target = "zx48", .engine = GetParam().engine});
  }

  struct Session {
    std::string raw;  // the console bytes
    emu::RunResult result;
  };
  // Types `keys` ('\n' = Return) into the program.
  Session play(const Model& m, const std::string& keys) const {
    const z80::BuiltProgram p = build(m);
    if (spectrum()) {
      const zx_testing::ZxChatRun run = zx_testing::run_tape(p, keys);
      return {run.raw, run.result};
    }
    const emu::testing::CpmRun run = export_testing::run_chat(p, keys);
    return {run.raw, run.result};
  }

  // Prompts as the target prints them.
  std::string prompt() const { return spectrum() ? "\n> " : "\r\n> "; }
  size_t prompts(const std::string& raw) const {
    size_t n = 0;
    for (size_t at = raw.find(prompt()); at != std::string::npos; at = raw.find(prompt(), at + 1)) ++n;
    return n;
  }
  // The answer printed after typing `line`: what follows its echo and line break.
  std::string answer_after(const std::string& raw, const std::string& line) const {
    const std::string echo = (spectrum() ? to_upper_ascii(line) : line) + (spectrum() ? "\n" : "\r\r\n");
    const size_t at = raw.find(prompt() + echo);
    if (at == std::string::npos) return "<line not echoed>";
    const size_t begin = at + prompt().size() + echo.size();
    return raw.substr(begin, raw.find(prompt(), begin) - begin);
  }
};

TEST_P(LongLines, TenThousandCharLineGivesOnePromptAndOneAnswer) {
  const Model m = chatty_model({16, 6}, 6, 5);
  const std::string line(10'000, 'a');
  const Session s = play(m, line + "\n");
  EXPECT_EQ(prompts(s.raw), 2u) << "one prompt for the line, one asking for the next";
  EXPECT_EQ(answer_after(s.raw, line), generate_reference(m, line));
  EXPECT_EQ(s.result.reason, emu::ExitReason::kEndOfInput) << s.result.message;
}

TEST_P(LongLines, BangAfterTheSixtySecondCharDoesNotQuit) {
  const Model m = chatty_model({16, 6}, 6, 6);
  const std::string line = std::string(62, 'a') + "!quit" + std::string(33, 'b');  // 100 chars
  ASSERT_EQ(line.size(), 100u);
  const Session s = play(m, line + "\nhello\n");
  EXPECT_EQ(answer_after(s.raw, line), generate_reference(m, line));
  EXPECT_EQ(answer_after(s.raw, "hello"), generate_reference(m, "hello")) << "the program quit";
  EXPECT_EQ(prompts(s.raw), 3u);
  EXPECT_EQ(s.result.reason, emu::ExitReason::kEndOfInput) << s.result.message;
}

TEST_P(LongLines, LongLinesWithLeadingSpacesAnswerLikeTheHost) {
  const Model m = chatty_model({24, 12}, 12, 7);
  const std::vector<std::string> lines = {
      std::string(30, ' ') + "how are you today my friend, tell me something about the z80",
      std::string(200, ' ') + "hello",
      "   " + std::string(61, 'y') + "   ",
      std::string(5, ' ') + std::string(58, 'q') + "    " + std::string(40, 'r'),
      std::string(70, 'x'),
  };
  std::string keys;
  for (const std::string& line : lines) keys += line + "\n";
  const Session s = play(m, keys);
  for (const std::string& line : lines) {
    EXPECT_EQ(answer_after(s.raw, line), generate_reference(m, line)) << "line of " << line.size();
  }
  EXPECT_EQ(prompts(s.raw), lines.size() + 1);
  for (size_t i = 0; i < 4; ++i)  // what the old programs hashed (a cut at 62 typed bytes) differs
    EXPECT_NE(query_span(lines[i]), query_span(std::string_view(lines[i]).substr(0, 62))) << i;
}

TEST_P(LongLines, DeletePastTheSixtySecondCharEditsTheWholeLine) {
  const Model m = chatty_model({24, 12}, 12, 8);
  // 70 characters, then 15 erased: the line is the first 55.
  const std::string typed = std::string(40, 'k') + std::string(30, 'w');
  const std::string line = typed.substr(0, 55);
  const char erase = spectrum() ? '\x7f' : '\b';
  const Session s = play(m, typed + std::string(15, erase) + "\n!\n");
  const size_t echo_end =
      s.raw.find(spectrum() ? "\n" : "\r\r\n", s.raw.find(spectrum() ? to_upper_ascii(typed) : typed));
  ASSERT_NE(echo_end, std::string::npos);
  const size_t begin = echo_end + (spectrum() ? 1 : 3);
  EXPECT_EQ(s.raw.substr(begin, s.raw.find(prompt(), begin) - begin), generate_reference(m, line));
  EXPECT_EQ(s.result.reason, emu::ExitReason::kWarmBoot) << s.result.message;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const std::string& engine : z80::engine_names()) {
    out.push_back({"cpm", engine});
    out.push_back({"zx48", engine});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(TargetsAndEngines, LongLines, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& c) {
                           return c.param.target + "_" + c.param.engine;
                         });

}  // namespace
}  // namespace z80lm
