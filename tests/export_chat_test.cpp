// export_chat_test.cpp — the exported CHAT.COM in the CP/M machine, used the way a person uses
// it: prompts, typed lines, one-shot mode, quitting, memory checks, and exact answers.
// Parameterised over the engines (export_testing::export_engines()).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "emu/response_stats.h"
#include "export_test_support.h"

namespace z80lm {
namespace {

using export_testing::ChatTranscript;
using export_testing::chatty_model;
using export_testing::export_cpm;
using export_testing::random_model;
using export_testing::random_query;
using export_testing::Rng;
using export_testing::run_chat;
using export_testing::test_charset;

class CpmChat : public ::testing::TestWithParam<std::string> {};

TEST_P(CpmChat, ScriptedSessionReadsLikeAUser) {
  Model m = chatty_model({24, 12}, 12, 3);
  ChatTranscript t;
  t.ask(m, "hello");
  t.expect_prompt();
  t.type_line("!");
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
  EXPECT_FALSE(generate_reference(m, "hello").empty());
}

TEST_P(CpmChat, OneShotAnswersTheCommandTailAndReturns) {
  Model m = chatty_model({24, 12}, 12, 2);
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), "", {"hello", "there"});
  // The CCP uppercases the tail and keeps a leading space; both are folded/skipped.
  EXPECT_EQ(run.raw, generate_reference(m, "hello there"));
  EXPECT_EQ(run.raw, generate_reference(m, " HELLO THERE"));
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot) << run.result.message;
}

TEST_P(CpmChat, BlankLinesAskAgainAndBangQuitsAfterSpaces) {
  Model m = chatty_model({16, 6}, 6, 3);
  ChatTranscript t;
  t.expect_prompt();
  t.type_line("");
  t.expect_prompt();
  t.type_line("    ");
  t.ask(m, "  yes ");
  t.expect_prompt();
  t.type_line("  !bye");
  t.expect_prompt();  // never reached: the program has returned to CP/M
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input + "hello\r");
  EXPECT_EQ(run.raw + "\r\n> ", t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kWarmBoot);
  EXPECT_EQ(run.input_left, 6u);
}

TEST_P(CpmChat, EndOfInputEndsTheSessionCleanly) {
  Model m = chatty_model({16, 6}, 6, 4);
  ChatTranscript t;
  t.ask(m, "ok");
  t.expect_prompt();
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kEndOfInput);
}

TEST_P(CpmChat, LongLinesAreReadWholeAndAnsweredOnce) {
  Model m = chatty_model({16, 6}, 6, 5);
  ChatTranscript t;
  t.ask(m, std::string(70, 'x'));  // one answer for the whole line (export_long_lines_test.cpp)
  t.ask(m, "   " + std::string(61, 'y'));
  t.expect_prompt();
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input);
  EXPECT_EQ(run.raw, t.output);
}

// >= 300 queries on seeded models: every answer byte for byte as generate_reference.
TEST_P(CpmChat, AnswersEqualTheReferenceOnSeededModels) {
  struct Case {
    std::vector<int> widths;
    int charset;
    int queries;
  };
  const Case cases[] = {{{24, 12}, 12, 120}, {{8, 2}, 2, 60}, {{20, 60}, 60, 60}, {{3, 5, 7, 9, 4}, 4, 60}};
  uint64_t seed = 10;
  int total = 0, empty = 0, ended_early = 0, hit_limit = 0;
  for (const Case& c : cases) {
    Model m = chatty_model(c.widths, c.charset, seed);
    Rng rng(seed++);
    ChatTranscript t;
    for (int k = 0; k < c.queries; ++k) {
      std::string q = random_query(rng);
      t.ask(m, q);
      size_t n = generate_reference(m, q).size();
      empty += n == 0;
      ended_early += n > 0 && n < static_cast<size_t>(kMaxGenerate);
      hit_limit += n == static_cast<size_t>(kMaxGenerate);
    }
    t.expect_prompt();
    total += c.queries;
    emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input);
    EXPECT_EQ(run.raw, t.output) << "model with charset " << c.charset;
  }
  EXPECT_GE(total, 300);
  EXPECT_GT(ended_early, total / 4);  // the end symbol and the length limit both end answers
  EXPECT_GT(hit_limit, 0);
  EXPECT_GT(empty, 0);
}

