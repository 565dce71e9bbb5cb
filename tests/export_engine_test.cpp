// export_engine_test.cpp — every Z80 engine's network (NET_QUERY then NET_RUN), run alone in the
// emulator, must equal forward_reference on every output value, for awkward shapes, weights and
// inputs. Parameterised over z80::engine_names(): each suite runs once per engine.
#include <gtest/gtest.h>

#include <map>

#include "export_test_support.h"
#include "model/model_file.h"
#include "z80/engine_compact.h"
#include "z80/fast_query_columns.h"

namespace z80lm {
namespace {

class EngineNetwork : public ::testing::TestWithParam<std::string> {};

using export_testing::export_cpm;
using export_testing::random_model;
using export_testing::Rng;
using export_testing::run_network;
using export_testing::test_charset;

// Inputs as the chat core makes them (encoded text), or any int16 at all (wrap-around, signs).
std::vector<int16_t> test_input(Rng& rng, bool arbitrary, Encoding encoding = Encoding::v1) {
  std::vector<int16_t> x(static_cast<size_t>(input_size(encoding)));
  if (arbitrary) {
    for (int16_t& v : x)
      v = static_cast<int16_t>(rng.below(4) == 0 ? 0 : static_cast<int>(rng.next() & 0xFFFF) - 32768);
    return x;
  }
  std::string query, generated;
  for (int n = 1 + rng.below(30); n > 0; --n) query += static_cast<char>(' ' + rng.below(95));
  for (int n = rng.below(12); n > 0; --n) generated += static_cast<char>('A' + rng.below(26));
  encode_input(encoding, query, generated, x.data());
  return x;
}

void expect_network_matches_reference(const std::string& engine, const Model& m, int inputs, uint64_t seed) {
  ASSERT_EQ(model_problem(m), "");
  z80::BuiltProgram p = export_cpm(m, engine);
  Rng rng(seed);
  for (int k = 0; k < inputs; ++k) {
    std::vector<int16_t> x = test_input(rng, k % 2 == 1, m.encoding);
    ASSERT_EQ(run_network(p, x.data()), forward_reference(m, x.data())) << "input " << k;
  }
}

TEST_P(EngineNetwork, MatchesReferenceOnRandomModelsOfManyShapes) {
  // hidden widths include 1, 256 and non-multiples of 4; 1 to 5 layers; charsets of 2 to 60.
  const std::vector<std::vector<int>> shapes = {
      {2}, {60}, {37, 12}, {1, 2}, {256, 60}, {5, 7, 9, 11, 3}, {256, 256, 40}, {13, 255, 17}};
  uint64_t seed = 100;
  for (const auto& widths : shapes) {
    SCOPED_TRACE(::testing::Message()
                 << "shape ending in " << widths.back() << ", " << widths.size() << " layers");
    expect_network_matches_reference(GetParam(), random_model(widths, test_charset(widths.back()), seed), 6,
                                     seed);
    ++seed;
  }
}

// Encoding v2: layer 1 has 384 inputs in two blocks (NET_IN's 256, then NET_CTX's 128); v3:
// 640 in three (NET_IN's 256, NET_IN2's 256, NET_CTX's 128).
TEST_P(EngineNetwork, EncodingV2AndV3MatchReferenceOnRandomModelsOfManyShapes) {
  const std::vector<std::vector<int>> shapes = {
      {2}, {37, 12}, {256, 60}, {5, 7, 9, 11, 3}, {192, 192, 128, 40}};
  for (Encoding e : {Encoding::v2, Encoding::v3}) {
    uint64_t seed = 300;
    for (const auto& widths : shapes) {
      SCOPED_TRACE(::testing::Message() << encoding_name(e) << " shape ending in " << widths.back() << ", "
                                        << widths.size() << " layers");
      expect_network_matches_reference(GetParam(), random_model(widths, test_charset(widths.back()), seed, e),
                                       6, seed);
      ++seed;
    }
  }
}

TEST_P(EngineNetwork, AllWeightsMinusTwo) {
  expect_network_matches_reference(GetParam(), random_model({9, 6}, test_charset(6), 5, {100, 0, 0}), 8, 5);
}

TEST_P(EngineNetwork, DenseWeightsAllCodes) {
  expect_network_matches_reference(GetParam(), random_model({33, 8}, test_charset(8), 6, {25, 25, 25}), 8, 6);
}

// Every neuron has exactly one -2 weight (the original fast build treated it as -1).
TEST_P(EngineNetwork, RegressionSingleMinusTwoWeightPerNeuron_FastBuildBug) {
  Model m = random_model({16, 4}, test_charset(4), 7, {0, 20, 20});
  for (Layer& l : m.layers)
    for (int o = 0; o < l.n_out; ++o) l.w[static_cast<size_t>(o) * l.n_in + (o * 7) % l.n_in] = -2;
  expect_network_matches_reference(GetParam(), m, 10, 7);
}

// The original packed build chained SBC HL,DE for -2 without clearing the carry: with
// 0 <= acc < x before the first subtraction it computed acc - 2x - 1.
TEST_P(EngineNetwork, RegressionMinusTwoHasNoBorrow_PackedBuildCarryBug) {
  Model m;
  m.charset = test_charset(2);
  Layer l;
  l.n_in = kInputSizeV1;
  l.n_out = 2;
  l.w.assign(2 * kInputSizeV1, 0);
  l.w[0] = -2;             // output 0: -2 * x0
  l.w[kInputSizeV1] = -1;  // output 1: -x0
  l.b = {4, 4};
  m.layers.push_back(l);
  std::vector<int16_t> x(kInputSizeV1, 0);
  x[0] = 32;
  // 4 - 64 = -60 -> -15 (the carry bug gives -61 -> -16); 4 - 32 = -28 -> -7.
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), (std::vector<int16_t>{-15, -7}));
}

