// export_fast_engine_test.cpp — what is particular to the `fast` engine: its record and nibble
// formats (golden bytes, round trips, limits), the image it builds, how it treats interrupts in
// its two flavours, and `z80lm export --engine fast` from the command line. Exactness on awkward
// models, chat sessions and the conformance vectors run in the shared suites (export_engine_test,
// export_chat_test, export_conformance_test), parameterised over every engine.
#include <gtest/gtest.h>

#include "export_test_support.h"
#include "model/model_file.h"
#include "test_support.h"
#include "z80/engine_fast.h"
#include "z80/fast_query_columns.h"
#include "z80/fast_records.h"
#include "zx/zx48_memory_map.h"
#include "zx_chat_support.h"

namespace z80lm {
namespace {

using export_testing::export_cpm;
using export_testing::random_model;
using export_testing::Rng;
using export_testing::symbol;
using export_testing::test_charset;

// A layer with n_in inputs and n_out outputs, weights drawn with -2 among them.
Layer random_layer(int n_in, int n_out, uint64_t seed) {
  Layer l;
  l.n_in = n_in;
  l.n_out = n_out;
  l.w.resize(static_cast<size_t>(n_in) * n_out);
  l.b.assign(static_cast<size_t>(n_out), 0);
  Rng rng(seed);
  export_testing::draw_weights(l, {5, 20, 20}, rng);
  return l;
}

TEST(FastRecords, CountBytesEncodeSkippedSlotsAndPasses) {
  EXPECT_EQ(z80::fast_count_byte(0), 0x00);
  EXPECT_EQ(z80::fast_count_byte(1), 0xF1);   // 1 pass, 15 slots skipped
  EXPECT_EQ(z80::fast_count_byte(16), 0x01);  // 1 full pass
  EXPECT_EQ(z80::fast_count_byte(17), 0xF2);
  EXPECT_EQ(z80::fast_count_byte(240), 0x0F);
  for (int n = 0; n <= z80::kFastMaxListEntries; ++n)
    EXPECT_EQ(z80::fast_count_entries(z80::fast_count_byte(n)), n) << n;
}

TEST(FastRecords, GoldenBytesOfASmallLayer) {
  Layer l;
  l.n_in = 2;
  l.n_out = 3;
  l.w = {1,  -2,  // output 0 (offset 253)
         0,  -1,  // output 1 (offset 254)
         -1, 1};  // output 2 (offset 255)
  l.b = {0, 0, 0};
  // Input 0: plus {253}, minus {255}. Input 1: plus {255}, minus {253, 253 (-2), 254}.
  EXPECT_EQ(z80::fast_records(l, 0, 2),
            (std::vector<uint8_t>{5, 0xF1, 0xF1, 253, 255, 7, 0xD1, 0xF1, 255, 253, 253, 254}));
  EXPECT_EQ(z80::fast_records_bytes(l, 0, 2), 12u);
}

TEST(FastRecords, RoundTripForEveryWidthClass) {
  uint64_t seed = 1;
  for (int n_out : {1, 2, 3, 17, 128, 255, 256}) {
    const Layer l = random_layer(40, n_out, seed++);
    const std::vector<uint8_t> records = z80::fast_records(l, 0, l.n_in);
    EXPECT_EQ(records.size(), z80::fast_records_bytes(l, 0, l.n_in));
    EXPECT_EQ(z80::fast_records_weights(records, n_out, l.n_in), l.w) << n_out << " outputs";
  }
}

// Inputs whose lists do not fit a record (over 240 entries in a list, or 252 in all) get a far
// record: [5][0][E0h][offset], the body (chunks of at most 240 entries) after all records.
TEST(FastRecords, LongListsGoToFarRecords) {
  Layer l = random_layer(4, 256, 30);
  for (int o = 0; o < 256; ++o) {
    l.w[static_cast<size_t>(o) * l.n_in + 1] = 1;                                       // 256 plus entries
    l.w[static_cast<size_t>(o) * l.n_in + 2] = static_cast<int8_t>(o < 100 ? -2 : -1);  // 356 minus
  }
  const std::vector<uint8_t> records = z80::fast_records(l, 0, l.n_in);
  EXPECT_EQ(records.size(), z80::fast_records_bytes(l, 0, l.n_in));
  EXPECT_EQ(z80::fast_records_weights(records, 256, l.n_in), l.w);
  const size_t second = records[0], third = second + records[second];
  ASSERT_EQ(records[second], 5);
  EXPECT_EQ(records[second + 1], 0);
  EXPECT_EQ(records[second + 2], z80::kFastFarMarker);
  EXPECT_EQ(records[third + 2], z80::kFastFarMarker);
  // Input 1's body: 240 entries, 16 entries, 0; its offset points past all four records.
  const size_t body = second + (records[second + 3] | records[second + 4] << 8);
  const size_t records_end = third + 5 + records[third + 5];
  EXPECT_EQ(body, records_end);
  EXPECT_EQ(records[body], z80::fast_count_byte(240));
  EXPECT_EQ(records[body + 241], z80::fast_count_byte(16));
  EXPECT_EQ(records[body + 258], 0);  // the plus chunks end; the minus list (none) ends at once
  EXPECT_EQ(records[body + 259], 0);
}

TEST(FastQueryColumns, GoldenBytesOfASmallLayer) {
  Layer l;
  l.n_in = 2;
  l.n_out = 20;
  l.w.assign(40, 0);
  l.b.assign(20, 0);
  l.w[0 * 2 + 0] = 1;    // input 0: output 0 +1            -> nibble 1<<2|0 = 4
  l.w[2 * 2 + 0] = -1;   //          output 2 -1 (skip 1)   -> nibble 2<<2|1 = 9
  l.w[19 * 2 + 0] = -2;  //          output 19 (skip 16)    -> nibbles 3 (skip 16), 3<<2|0 = 12
  // input 1: no weights -> no nibbles
  EXPECT_EQ(z80::fast_query_columns(l, 2), (std::vector<uint8_t>{2, 0x49, 0x3C, 0}));
}

TEST(FastQueryColumns, RoundTripIncludingEmptyAndFullColumns) {
  uint64_t seed = 20;
  for (int n_out : {1, 5, 40, 256}) {
    Layer l = random_layer(16, n_out, seed++);
    for (int o = 0; o < n_out; ++o) {
      l.w[static_cast<size_t>(o) * l.n_in + 0] = 0;                                // an empty column
      l.w[static_cast<size_t>(o) * l.n_in + 1] = static_cast<int8_t>(-1 - o % 2);  // a full one
    }
    const std::vector<uint8_t> columns = z80::fast_query_columns(l, l.n_in);
    EXPECT_EQ(columns[0], 0);  // the empty column is one byte
    EXPECT_EQ(z80::fast_query_weights(columns, n_out, l.n_in), l.w) << n_out << " outputs";
  }
}

TEST(FastEngine, ModelBytesAreWhatTheImageHolds) {
  for (Encoding e : kEncodings)
    for (const std::string engine : {"fast", "fast_portable"}) {
      SCOPED_TRACE(encoding_name(e));
      Model m = random_model({13, 255, 17}, test_charset(17), 12, e);
      const z80::BuiltProgram p = export_cpm(m, engine);
      // The data from FX_MODEL on, and from FX_CPTR (the context records' pointers: a page in the
      // code, right after the page-aligned FX_STUBS' two pages, so that it costs no padding) to FX_TEND: the
      // hidden walks' pointer tables, two pages each, records of their layer in front of each half.
      EXPECT_EQ(z80::FastEngine().model_bytes(m),
                symbol(p, "IMAGE_END") - symbol(p, "FX_MODEL") + symbol(p, "FX_TEND") - symbol(p, "FX_CPTR"))
          << engine;
      EXPECT_EQ(symbol(p, "FX_CPTR"), symbol(p, "FX_STUBS") + 512) << engine;  // ADD's and SUB's stub pages
      EXPECT_EQ(symbol(p, "FX_CPTR") % 256, 0) << engine;
      EXPECT_EQ(symbol(p, "W2_T"), symbol(p, "FX_CPTR") + 256) << engine;
      EXPECT_EQ(symbol(p, "W3_T"), symbol(p, "W2_T") + 512) << engine;
      EXPECT_EQ(symbol(p, "FX_TEND"), symbol(p, "W3_T") + 512) << engine;
    }
}

// The hidden walks get pointer tables in layer order while all of them take at most 1,024 bytes
// (2 per input): here the walks over layers 1 (400 bytes), 2 (512) and 4 (8), not over layer 3
// (400 more).
TEST(FastEngine, PointerTablesGoToTheWalksThatFitTheBudget) {
  Model m = random_model({200, 256, 200, 4, 9}, test_charset(9), 16);
  const z80::BuiltProgram p = export_cpm(m, "fast");
  EXPECT_EQ(p.symbols.count("W2_T"), 1u);
  EXPECT_EQ(p.symbols.count("W3_T"), 1u);
  EXPECT_EQ(p.symbols.count("W4_T"), 0u);
  EXPECT_EQ(p.symbols.count("W5_T"), 1u);
  EXPECT_EQ(symbol(p, "W5_T"), symbol(p, "W3_T") + 512);
  EXPECT_EQ(z80::FastEngine().model_bytes(m), symbol(p, "IMAGE_END") - symbol(p, "FX_MODEL") +
                                                   symbol(p, "FX_TEND") - symbol(p, "FX_CPTR"));
}

TEST(FastEngine, OnlyTheCpmFlavourDisablesInterruptsOrMovesSp) {
  const Model m = random_model({24, 12}, test_charset(12), 4);
  const z80::AsmPart portable = static_cast<const z80::Engine&>(z80::FastEngine()).generate(m);
  const z80::AsmPart cpm = z80::FastEngine().generate(m, {.may_disable_interrupts = true});
  for (const char* instruction : {"DI", "EI", "LD   SP,"}) {
    EXPECT_EQ(portable.code.find(std::string("        ") + instruction), std::string::npos) << instruction;
    EXPECT_NE(cpm.code.find(std::string("        ") + instruction), std::string::npos) << instruction;
  }
}

// Runs `EI` or `DI`, then NET_QUERY and NET_RUN, then LD A,I (P/V = interrupts enabled) and
// stores the flags: the CP/M flavour disables interrupts while SP streams and restores them.
bool interrupts_enabled_after(const z80::BuiltProgram& p, bool enabled_before) {
  emu::ScriptedConsole console;
  emu::CpmMachine machine(console, {.max_t_states = 100'000'000});
  machine.load(p.binary, {}, "net.com");
  emu::Z80Cpu& cpu = machine.cpu();
  const uint16_t query = symbol(p, "NET_QUERY"), run = symbol(p, "NET_RUN");
  const uint8_t stub[] = {static_cast<uint8_t>(enabled_before ? 0xFB : 0xF3),  // EI / DI
                          0xCD,
                          static_cast<uint8_t>(query),
                          static_cast<uint8_t>(query >> 8),  // CALL
                          0xCD,
                          static_cast<uint8_t>(run),
                          static_cast<uint8_t>(run >> 8),  // CALL
                          0xED,
                          0x57,  // LD A,I
                          0xF5,
                          0xE1,  // PUSH AF; POP HL
                          0x22,
                          0x60,
                          0x00,   // LD (0060h),HL
                          0xC9};  // RET
  for (size_t k = 0; k < sizeof stub; ++k)
    cpu.write_byte(static_cast<uint16_t>(export_testing::kNetworkStub + k), stub[k]);
  cpu.set_pc(export_testing::kNetworkStub);
  EXPECT_EQ(machine.run().reason, emu::ExitReason::kWarmBoot);
  return (cpu.read_byte(0x0060) & 0x04) != 0;  // P/V
}

TEST(FastEngine, InterruptsAreAsTheyWereAfterNetRun) {
  const z80::BuiltProgram p = export_cpm(random_model({24, 12}, test_charset(12), 4), "fast");
  EXPECT_TRUE(interrupts_enabled_after(p, true));
  EXPECT_FALSE(interrupts_enabled_after(p, false));
}

// The Spectrum's flavour runs with interrupts on: an IM 1 handler that pushes registers (as the
// ROM's does, 50 times a second) must change nothing. Interrupts here come every 1,000 T-states.
std::vector<int16_t> run_network_with_interrupts(const z80::BuiltProgram& p, const int16_t* x,
                                                 int* interrupts_taken) {
  emu::Z80Cpu cpu;
  cpu.load(z80::kLoadAddress, p.binary);
  // 0038h: PUSH AF/BC/DE/HL, scribble over AF and HL, POP them again, EI, RET.
  const uint8_t handler[] = {0xF5, 0xC5, 0xD5, 0xE5, 0x21, 0x55, 0xAA, 0x3E,
                             0x5A, 0xE1, 0xD1, 0xC1, 0xF1, 0xFB, 0xC9};
  cpu.load(0x0038, handler);
  export_testing::write_network_inputs(cpu, p, x);
  const uint16_t query = symbol(p, "NET_QUERY"), run = symbol(p, "NET_RUN");
  // 0050h (after the handler): IM 1; EI; CALL NET_QUERY; CALL NET_RUN; HALT.
  constexpr uint16_t kStub = 0x0050;
  const uint8_t stub[] = {0xED,
                          0x56,
                          0xFB,
                          0xCD,
                          static_cast<uint8_t>(query),
                          static_cast<uint8_t>(query >> 8),
                          0xCD,
                          static_cast<uint8_t>(run),
                          static_cast<uint8_t>(run >> 8),
                          0x76};
  cpu.load(kStub, stub);
  cpu.set_sp(0xFF00);
  cpu.set_pc(kStub);
  cpu.set_stop_on_halt(true);
  *interrupts_taken = 0;
  while (!cpu.halted() && cpu.t_states() < 50'000'000) {
    cpu.run(cpu.t_states() + 1'000);
    if (!cpu.halted() && cpu.maskable_interrupt() > 0) ++*interrupts_taken;
  }
  EXPECT_TRUE(cpu.halted());
  return export_testing::network_outputs(cpu, p);
}

TEST(FastEngine, PortableFlavourIsExactWhileInterruptsFire) {
  const Model m = random_model({64, 32, 20}, test_charset(20), 5);
  const z80::BuiltProgram p = export_cpm(m, std::string(export_testing::kPortableFast));
  std::vector<int16_t> x(kInputSizeV1);
  encode_input(Encoding::v1, "hello there", "HI", x.data());
  int taken = 0;
  EXPECT_EQ(run_network_with_interrupts(p, x.data(), &taken), forward_reference(m, x.data()));
  EXPECT_GT(taken, 50);  // the handler really ran during NET_QUERY and NET_RUN
}

TEST(FastEngine, CpmFlavourTakesNoInterruptDuringNetRun) {
  const Model m = random_model({64, 32, 20}, test_charset(20), 5);
  std::vector<int16_t> x(kInputSizeV1);
  encode_input(Encoding::v1, "hello there", "HI", x.data());
  int fast_taken = 0, portable_taken = 0;
  EXPECT_EQ(run_network_with_interrupts(export_cpm(m, "fast"), x.data(), &fast_taken),
            forward_reference(m, x.data()));
  run_network_with_interrupts(export_cpm(m, std::string(export_testing::kPortableFast)), x.data(),
                              &portable_taken);
  EXPECT_LT(fast_taken, portable_taken);  // only during NET_QUERY (portable) and the stub
}

// On the Spectrum (target zx48: the portable flavour) with its 50 Hz frame interrupt on: the
// answers are exact and no frame interrupt is missed while the network runs.
TEST(FastEngineZx, ChatsExactlyWithTheFrameInterruptOn) {
  const Model m = export_testing::chatty_model({24, 12}, 12, 3);
  zx_testing::ZxTranscript t;
  for (const std::string q : {"HELLO", "HOW ARE YOU", "TELL ME A JOKE", "OK"}) t.ask(m, q);
  t.expect_prompt();
  const zx_testing::ZxChatRun run =
      zx_testing::run_tape(z80::export_program(m, {.target = "zx48", .engine = "fast"}), t.input);
  EXPECT_EQ(run.raw, t.output);
  EXPECT_EQ(run.result.reason, emu::ExitReason::kEndOfInput) << run.result.message;
  EXPECT_EQ(run.frames + 1, run.result.t_states / zx::kFrameTStates);  // the last interrupt ended the run
}

TEST(FastEngineCli, ExportsWithEngineFastAndProfilesItsLoops) {
  test::TempDir dir;
  const Model m = random_model({24, 12}, test_charset(12), 3);
  save_model(dir.file("m.zlm"), m);
  const test::RunResult r = test::run_cli("export '" + dir.file("m.zlm") + "' -o '" + dir.file("CHAT.COM") +
                                          "' --engine fast --symbols '" + dir.file("CHAT.SYM") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("engine fast"), std::string::npos) << r.out;
  const std::string answer = generate_reference(m, "hello");
  ASSERT_FALSE(answer.empty());
  const test::RunResult profiled = test::run_cli(
      "run '" + dir.file("CHAT.COM") + "' hello --profile --symbols '" + dir.file("CHAT.SYM") + "'");
  EXPECT_EQ(profiled.exit_code, 0) << profiled.out;
  EXPECT_EQ(profiled.out.substr(0, answer.size()), answer);
  for (const char* routine : {"WC_LOOP", "FX_STUBS", "ADD_", "SUB_", "W2_"})
    EXPECT_NE(profiled.out.find(routine), std::string::npos) << routine << "\n" << profiled.out;
}

TEST(FastEngineCli, ADenseModelIsRefusedWithTheSparsityHint) {
  // Half the weights nonzero in a 256-256-192-128 network: the lists alone exceed 64 KiB.
  Model m;
  m.charset = test_charset(12);
  int n_in = kInputSizeV1;
  uint64_t seed = 11;
  for (int n_out : {256, 192, 128, static_cast<int>(m.charset.size())}) {
    Layer l = random_layer(n_in, n_out, seed++);
    for (size_t i = 0; i < l.w.size(); i += 2) l.w[i] = static_cast<int8_t>(i % 4 == 0 ? 1 : -1);
    m.layers.push_back(std::move(l));
    n_in = n_out;
  }
  test::TempDir dir;
  save_model(dir.file("dense.zlm"), m);
  for (const char* target : {"cpm", "zx48"}) {
    const test::RunResult r = test::run_cli("export '" + dir.file("dense.zlm") + "' -t " + target + " -o '" +
                                            dir.file("OUT") + "' --engine fast");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("the model alone takes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--sparsity 0.75"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("--min-tpa"), std::string::npos) << r.out;  // no CP/M can hold it
  }
}

}  // namespace
}  // namespace z80lm
