// The shipped examples played through their exported CP/M programs and Spectrum tapes in the
// emulator, with every engine: a user's session (prompt, typed line, answer ... `!`, back to
// CP/M) must print exactly the expected exchanges (examples/*/exchanges.txt), which the host
// reference must give too. For guess the exchanges are a short game ending in WIN.
#include "export_test_support.h"
#include "infer/reference.h"
#include "model/model_file.h"
#include "test_support.h"
#include "text/pairs.h"
#include "z80/engine.h"
#include "zx_chat_support.h"

namespace z80lm {
namespace {

struct Case {
  std::string example;
  std::string engine;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.example << " / " << c.engine;
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (const char* example : {"tinychat", "guess"})
    for (const auto& engine : z80::engine_names()) all.push_back({example, engine});
  return all;
}

class ExamplesOnZ80 : public ::testing::TestWithParam<Case> {};

TEST_P(ExamplesOnZ80, ScriptedSessionGivesTheExpectedExchanges) {
  const Case& c = GetParam();
  const std::string dir = std::string(Z80LM_SOURCE_DIR) + "/examples/" + c.example + "/";
  Model m = load_model(dir + "model.zlm");
  std::vector<Pair> exchanges = load_pairs({dir + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs;
  ASSERT_GE(exchanges.size(), 5u);
  if (c.example == "guess") {
    EXPECT_EQ(exchanges.back().response, "WIN");
  }

  export_testing::ChatTranscript t;
  for (const auto& x : exchanges) {
    EXPECT_EQ(generate_reference(m, x.query), x.response) << "host reference, > " << x.query;
    t.ask(x.query, x.response);
  }
  t.expect_prompt();
  t.type_line("!");

  // The examples (encoding v3, trained with per-layer --sparsity for the fast engine) fit the
  // 39.75K TPA of an Amstrad CPC's CP/M 2.2 (so a 48K CP/M too) with either engine: the compact
  // engine's v3 layer 1 keeps its query columns nibble-coded, only the context's packed.
  z80::BuiltProgram program = z80::export_program(m, {.target = "cpm", .engine = c.engine});
  EXPECT_LE(program.memory_top, z80::kCpcTpaTop)
      << c.engine << " needs memory up to " << program.memory_top;
  auto run = export_testing::run_chat(program, t.input);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
  EXPECT_EQ(run.raw, t.output);
}

// The same exchanges from the Spectrum tape (the build exports the examples' .TAP with the
// fast engine's portable flavour, interrupts on): the ROM-less machine's line editor echoes
// each typed line in capitals (the model folds case, so the answers are the same).
TEST_P(ExamplesOnZ80, SpectrumTapeGivesTheExpectedExchanges) {
  const Case& c = GetParam();
  const std::string dir = std::string(Z80LM_SOURCE_DIR) + "/examples/" + c.example + "/";
  Model m = load_model(dir + "model.zlm");
  zx_testing::ZxTranscript t;
  for (const auto& x : load_pairs({dir + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs)
    t.ask(x.query, x.response);
  t.expect_prompt();
  const zx_testing::ZxChatRun run =
      zx_testing::run_tape(z80::export_program(m, {.target = "zx48", .engine = c.engine}), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplesOnZ80, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return param_info.param.example + "_" + param_info.param.engine;
                         });

}  // namespace
}  // namespace z80lm