// Encodings v2 and v3 through the whole program: the chat core's 256 (v2) or 512 (v3: NET_IN and
// NET_IN2) presence buckets and NET_CTX.
TEST_P(CpmChat, EncodingV2AndV3AnswersEqualTheReferenceOnSeededModels) {
  for (Encoding e : {Encoding::v2, Encoding::v3}) {
    SCOPED_TRACE(encoding_name(e));
    int total = 0, nonempty = 0;
    uint64_t seed = 40;
    for (const std::vector<int>& widths : {std::vector<int>{24, 12}, std::vector<int>{32, 16, 30}}) {
      Model m = chatty_model(widths, widths.back(), seed, e);
      ASSERT_EQ(m.input_size(), input_size(e));
      Rng rng(seed++);
      ChatTranscript t;
      for (int k = 0; k < 60; ++k) {
        std::string q = random_query(rng);
        if (k % 10 == 0) q = q + " " + q + " " + q;  // repeated trigrams: present once
        t.ask(m, q);
        nonempty += !generate_reference(m, q).empty();
      }
      t.expect_prompt();
      total += 60;
      emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), t.input);
      EXPECT_EQ(run.raw, t.output);
    }
    EXPECT_GT(nonempty, total / 2);
  }
}

// The chat core's tokenizer alone (QUERY_SPAN then TOKENIZE, from a stub), over buffers full of
// garbage: the query buckets in NET_IN (v3: and NET_IN2), low and high bytes, equal encode_query.
std::vector<int16_t> z80_query_buckets(const z80::BuiltProgram& p, std::string_view raw) {
  emu::ScriptedConsole console;
  emu::CpmMachine machine(console);
  machine.load(p.binary, {}, "tok.com");
  emu::Z80Cpu& cpu = machine.cpu();
  Rng rng(raw.size());
  for (uint32_t a = z80::kLoadAddress + p.image_bytes; a < p.memory_top; ++a)
    cpu.write_byte(static_cast<uint16_t>(a), static_cast<uint8_t>(rng.next()));
  constexpr uint16_t kText = 0x0080;  // the default DMA buffer: 128 bytes
  EXPECT_LE(raw.size(), 128u);
  for (size_t k = 0; k < raw.size(); ++k)
    cpu.write_byte(static_cast<uint16_t>(kText + k), static_cast<uint8_t>(raw[k]));
  const uint16_t span = export_testing::symbol(p, "QUERY_SPAN"),
                 tokenize = export_testing::symbol(p, "TOKENIZE");
  const auto lo = [](uint16_t a) { return static_cast<uint8_t>(a & 0xFF); };
  const auto hi = [](uint16_t a) { return static_cast<uint8_t>(a >> 8); };
  // LD HL,kText / LD B,length / CALL QUERY_SPAN / RET Z / JP TOKENIZE (its RET pops 0000h: warm boot)
  const uint8_t stub[] = {0x21,         lo(kText),   hi(kText), 0x06, static_cast<uint8_t>(raw.size()),
                          0xCD,         lo(span),    hi(span),  0xC8, 0xC3,
                          lo(tokenize), hi(tokenize)};
  for (size_t k = 0; k < sizeof stub; ++k)
    cpu.write_byte(static_cast<uint16_t>(export_testing::kNetworkStub + k), stub[k]);
  cpu.set_pc(export_testing::kNetworkStub);
  EXPECT_EQ(machine.run().reason, emu::ExitReason::kWarmBoot);
  const int n_query = export_testing::symbol(p, "N_QUERY");
  std::vector<int16_t> q(static_cast<size_t>(n_query));
  for (int i = 0; i < n_query; ++i) {
    const auto at = static_cast<uint16_t>(i < 256 ? export_testing::symbol(p, "NET_IN") + i
                                                  : export_testing::symbol(p, "NET_IN2") + i - 256);
    q[static_cast<size_t>(i)] =
        static_cast<int16_t>(cpu.read_byte(at) | cpu.read_byte(static_cast<uint16_t>(at + 256)) << 8);
  }
  return q;
}

