// The exact integer reference: floor shift, 16-bit wrap, ReLU placement, tie-break, stops.
#include "infer/reference.h"

#include "test_models.h"
#include "test_support.h"

namespace z80lm {
using namespace z80lm::test;

namespace {
Layer make_layer(int n_in, int n_out) {
  Layer l;
  l.n_in = n_in;
  l.n_out = n_out;
  l.w.assign(static_cast<size_t>(n_in) * n_out, 0);
  l.b.assign(n_out, 0);
  return l;
}
// A one-layer model over 256 inputs whose outputs are just its biases.
Model bias_only_model(std::vector<int16_t> biases, std::string symbols) {
  Model m;
  m.charset = symbols + '\0';
  m.layers.push_back(make_layer(kInputSizeV1, static_cast<int>(m.charset.size())));
  m.layers[0].b = std::move(biases);
  return m;
}
}  // namespace

TEST(Reference, ShiftIsFloorNotTruncation) {
  Layer l = make_layer(1, 2);
  l.b = {-5, 5};
  int16_t x[1] = {0}, y[2];
  layer_forward_reference(l, x, y, false);
  EXPECT_EQ(y[0], -2);  // floor(-5/4); Python's trunc gave -1 (reference §7 #1)
  EXPECT_EQ(y[1], 1);
}

TEST(Reference, AccumulatorWrapsAt16Bits) {
  Layer l = make_layer(2, 1);
  l.w = {1, 1};
  l.b = {0};
  int16_t x[2] = {32767, 1}, y[1];
  layer_forward_reference(l, x, y, false);
  EXPECT_EQ(y[0], -32768 / 4);
  l.w = {-2, -2};
  int16_t x2[2] = {16384, 16384};  // -65536 wraps to 0
  layer_forward_reference(l, x2, y, false);
  EXPECT_EQ(y[0], 0);
}

TEST(Reference, ReluOnHiddenLayersOnly) {
  Model m;
  m.charset = std::string("AB") + '\0';
  m.layers.push_back(make_layer(kInputSizeV1, 1));
  m.layers.push_back(make_layer(1, 3));
  m.layers[0].b = {-400};  // hidden: -100 -> ReLU -> 0
  m.layers[1].w = {1, 1, 1};
  m.layers[1].b = {-40, -8, -12};  // output keeps negatives: -10, -2, -3
  int16_t x[kInputSizeV1] = {};
  std::vector<int16_t> out = forward_reference(m, x);
  EXPECT_EQ(out, (std::vector<int16_t>{-10, -2, -3}));
  EXPECT_EQ(predict_reference(m, x), 1);  // negative best logit still wins
}

TEST(Reference, FirstMaximumWinsTies) {
  int16_t v[5] = {3, 7, 7, -1, 7};
  EXPECT_EQ(argmax_first(v, 5), 1);
  Model m = bias_only_model({40, 40, 0}, "XY");
  EXPECT_EQ(generate_reference(m, "anything", 3), "XXX");
}

TEST(Reference, GenerationStopsAtEndSymbolOrFiftyCharacters) {
  EXPECT_EQ(generate_reference(bias_only_model({0, 0, 40}, "XY"), "hi"), "");
  EXPECT_EQ(generate_reference(bias_only_model({40, 0, 0}, "XY"), "hi"), std::string(50, 'X'));
}

TEST(Reference, GenerationIsDeterministicOnRandomModel) {
  Model m = random_model(11, {32, 16}, " ABCDEFGHIJ");
  std::string a = generate_reference(m, "hello there");
  EXPECT_EQ(a, generate_reference(m, "HELLO THERE"));     // case folded
  EXPECT_EQ(a, generate_reference(m, "  hello there "));  // spaces trimmed
}

}  // namespace z80lm
