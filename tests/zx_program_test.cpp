// The exported Spectrum chat (export --target zx48) run in the ROM-less Spectrum of `z80lm run`:
// typed like a user, it answers exactly like the reference; tape and snapshot behave alike;
// the memory map refuses what does not fit. The original tinychat model's conformance vectors
// run in two shards (a few seconds each) and all 2,302 in ZxChat.TinychatAllVectorsSlow.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "conformance_vectors.h"
#include "emu/response_stats.h"
#include "emu/zx_machine.h"
#include "export_test_support.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"
#include "z80/program_zx48.h"
#include "zx/zx48_media.h"
#include "zx/zx48_memory_map.h"
#include "zx_chat_support.h"

namespace z80lm {
namespace {

using export_testing::chatty_model;
using export_testing::random_model;
using export_testing::random_query;
using export_testing::Rng;
using export_testing::test_charset;
using zx_testing::kBanner;
using zx_testing::run_tape;
using zx_testing::run_zx;
using zx_testing::ZxChatRun;
using zx_testing::ZxTranscript;

z80::BuiltProgram export_zx(const Model& m, const std::string& engine = "compact") {
  return z80::export_program(m, {.target = "zx48", .engine = engine});
}

TEST(ZxChat, ScriptedSessionReadsLikeAUserAndQuitsToBasic) {
  const Model m = chatty_model({24, 12}, 12, 3);
  ZxTranscript t;
  t.ask(m, "hello");
  t.expect_prompt();
  t.type_line("!");
  // BASIC's HL' (its calculator's) must come back; IY is never changed.
  const ZxChatRun run = run_tape(export_zx(m), t.input, 0x2758);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
  EXPECT_EQ(run.result.message, "the program returned from USR: back to BASIC");
  EXPECT_EQ(run.alt_hl, 0x2758);
  EXPECT_EQ(run.iy, zx::kIy);
  EXPECT_FALSE(generate_reference(m, "hello").empty());
}

// >= 50 queries per model on seeded models: every answer byte for byte as generate_reference.
// Encodings v2 and v3 (NET_IN2) with both engines too.
TEST(ZxChat, AnswersEqualTheReferenceOnSeededModels) {
  struct Case {
    std::vector<int> widths;
    int charset;
    int queries;
    Encoding encoding = Encoding::v1;
    std::string engine = "compact";
  };
  const Case cases[] = {{{24, 12}, 12, 80},
                        {{20, 40}, 40, 50},
                        {{24, 12}, 12, 30, Encoding::v2, "fast"},
                        {{32, 16, 20}, 20, 30, Encoding::v3, "compact"},
                        {{32, 16, 20}, 20, 30, Encoding::v3, "fast"}};
  uint64_t seed = 20;
  int total = 0, ended_early = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(encoding_name(c.encoding) + ", engine " + c.engine);
    const Model m = chatty_model(c.widths, c.charset, seed, c.encoding);
    Rng rng(seed++);
    ZxTranscript t;
    for (int k = 0; k < c.queries; ++k) {
      const std::string q = random_query(rng);
      t.ask(m, q);
      const size_t n = generate_reference(m, q).size();
      ended_early += n > 0 && n < static_cast<size_t>(kMaxGenerate);
    }
    t.expect_prompt();
    total += c.queries;
    const ZxChatRun run = run_tape(export_zx(m, c.engine), t.input);
    EXPECT_EQ(run.raw, t.output) << "model with charset " << c.charset;
    EXPECT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
    // Interrupts stay on throughout (the ROM's keyboard and clock depend on it): one frame
    // interrupt every 69888 T-states, none missed (the last one, which found no more keys to
    // type, ended the run before its handler counted it).
    EXPECT_EQ(run.frames + 1, run.result.t_states / zx::kFrameTStates);
  }
  EXPECT_GE(total, 220);
  EXPECT_GT(ended_early, total / 4);
}

TEST(ZxChat, DeleteErasesAndLongLinesAreReadWhole) {
  const Model m = chatty_model({16, 6}, 6, 4);
  ZxTranscript t;
  t.input = "hex\x7fLO\n";  // h, e, x, DELETE, L, O: the line is "HELO"
  t.output += std::string("\n> HEX\b \bLO\n") + generate_reference(m, "HELO");
  t.ask(m, std::string(70, 'y'));  // echoed in full, answered once (export_long_lines_test.cpp)
  t.expect_prompt();
  t.input += "\x7f\x7f\n";  // DELETE on an empty line does nothing; a blank line asks again
  t.output += "\n\n> ";
  const ZxChatRun run = run_tape(export_zx(m), t.input);
  EXPECT_EQ(run.raw, t.output);
}

TEST(ZxChat, BlankLinesAskAgainAndBangQuitsAfterSpaces) {
  const Model m = chatty_model({16, 6}, 6, 3);
  ZxTranscript t;
  t.expect_prompt();
  t.type_line("");
  t.expect_prompt();
  t.type_line("    ");
  t.ask(m, "  yes ");
  t.expect_prompt();
  t.type_line("  !bye");
  const ZxChatRun run = run_tape(export_zx(m), t.input + "hello\n");
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot);
  EXPECT_EQ(run.input_left, 6u);
}

