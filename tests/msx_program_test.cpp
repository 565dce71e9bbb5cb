// The exported MSX cartridge (export --target msx) run on the BIOS-less MSX of `z80lm run`:
// typed like a user, it answers exactly like the reference (seeded models, the examples'
// exchanges with both engines, a shard of the tinychat conformance vectors); lines of any
// length hash like query_span; the memory map places and splits the program and refuses what
// does not fit, saying by how much.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "conformance_vectors.h"
#include "emu/response_stats.h"
#include "export_test_support.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "msx/msx_memory_map.h"
#include "msx_chat_support.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/file_io.h"
#include "z80/engine.h"
#include "z80/exporter.h"
#include "z80/program_msx.h"

namespace z80lm {
namespace {

using export_testing::chatty_model;
using export_testing::random_model;
using export_testing::random_query;
using export_testing::Rng;
using export_testing::test_charset;
using msx_testing::MsxChatRun;
using msx_testing::MsxTranscript;
using msx_testing::run_msx;

z80::BuiltProgram export_msx(const Model& m, const std::string& engine = "compact") {
  return z80::export_program(m, {.target = "msx", .engine = engine});
}

TEST(MsxChat, ScriptedSessionAnswersAndQuitsWithTheGoodbyeLine) {
  const Model m = chatty_model({24, 12}, 12, 3);
  MsxTranscript t;
  t.ask(m, "hello");
  t.quit();
  const MsxChatRun run = run_msx(export_msx(m), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_NE(run.result.message.find("HALT with interrupts disabled"), std::string::npos)
      << run.result.message;
  EXPECT_FALSE(generate_reference(m, "hello").empty());
}

// >= 50 queries per model and engine: every answer byte for byte as generate_reference.
// Encodings v2 and v3 (NET_IN2) too.
TEST(MsxChat, AnswersEqualTheReferenceOnSeededModels) {
  struct Case {
    std::vector<int> widths;
    int charset;
    int queries;
    Encoding encoding = Encoding::v1;
  };
  const Case cases[] = {{{24, 12}, 12, 60},
                        {{20, 40}, 40, 50},
                        {{24, 12}, 12, 30, Encoding::v2},
                        {{32, 16, 20}, 20, 30, Encoding::v3}};
  uint64_t seed = 40;
  for (const Case& c : cases) {
    SCOPED_TRACE(encoding_name(c.encoding));
    const Model m = chatty_model(c.widths, c.charset, seed, c.encoding);
    for (const std::string engine : {"compact", "fast"}) {
      Rng rng(seed);
      MsxTranscript t;
      for (int k = 0; k < c.queries; ++k) t.ask(m, random_query(rng));
      t.expect_prompt();
      const MsxChatRun run = run_msx(export_msx(m, engine), t.input);
      EXPECT_EQ(run.raw, t.output) << engine << ", charset " << c.charset;
      EXPECT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
    }
    ++seed;
  }
}

// The whole line is read, whatever its length, and exactly query_span of it is hashed: leading
// spaces skipped, then 62 bytes, trailing spaces dropped. BS erases; a blank line asks again.
TEST(MsxChat, LinesOfAnyLengthHashLikeQuerySpan) {
  const Model m = chatty_model({24, 12}, 12, 5);
  const std::string long_line = std::string(70, ' ') + "where is the cat " + std::string(60, 'x') + " end";
  const std::string spaced = "  hi there" + std::string(100, ' ');
  MsxTranscript t;
  t.ask(long_line, generate_reference(m, long_line));
  t.ask(spaced, generate_reference(m, spaced));
  // 300 bytes typed, 250 of them erased again with BS: the first 50 are the question.
  const std::string typed = std::string(50, 'q') + std::string(250, 'z');
  t.expect_prompt();
  t.input += typed + std::string(250, '\x7f') + "\n";
  t.output += typed;
  for (int k = 0; k < 250; ++k) t.output += "\b \b";
  t.output += "\n" + generate_reference(m, std::string(50, 'q'));
  t.expect_prompt();
  t.type_line("   ");  // blank: asked again
  t.expect_prompt();
  t.type_line("   !quit");
  t.output += msx_testing::kBye;
  const MsxChatRun run = run_msx(export_msx(m), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
  EXPECT_NE(generate_reference(m, long_line), generate_reference(m, std::string(50, 'q')));
}

// ------------------------------------------------------------------ the examples

class MsxExamples : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(MsxExamples, CartridgeGivesTheExpectedExchanges) {
  const auto& [example, engine] = GetParam();
  const std::string dir = std::string(Z80LM_SOURCE_DIR) + "/examples/" + example + "/";
  const Model m = load_model(dir + "model.zlm");
  MsxTranscript t;
  for (const auto& x : load_pairs({dir + "exchanges.txt"}, {.strict = true, .quiet = true}).pairs)
    t.ask(x.query, x.response);
  t.quit();
  const z80::BuiltProgram p = export_msx(m, engine);
  EXPECT_EQ(p.binary.size(), msx::kRomBytes);
  const MsxChatRun run = run_msx(p, t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
}

INSTANTIATE_TEST_SUITE_P(Examples, MsxExamples,
                         ::testing::Combine(::testing::Values("tinychat", "guess"),
                                            ::testing::Values("compact", "fast")),
                         [](const auto& param_info) {
                           return std::get<0>(param_info.param) + "_" + std::get<1>(param_info.param);
                         });

// ------------------------------------------------------------------ the original tinychat

void check_tinychat_vectors(size_t first, size_t stride, size_t min_count) {
  Z80LM_REQUIRE_SHARED(model_path, "conformance/tinychat-model.npz");
  Z80LM_REQUIRE_SHARED(vectors_path, "conformance/tinychat-vectors.tsv");
  const std::vector<test::ConformanceVector> vectors = test::read_conformance_vectors(vectors_path);
  ASSERT_EQ(vectors.size(), 2302u);
  const z80::BuiltProgram p = export_msx(import_npz(model_path));  // the largest model must fit
  MsxTranscript t;
  std::vector<size_t> asked;
  for (size_t i = first; i < vectors.size(); i += stride) {
    if (!test::typeable_query(vectors[i].query, vectors[i].query.size())) continue;
    t.ask(vectors[i].query, vectors[i].response);
    asked.push_back(i);
  }
  t.expect_prompt();
  EXPECT_GE(asked.size(), min_count);
  const MsxChatRun run = run_msx(p, t.input);
  ASSERT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
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

TEST(MsxChat, TinychatVectorsShard0) {
  check_tinychat_vectors(7, 40, 55);
}

// ------------------------------------------------------------------ memory map and cartridge

TEST(MsxMemoryMap, PlacesAsHighAsPossibleAndRefusesSayingByHowMuch) {
  const msx::MsxPlacement small = msx::place_msx_program(1000);
  EXPECT_TRUE(small.problem.empty());
  EXPECT_EQ(small.origin, 0xEF00);  // (F380h - 1000) & FF00h
  EXPECT_EQ(small.end, 0xEF00u + 1000);
  const msx::MsxPlacement full = msx::place_msx_program(msx::kRamTop - msx::kRamLow);
  EXPECT_TRUE(full.problem.empty());
  EXPECT_EQ(full.origin, msx::kRamLow);
  const msx::MsxPlacement over = msx::place_msx_program(msx::kRamTop - msx::kRamLow + 17);
  EXPECT_EQ(
      over.problem,
      "the program needs 45969 bytes (image, buffers and stack) but an MSX with 64 KB has 45952 bytes of "
      "RAM for it (4000h-F37Fh, between the BIOS and its work area): 17 bytes too many");
}

TEST(MsxMemoryMap, SplitsTheImageByRamPageIntoBanks) {
  const msx::MsxRomLayout l = msx::msx_rom_layout(0x5E00, 0xE123);
  EXPECT_EQ(l.parts[0].ram_start, 0x5E00u);
  EXPECT_EQ(l.parts[0].bytes, 0x8000u - 0x5E00u);
  EXPECT_EQ(l.parts[1].ram_start, 0x8000u);
  EXPECT_EQ(l.parts[1].bytes, 0x4000u);
  EXPECT_EQ(l.parts[2].ram_start, 0xC000u);
  EXPECT_EQ(l.parts[2].bytes, 0xE123u - 0xC000u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(l.parts[i].bank, i + 1);
  const msx::MsxRomLayout high = msx::msx_rom_layout(0xD000, 0xE000);
  EXPECT_EQ(high.parts[0].bytes, 0u);
  EXPECT_EQ(high.parts[1].bytes, 0u);
  EXPECT_EQ(high.parts[2].bytes, 0x1000u);
}

TEST(MsxCartridge, HeaderBanksAndImageAreWhereTheMapSays) {
  const Model m = load_model(std::string(Z80LM_SOURCE_DIR) + "/examples/tinychat/model.zlm");
  const z80::BuiltProgram p = export_msx(m, "fast");
  ASSERT_EQ(p.binary.size(), msx::kRomBytes);
  EXPECT_EQ(p.binary[0], 'A');
  EXPECT_EQ(p.binary[1], 'B');
  EXPECT_EQ(p.binary[2] | (p.binary[3] << 8), p.symbols.at("LDR_INIT"));
  const z80::MsxAddresses a = z80::msx_addresses(p);
  EXPECT_EQ(a.origin % 256, 0);
  EXPECT_GE(a.origin, msx::kRamLow);
  EXPECT_LE(a.end, msx::kRamTop);
  EXPECT_GE(p.symbols.at("STACK_TOP") - msx::kStackBytes, msx::kPage3);  // the copier runs in page 3
  // Every image byte is in the bank of its RAM page, at its offset in the page.
  const std::string source = p.source;
  const auto r = z80::export_program(m, {.target = "msx", .engine = "fast"});
  EXPECT_EQ(r.binary, p.binary);  // deterministic
  const uint32_t image_end = a.origin + p.image_bytes;
  EXPECT_LT(image_end, a.end);
  EXPECT_NE(p.memory_map.find("ASCII16"), std::string::npos) << p.memory_map;
  EXPECT_NE(p.memory_map.find("bank 1: "), std::string::npos) << p.memory_map;
  EXPECT_THROW(z80::msx_addresses(z80::export_program(m, {.target = "cpm", .engine = "fast"})), Error);
}

TEST(MsxChat, TooLargeAModelIsRefusedSayingByHowMuch) {
  auto refusal = [](const Model& m) {
    try {
      export_msx(m);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(exported)");
  };
  // 256 -> 256 -> 256 -> 256 -> 256 -> 40: too much data, refused before assembling.
  const std::string data = refusal(random_model({256, 256, 256, 256, 40}, test_charset(40), 1));
  EXPECT_NE(data.find("bytes (engine compact) but an MSX with 64 KB has 45952 bytes of RAM for a program "
                      "(4000h-F37Fh)"),
            std::string::npos)
      << data;
  EXPECT_NE(data.find("bytes too many before any code, buffers or stack"), std::string::npos) << data;
  // 256 -> 256 -> 256 -> 152 -> 40: the data fits (45,484 bytes), code, buffers and stack do not.
  const std::string all = refusal(random_model({256, 256, 152, 40}, test_charset(40), 1));
  EXPECT_NE(all.find("(image, buffers and stack) but an MSX with 64 KB has 45952 bytes of RAM for it"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("bytes too many"), std::string::npos) << all;
}

// ------------------------------------------------------------------ the command line

TEST(MsxChat, ExportAndRunFromTheCommandLine) {
  test::TempDir dir;
  const Model m = chatty_model({24, 12}, 12, 3);
  save_model(dir.file("m.zlm"), m);
  const std::string rom = dir.file("CHAT.ROM");
  test::RunResult r = test::run_cli("export '" + dir.file("m.zlm") + "' -t msx -o '" + rom + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("cartridge: 64 KiB ASCII16 ROM"), std::string::npos) << r.out;
  const z80::BuiltProgram p = export_msx(m);
  EXPECT_EQ(read_file(rom), std::string(p.binary.begin(), p.binary.end()));
  MsxTranscript t;
  t.ask(m, "hello");
  t.expect_prompt();
  r = test::run_cli("run '" + rom + "'", t.input);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, t.output);
  r = test::run_cli("run --stats --speed '" + rom + "'", t.input);
  EXPECT_NE(r.out.find("timing at 3.58 MHz"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MSX M1 wait states:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" s at 3.57954 MHz]"), std::string::npos) << r.out;

  r = test::run_cli("export '" + dir.file("m.zlm") + "' -t msx -o '" + dir.file("CHAT.COM") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("an MSX cartridge is written as a .ROM file"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("CHAT.COM")));
  r = test::run_cli("run '" + rom + "' extra-argument");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("an MSX program takes no arguments"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace z80lm