std::vector<int> hit_buckets(const std::vector<int16_t>& q) {
  std::vector<int> hits;
  for (size_t i = 0; i < q.size(); ++i)
    if (q[i] != 0) hits.push_back(static_cast<int>(i));
  return hits;
}

// Encoding v3's second query block, NET_IN2, is a buffer of its own (split pages) that every
// target's memory map names; v1 and v2 programs have none.
TEST(ChatCore, MemoryMapsNameTheV3QueryBlocks) {
  for (Encoding e : kEncodings) {
    const Model m = chatty_model({24, 12}, 12, 3, e);
    for (const char* target : {"cpm", "zx48", "msx"})
      for (const char* engine : {"compact", "fast"}) {
        SCOPED_TRACE(encoding_name(e) + " " + target + " " + engine);
        const z80::BuiltProgram p = z80::export_program(m, {.target = target, .engine = engine});
        EXPECT_NE(p.memory_map.find("NET_IN: chat core: "), std::string::npos) << p.memory_map;
        EXPECT_EQ(
            p.memory_map.find("NET_IN2: chat core: query inputs 256..511 (split pages)") != std::string::npos,
            e == Encoding::v3)
            << p.memory_map;
        EXPECT_EQ(p.symbols.count("NET_IN2"), e == Encoding::v3 ? 1u : 0u);
        if (e != Encoding::v3) continue;
        const uint16_t in = export_testing::symbol(p, "NET_IN"), in2 = export_testing::symbol(p, "NET_IN2");
        EXPECT_EQ(in % 256, 0);
        EXPECT_EQ(in2 % 256, 0);
        EXPECT_TRUE(in2 >= in + 512 || in >= in2 + 512) << in << " " << in2;
        EXPECT_EQ(export_testing::symbol(p, "N_QUERY"), 512);
      }
  }
}

TEST(ChatCore, TokenizerBucketsEqualEncodeQueryGolden) {
  // 84 bytes: the first 62 are hashed ("... WITH FI"), 62 trigrams in all.
  const std::string long_query =
      "The quick brown fox jumps over a lazy dog; pack MY BOX WITH FIVE DOZEN LIQUOR JUGS";
  const std::string query62 = long_query.substr(0, 62);
  ASSERT_EQ(query_span(long_query), query62);
  const std::string queries[] = {"hi", "Hello", "  how ARE you?  ", query62, "   " + long_query, "x", "!?"};
  for (Encoding e : kEncodings) {
    const z80::BuiltProgram p = export_cpm(chatty_model({24, 12}, 12, 3, e));
    for (const std::string& raw : queries) {
      std::vector<int16_t> expected(static_cast<size_t>(query_buckets(e)));
      encode_query(e, raw, expected.data());
      EXPECT_EQ(z80_query_buckets(p, raw), expected) << encoding_name(e) << " '" << raw << "'";
    }
  }
  // v3: bucket h & 511, bit 8 of the hash set ("hi": both) and clear ("Hello": 165, 239, 253).
  const z80::BuiltProgram p3 = export_cpm(chatty_model({24, 12}, 12, 3, Encoding::v3));
  EXPECT_EQ(hit_buckets(z80_query_buckets(p3, "hi")), (std::vector<int>{289, 319}));
  EXPECT_EQ(hit_buckets(z80_query_buckets(p3, "Hello")), (std::vector<int>{165, 239, 253, 271, 285}));
  const std::vector<int> hits62 = hit_buckets(z80_query_buckets(p3, "   " + long_query));
  EXPECT_EQ(hits62.size(), 56u);  // 62 trigrams, 56 distinct buckets
  EXPECT_EQ(std::count_if(hits62.begin(), hits62.end(), [](int b) { return b >= 256; }), 24);
}