TEST(ZxChat, TheSnapshotChatsLikeTheTapeAndQuitsByResetting) {
  const Model m = chatty_model({24, 12}, 12, 5);
  const z80::BuiltProgram p = export_zx(m);
  ZxTranscript t;
  t.ask(m, "how are you");
  t.ask(m, "ok bye");
  t.expect_prompt();
  t.type_line("!");
  const ZxChatRun tape = run_tape(p, t.input);
  const ZxChatRun snapshot = run_zx(zx::zx48_snapshot(p), "CHAT.z80", t.input);
  EXPECT_EQ(snapshot.raw, t.output);
  EXPECT_EQ(snapshot.raw, tape.raw);
  EXPECT_EQ(snapshot.result.message, "the program reset the Spectrum (PC = 0000h): back to BASIC");
}

TEST(ZxChat, StatsMeasureEachAnswer) {
  const Model m = chatty_model({24, 12}, 12, 3);
  const std::vector<std::string> queries = {"hello", "what is this", "ok", "tell me a joke"};
  ZxTranscript t;
  std::vector<std::string> answers;  // a response is an answer with at least one character
  for (const std::string& q : queries) {
    t.ask(m, q);
    if (std::string a = generate_reference(m, q); !a.empty()) answers.push_back(a);
  }
  t.expect_prompt();
  const ZxChatRun run = run_tape(export_zx(m), t.input);
  const emu::ResponseStats stats = emu::compute_response_stats(run.timeline);
  ASSERT_GE(answers.size(), 2u);
  ASSERT_EQ(stats.measured_responses, answers.size());
  for (size_t i = 0; i < answers.size(); ++i) EXPECT_EQ(stats.responses[i + 1].text, answers[i]);
  EXPECT_TRUE(stats.responses[0].at_program_start);  // the banner
  EXPECT_GT(stats.median_char_interval, 0);
}