TEST_P(EngineNetwork, AccumulatorWrapsAt16Bits) {
  Model m = random_model({4}, test_charset(4), 8, {0, 0, 100});  // all weights +1
  for (int16_t& b : m.layers[0].b) b = 0;
  std::vector<int16_t> x(kInputSizeV1, 2000);
  // 256 * 2000 = 512000 = 53248 (mod 65536) = -12288 as int16; >> 2 = -3072.
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), (std::vector<int16_t>(4, -3072)));
  expect_network_matches_reference(GetParam(), m, 6, 8);
}

TEST_P(EngineNetwork, ReluClearsNegativeHiddenValuesOnly) {
  Model m = random_model({8, 3}, test_charset(3), 9, {0, 0, 0});  // layer 1: no weights, h = b >> 2
  m.layers[0].b = {-40, 40, -1, 0, 7, -7, 100, -100};             // h = -10 10 -1 0 1 -2 25 -25
  m.layers[1].w.assign(m.layers[1].w.size(), 1);                  // layer 2 sums the ReLU'd h: 36
  m.layers[1].b = {-9, 8, -40};
  std::vector<int16_t> x(kInputSizeV1, 0);
  // (-9 + 36) >> 2 = 6, (8 + 36) >> 2 = 11, (-40 + 36) >> 2 = -1 (floor, no ReLU on the output).
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), (std::vector<int16_t>{6, 11, -1}));
}

// Hidden values at the ends of the int16 range. The fast engine keeps hidden layers 2, 3, ...
// offset by 128, where 32700 + 128 wraps to -32708: the walk must still see a positive value.
TEST_P(EngineNetwork, RegressionHiddenValuesNearTheInt16Limits_CenteredWrap) {
  Model m = random_model({4, 6, 3}, test_charset(3), 10, {0, 0, 0});  // no weights: values = biases
  m.layers[1].b = {32700, -32700, 32767, -32768, 32639, -32641};      // >> 2: 8175 0 8191 0 8159 0
  m.layers[2].w.assign(m.layers[2].w.size(), 1);                      // the outputs sum them: 24525
  m.layers[2].b = {0, 1, -3};
  std::vector<int16_t> x(kInputSizeV1, 0);
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), (std::vector<int16_t>{6131, 6131, 6130}));
}