TEST_P(CpmChat, TiesPickTheFirstSymbol) {
  Model m = random_model({8, 5}, test_charset(5), 6);
  Layer& out = m.layers.back();
  for (int o = 0; o < out.n_out; ++o)  // every output neuron the same as the first
    for (int i = 0; i < out.n_in; ++i)
      out.w[static_cast<size_t>(o) * out.n_in + i] = out.w[static_cast<size_t>(i)];
  out.b.assign(out.b.size(), 3);
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), "", {"tie"});
  EXPECT_EQ(run.raw, std::string(kMaxGenerate, test_charset(5)[0]));
  EXPECT_EQ(run.raw, generate_reference(m, "tie"));
}

TEST_P(CpmChat, NegativeBestLogitStillWins) {
  Model m = random_model({8, 4}, test_charset(4), 7, {0, 0, 0});
  m.layers.back().b = {-400, -41, -40, -900};  // outputs -100, -11, -10, -225: index 2
  emu::testing::CpmRun run = run_chat(export_cpm(m, GetParam()), "", {"cold"});
  EXPECT_EQ(run.raw, std::string(kMaxGenerate, test_charset(4)[2]));
  EXPECT_EQ(run.raw, generate_reference(m, "cold"));
}

// ARGMAX on NET_OUT values written directly: the first maximum of y = floor(v / OUT_STEP), over
// the whole int16 range, with ties in y that differ in v, and values whose threshold passes 7FFFh.
TEST_P(CpmChat, ArgmaxPicksTheFirstMaximumOfTheOutputsOverTheWholeRange) {
  Model m = random_model({8, 6}, test_charset(6), 31);
  z80::BuiltProgram p = export_cpm(m, GetParam());
  const uint16_t net_out = export_testing::symbol(p, "NET_OUT"), argmax = export_testing::symbol(p, "ARGMAX");
  const int step = export_testing::symbol(p, "OUT_STEP");
  const std::vector<std::vector<int16_t>> cases = {{5, 6, 7, 4, 7, 1},
                                                   {-32768, -32767, -32768, -32000, -32768, -32767},
                                                   {32767, 32764, 32766, 1, 32767, 0},
                                                   {32764, 32767, 0, 0, 0, 0},
                                                   {-1, -4, -3, -2, -5, -8},
                                                   {255, 256, 257, 252, 253, 511},
                                                   {-256, -255, -257, 0, -1, -2},
                                                   {100, 101, 102, 103, 104, 105}};
  for (const auto& y : cases) {
    emu::ScriptedConsole console;
    emu::CpmMachine machine(console, {.max_t_states = 1'000'000});
    machine.load(p.binary, {}, "argmax.com");
    emu::Z80Cpu& cpu = machine.cpu();
    for (size_t o = 0; o < y.size(); ++o) {
      const auto at = static_cast<uint16_t>(net_out + 256 - y.size() + o);
      cpu.write_byte(at, static_cast<uint8_t>(static_cast<uint16_t>(y[o]) & 0xFF));
      cpu.write_byte(static_cast<uint16_t>(at + 256), static_cast<uint8_t>(static_cast<uint16_t>(y[o]) >> 8));
    }
    // CALL ARGMAX / LD (0060h),A / RET (to 0000h: the end of the run)
    const uint8_t stub[] = {
        0xCD, static_cast<uint8_t>(argmax), static_cast<uint8_t>(argmax >> 8), 0x32, 0x60, 0x00, 0xC9};
    for (size_t k = 0; k < sizeof stub; ++k) cpu.write_byte(static_cast<uint16_t>(0x40 + k), stub[k]);
    cpu.set_pc(0x40);
    EXPECT_EQ(machine.run().reason, emu::ExitReason::kWarmBoot);
    size_t best = 0;
    for (size_t o = 1; o < y.size(); ++o)
      if (y[o] / step - (y[o] % step < 0) > y[best] / step - (y[best] % step < 0)) best = o;
    EXPECT_EQ(cpu.read_byte(0x60), best) << "first value " << y[0];
  }
}