TEST(ZxChat, TooLargeAModelIsRefusedSayingByHowMuch) {
  auto refusal = [](const Model& m) {
    try {
      export_zx(m);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(exported)");
  };
  // 256 -> 256 -> 256 -> 256 -> 40, refused before assembling: packed weights (4 per byte, one
  // column per input), int16 biases and a 15-byte descriptor per layer.
  const std::string data = refusal(random_model({256, 256, 256, 40}, test_charset(40), 1));
  constexpr int kDataBytes = 3 * 256 * 256 / 4 + 256 * 40 / 4 + 2 * (3 * 256 + 40) + 4 * 15;  // 53,388
  EXPECT_NE(
      data.find(fmt::format("the model alone takes {} bytes (engine compact) but a 48K Spectrum has 41304 "
                            "bytes free for a program (5E00h-FF57h): {} bytes too many",
                            kDataBytes, kDataBytes - 41304)),
      std::string::npos)
      << data;
  // 256 -> 256 -> 224 -> 128 -> 40: the data fits (40,464 bytes), code, buffers and stack do not.
  const std::string all = refusal(random_model({256, 224, 128, 40}, test_charset(40), 1));
  EXPECT_NE(
      all.find("(image, buffers and stack) but a 48K Spectrum has 41304 bytes free for it (5E00h-FF57h, "
               "between the BASIC loader and the UDGs)"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("bytes too many"), std::string::npos) << all;
}

TEST(ZxChat, AddressesComeFromTheProgramsSymbols) {
  const Model m = chatty_model({16, 6}, 6, 3);
  const z80::BuiltProgram p = export_zx(m);
  const z80::Zx48Addresses a = z80::zx48_addresses(p);
  EXPECT_EQ(a.origin % 256, 0);
  EXPECT_GE(a.origin, zx::kLowestOrigin);
  EXPECT_LE(a.end, zx::kUdg);
  EXPECT_EQ(a.entry, p.symbols.at("START"));
  EXPECT_GT(a.entry, a.origin);  // model data first, code after it
  EXPECT_THROW(z80::zx48_addresses(z80::export_program(m, {.target = "cpm"})), Error);
  EXPECT_THROW(zx::zx48_file_for(p, "CHAT.COM"), Error);
}

// ------------------------------------------------------------------ the original tinychat

bool typeable(const std::string& query) {
  return test::typeable_query(query, query.size());  // the whole line is read
}

void check_tinychat_vectors(size_t first, size_t stride, size_t min_count) {
  Z80LM_REQUIRE_SHARED(model_path, "conformance/tinychat-model.npz");
  Z80LM_REQUIRE_SHARED(vectors_path, "conformance/tinychat-vectors.tsv");
  const std::vector<test::ConformanceVector> vectors = test::read_conformance_vectors(vectors_path);
  ASSERT_EQ(vectors.size(), 2302u);
  const z80::BuiltProgram p = export_zx(import_npz(model_path));  // the largest model must fit
  ZxTranscript t;
  std::vector<size_t> asked;
  for (size_t i = first; i < vectors.size(); i += stride) {
    if (!typeable(vectors[i].query)) continue;
    t.ask(vectors[i].query, vectors[i].response);
    asked.push_back(i);
  }
  t.expect_prompt();
  EXPECT_GE(asked.size(), min_count);
  const ZxChatRun run = run_tape(p, t.input);
  ASSERT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
  // Answer by answer, so that a failure names the query.
  const emu::ResponseStats stats = emu::compute_response_stats(run.timeline);
  size_t k = 0;
  for (const emu::Response& r : stats.responses) {
    if (r.at_program_start) continue;
    while (k < asked.size() && vectors[asked[k]].response.empty()) ++k;  // empty answers make no response
    ASSERT_LT(k, asked.size());
    EXPECT_EQ(r.text, vectors[asked[k]].response) << "vector " << asked[k] << ": " << vectors[asked[k]].query;
    ++k;
  }
  EXPECT_EQ(run.raw, t.output);
}

TEST(ZxChat, TinychatVectorsShard0) {
  check_tinychat_vectors(0, 40, 55);
}
TEST(ZxChat, TinychatVectorsShard1) {
  check_tinychat_vectors(21, 40, 55);
}
TEST(ZxChat, TinychatAllVectorsSlow) {
  check_tinychat_vectors(0, 1, 2300);
}

// ------------------------------------------------------------------ the command line

TEST(ZxChat, ExportAndRunFromTheCommandLine) {
  test::TempDir dir;
  const Model m = chatty_model({24, 12}, 12, 3);
  save_model(dir.file("m.zlm"), m);
  const std::string tap = dir.file("CHAT.TAP"), snapshot = dir.file("CHAT.z80");
  test::RunResult r = test::run_cli("export '" + dir.file("m.zlm") + "' -t zx48 -o '" + tap +
                                    "' --snapshot '" + snapshot + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("loader: 10 CLEAR "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(no contended memory)"), std::string::npos) << r.out;
  const std::vector<uint8_t> expected_tap = zx::zx48_tap(export_zx(m), "CHAT.TAP");
  EXPECT_EQ(read_file(tap), std::string(expected_tap.begin(), expected_tap.end()));
  ZxTranscript t;
  t.ask(m, "hello");
  t.expect_prompt();
  for (const std::string& file : {tap, snapshot}) {
    r = test::run_cli("run '" + file + "'", t.input);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out, t.output) << file;
  }
  r = test::run_cli("run --stats '" + tap + "'", t.input);
  EXPECT_NE(r.out.find("timing at 3.50 MHz"), std::string::npos) << r.out;

  // Refusals write nothing.
  r = test::run_cli("export '" + dir.file("m.zlm") + "' -t zx48 -o '" + dir.file("CHAT.COM") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("a zx48 program is written as a .tap"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("CHAT.COM")));
  r = test::run_cli("export '" + dir.file("m.zlm") + "' -o '" + dir.file("C.COM") + "' --snapshot '" +
                    dir.file("C.z80") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("--snapshot is for the zx48 target"), std::string::npos) << r.out;
  r = test::run_cli("run '" + tap + "' extra-argument");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("a Spectrum program takes no arguments"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace z80lm