// Every list length from 0 to 40 entries, plus and minus, in layer 1's context half and in a
// hidden layer (the unrolled loops' entry points and passes; SP streaming reads entries in pairs).
TEST_P(EngineNetwork, EveryListLengthUpTo40) {
  Model m = random_model({48, 41}, test_charset(41), 13, {0, 0, 0});
  Layer& l1 = m.layers[0];
  for (int n = 0; n <= 40; ++n)
    for (int o = 0; o < n; ++o) {
      l1.w[static_cast<size_t>(o) * l1.n_in + 128 + n] = 1;                // n plus entries
      l1.w[static_cast<size_t>(o) * l1.n_in + 169 + n] = -1;               // n minus entries
      if (n <= 20) l1.w[static_cast<size_t>(o) * l1.n_in + 210 + n] = -2;  // 2n minus entries
    }
  l1.b.assign(l1.b.size(), 400);  // every hidden value positive and below 256 after >> 2
  Layer& l2 = m.layers[1];
  for (int j = 0; j <= 40; ++j)
    for (int o = 0; o < j; ++o)
      l2.w[static_cast<size_t>(o) * l2.n_in + j] = static_cast<int8_t>(j % 2 ? 1 : -1);
  std::vector<int16_t> x(kInputSizeV1, 0);
  for (int i = 128; i < kInputSizeV1; ++i) x[i] = static_cast<int16_t>(1 + i % 3);
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), forward_reference(m, x.data()));
}

// Inputs connected to (nearly) every output: longer lists than the fast engine's records take
// (its far records), in layer 1's context half and in a hidden layer.
TEST_P(EngineNetwork, DenseInputsConnectedToEveryOutput) {
  Model m = random_model({256, 256, 8}, test_charset(8), 14);
  for (int o = 0; o < 256; ++o) {
    Layer& l1 = m.layers[0];
    l1.w[static_cast<size_t>(o) * l1.n_in + 130] = 1;                                     // 256 entries
    l1.w[static_cast<size_t>(o) * l1.n_in + 131] = static_cast<int8_t>(o % 3 ? -2 : -1);  // 427 entries
    l1.w[static_cast<size_t>(o) * l1.n_in + 5] = -2;                                      // a query input
    Layer& l2 = m.layers[1];
    l2.w[static_cast<size_t>(o) * l2.n_in + 7] = static_cast<int8_t>(o % 2 ? 1 : -2);
    l2.w[static_cast<size_t>(o) * l2.n_in + 8] = -1;
  }
  m.layers[0].b[7] = m.layers[0].b[8] = 400;  // hidden values 7 and 8 active, below 256
  std::vector<int16_t> x(kInputSizeV1, 0);
  x[5] = x[130] = x[131] = 32;
  EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data()), forward_reference(m, x.data()));
  expect_network_matches_reference(GetParam(), m, 6, 14);
}

// Hidden values of 256 and more after the shift (the fast engine's general path).
TEST_P(EngineNetwork, LargeHiddenValues) {
  Model m = random_model({16, 5}, test_charset(5), 11);
  for (size_t o = 0; o < m.layers[0].b.size(); ++o) m.layers[0].b[o] = static_cast<int16_t>(1000 + 700 * o);
  expect_network_matches_reference(GetParam(), m, 6, 11);
}