TEST_P(CpmChat, TooLittleMemoryPrintsAMessageAndReturns) {
  Model m = chatty_model({24, 12}, 12, 8);
  z80::BuiltProgram p = export_cpm(m, GetParam());
  emu::testing::CpmRun tight = run_chat(p, "", {"hello"}, {.tpa_top = static_cast<uint16_t>(p.memory_top)});
  EXPECT_EQ(tight.raw, generate_reference(m, "hello"));
  emu::testing::CpmRun small =
      run_chat(p, "", {"hello"}, {.tpa_top = static_cast<uint16_t>(p.memory_top - 1)});
  EXPECT_EQ(small.raw,
            fmt::format("Not enough memory: this program needs a TPA up to {:04X}h.\r\n", p.memory_top));
  EXPECT_EQ(small.result.reason, emu::ExitReason::kWarmBoot);
}

// A real CP/M leaves garbage above the image; the program must not rely on zeroed buffers.
TEST_P(CpmChat, GarbageInTheBuffersChangesNothing) {
  for (Encoding e : kEncodings) {
    Model m = chatty_model({24, 12}, 12, 9, e);
    z80::BuiltProgram p = export_cpm(m, GetParam());
    ChatTranscript t;
    t.ask(m, "hello");
    t.ask(m, "what is this");
    t.expect_prompt();
    emu::ScriptedConsole console(t.input);
    emu::CpmMachine machine(console);
    machine.load(p.binary, {}, "CHAT.COM");
    Rng rng(99);
    for (uint32_t a = z80::kLoadAddress + p.image_bytes; a < p.memory_top; ++a)
      machine.cpu().write_byte(static_cast<uint16_t>(a), static_cast<uint8_t>(rng.next()));
    machine.run();
    EXPECT_EQ(console.output(), t.output) << encoding_name(e);
  }
}

// Pinned so that any change in cost shows up; update only on purpose.
TEST_P(CpmChat, GoldenTStatesOfFixedAnswers) {
  Model m = random_model({64, 32, 20}, test_charset(20), 16);
  m.layers.back().b.back() = 80;  // bias of the end symbol
  z80::BuiltProgram p = export_cpm(m, GetParam());
  emu::testing::CpmRun one_shot = run_chat(p, "", {"hello"});
  EXPECT_EQ(one_shot.raw, "HHHHHNH");
  struct Golden {
    uint64_t one_shot, chat;
    double median_char;
  };
  // The chat totals include BDOS 9's 10 T-states per character (16 characters of prompts and line ends)
  // and reading each line key by key with BDOS 1 (whole lines, any length). The compact engine's
  // figures move by a T-state per page its weight pointer crosses, so they follow the image's layout.
  const std::map<std::string, Golden> golden = {{"compact", {1356828u, 4385482u, 188862.0}},
                                                {"fast", {493559u, 1458868u, 54943.0}},
                                                {"fast_portable", {523387u, 1544282u, 58637.0}}};
  const Golden& g = golden.at(GetParam());
  EXPECT_EQ(one_shot.result.t_states, g.one_shot);
  ChatTranscript t;
  t.ask(m, "how are you");
  t.ask(m, "tell me a joke");
  t.expect_prompt();
  emu::testing::CpmRun chat = run_chat(p, t.input);
  EXPECT_EQ(chat.raw, t.output);
  EXPECT_EQ(generate_reference(m, "how are you") + generate_reference(m, "tell me a joke"),
            "HHNHHNHHHHEHHHHHHHEHH");
  EXPECT_EQ(chat.result.t_states, g.chat);
  emu::ResponseStats stats = emu::compute_response_stats(chat.timeline);
  EXPECT_EQ(stats.median_char_interval, g.median_char);
}

INSTANTIATE_TEST_SUITE_P(Engines, CpmChat, ::testing::ValuesIn(export_testing::export_engines()),
                         export_testing::engine_test_name);

}  // namespace
}  // namespace z80lm