// A hidden value y >= 256 goes through COLG. In a walk with a pointer table (the fast engine's
// W<k>_T) the SP-streaming flavour once looked the record up with a PUSH onto the list stream, so
// the next evaluation read a corrupted list: two evaluations in one machine must both be exact.
// Both kinds of tabled layer: lean records (no L byte, COLG_M) and, with a far record (an input of
// layer 2 connected to all 250 outputs), records that keep their L byte.
TEST_P(EngineNetwork, RegressionWideValueInATabledWalkLeavesTheListsIntact) {
  for (const int width : {12, 250}) {
    Model m = random_model({16, width, 5}, test_charset(5), 15);
    for (size_t o = 0; o < m.layers[0].b.size(); ++o)
      m.layers[0].b[o] = static_cast<int16_t>(o % 2 ? 5000 : 40);  // y >= 256: COLG
    for (size_t o = 0; o < m.layers[1].b.size(); ++o)
      m.layers[1].b[o] = static_cast<int16_t>(o % 2 ? 30 : 7000);
    if (width == 250)
      for (int o = 0; o < width; ++o) m.layers[1].w[static_cast<size_t>(o) * 16 + 1] = 1;  // a far record
    const z80::BuiltProgram p = export_cpm(m, GetParam());
    Rng rng(15);
    const std::vector<int16_t> x = test_input(rng, false);
    emu::ScriptedConsole console;
    emu::CpmMachine machine(console, {.max_t_states = 2'000'000'000});
    machine.load(p.binary, {}, "net.com");
    emu::Z80Cpu& cpu = machine.cpu();
    export_testing::write_network_inputs(cpu, p, x.data(), nullptr);
    const uint16_t query = export_testing::symbol(p, "NET_QUERY"), run = export_testing::symbol(p, "NET_RUN");
    const auto lo = [](uint16_t a) { return static_cast<uint8_t>(a & 0xFF); };
    const auto hi = [](uint16_t a) { return static_cast<uint8_t>(a >> 8); };
    // CALL NET_QUERY / CALL NET_RUN / JP NET_RUN (whose RET pops the initial 0000h: warm boot)
    const uint8_t stub[] = {0xCD, lo(query), hi(query), 0xCD, lo(run), hi(run), 0xC3, lo(run), hi(run)};
    for (size_t k = 0; k < sizeof stub; ++k)
      cpu.write_byte(static_cast<uint16_t>(export_testing::kNetworkStub + k), stub[k]);
    cpu.set_pc(export_testing::kNetworkStub);
    EXPECT_EQ(machine.run().reason, emu::ExitReason::kWarmBoot);
    EXPECT_EQ(export_testing::network_outputs(cpu, p), forward_reference(m, x.data())) << width << " wide";
  }
}

TEST(CompactEngine, ModelBytesAreWhatTheImageHolds) {
  Model m = random_model({13, 255, 17}, test_charset(17), 12);
  z80::BuiltProgram p = export_cpm(m, "compact");
  // The model data runs from the layer table to the end of the image.
  EXPECT_EQ(z80::CompactEngine().model_bytes(m),
            export_testing::symbol(p, "IMAGE_END") - export_testing::symbol(p, "LYR_TABLE"));
  EXPECT_EQ(z80::CompactEngine().model_bytes(m), 3u * 15 + 256 * 4 + 13 * 64 + 255 * 5 + 2 * (13 + 255 + 17));
}

// Encoding v3 (compact-query): layer 1's 512 query columns are nibble-coded (L1_QCOL, added once
// per response into QCACHE by NET_QUERY); only its 128 context columns stay packed. The model
// data still runs from LYR_TABLE to the end of the image, and the examples' v3 models need over
// 12 KB fewer bytes than the all-packed layout (30 KB of layer 1) that kept them off a Spectrum
// and an MSX (6,806 and 2,158 bytes too many).
TEST(CompactEngine, V3QueryColumnsAreNibbleCodedAndSmallerThanPacked) {
  const auto packed_bytes = [](const Model& m) {
    uint32_t bytes = 0;
    for (const Layer& l : m.layers)
      bytes += static_cast<uint32_t>(l.n_in * z80::compact_column_bytes(l.n_out) + 2 * l.n_out + 15);
    return bytes;
  };
  Model r = random_model({13, 255, 17}, test_charset(17), 12, Encoding::v3);
  std::vector<Model> models{r};
  for (const char* example : {"tinychat", "guess"})
    models.push_back(load_model(std::string(Z80LM_SOURCE_DIR) + "/examples/" + example + "/model.zlm"));
  for (const Model& m : models) {
    ASSERT_EQ(m.encoding, Encoding::v3);
    const z80::BuiltProgram p = export_cpm(m, "compact");
    const uint32_t bytes = z80::CompactEngine().model_bytes(m);
    EXPECT_EQ(bytes, export_testing::symbol(p, "IMAGE_END") - export_testing::symbol(p, "LYR_TABLE"));
    const int n1 = m.layers[0].n_out, nq = query_buckets(Encoding::v3);
    EXPECT_EQ(bytes, packed_bytes(m) - static_cast<uint32_t>(nq * z80::compact_column_bytes(n1)) +
                         z80::fast_query_columns(m.layers[0], nq).size());
    EXPECT_EQ(p.symbols.count("QCACHE"), 1u);
    if (&m != &models[0]) {  // the examples: sparse layer 1, far smaller
      EXPECT_LT(bytes + 12'000, packed_bytes(m)) << bytes << " vs " << packed_bytes(m);
    }
  }
  // v1 and v2 keep the packed layout: no cache.
  for (Encoding e : {Encoding::v1, Encoding::v2}) {
    Model m = random_model({13, 255, 17}, test_charset(17), 12, e);
    EXPECT_EQ(z80::CompactEngine().model_bytes(m), packed_bytes(m));
    EXPECT_EQ(export_cpm(m, "compact").symbols.count("QCACHE"), 0u);
  }
}

// Hidden biases whose stored high bytes are all alike (the trained examples' small biases): the
// fast engine stores only their low bytes and fills the high bytes (00h here, FFh in layer 3).
TEST_P(EngineNetwork, HiddenBiasesWithOneHighByteAreFilled) {
  for (Encoding e : kEncodings) {
    Model m = random_model({48, 40, 33, 10}, test_charset(10), 23, e);
    for (size_t o = 0; o < m.layers[1].b.size(); ++o) m.layers[1].b[o] = static_cast<int16_t>(o % 9 * 13 - 60);
    for (size_t o = 0; o < m.layers[2].b.size(); ++o) m.layers[2].b[o] = static_cast<int16_t>(-140 - o % 7 * 15);
    for (size_t o = 0; o < m.layers[0].b.size(); ++o) m.layers[0].b[o] = static_cast<int16_t>(o % 5 * 40);
    if (GetParam() != "compact") {
      const std::string code = z80::FastEngine().generate(m).code;
      EXPECT_NE(code.find("LD   A,000h\n        CALL FX_FILL+"), std::string::npos);
      EXPECT_NE(code.find("LD   A,0FFh\n        CALL FX_FILL+"), std::string::npos);
    }
    expect_network_matches_reference(GetParam(), m, 8, 23);
  }
}

// CTX_LIST (engine.h) may list zero buckets too, in any order: the chat core lists its buckets as
// they are first hit. Here every other bucket, ascending, half of them zero.
TEST_P(EngineNetwork, ContextListMayHoldZeroBucketsInAnyOrder) {
  for (Encoding e : kEncodings) {
    Model m = random_model({40, 12}, test_charset(12), 21, e);
    const int nq = query_buckets(e);
    std::vector<int16_t> x(static_cast<size_t>(input_size(e)), 0);
    std::vector<uint8_t> list;
    for (int j = 0; j < kContextBuckets; j += 2) {
      list.push_back(static_cast<uint8_t>(128 + j));
      if (j % 4 == 0) x[static_cast<size_t>(nq + j)] = static_cast<int16_t>(32 * (1 + j % 3));
    }
    x[3] = x[nq / 2] = x[nq - 1] = 32;  // v3: NET_IN2 holds inputs 256 and 511
    EXPECT_EQ(run_network(export_cpm(m, GetParam()), x.data(), nullptr, &list),
              forward_reference(m, x.data()))
        << encoding_name(e);
  }
}

// Pinned so that any change in the engine's cost shows up here; update only on purpose.
TEST_P(EngineNetwork, GoldenTStatesOfOneEvaluation) {
  Model m = random_model({64, 32, 20}, test_charset(20), 1);
  z80::BuiltProgram p = export_cpm(m, GetParam());
  std::vector<int16_t> x(kInputSizeV1);
  encode_input(Encoding::v1, "hello there", "HI", x.data());
  uint64_t t_states = 0;
  EXPECT_EQ(run_network(p, x.data(), &t_states), forward_reference(m, x.data()));
  const std::map<std::string, uint64_t> golden = {
      {"compact", 175767u}, {"fast", 48316u}, {"fast_portable", 52055u}};
  EXPECT_EQ(t_states, golden.at(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineNetwork, ::testing::ValuesIn(export_testing::export_engines()),
                         export_testing::engine_test_name);

}  // namespace
}  // namespace z80lm
