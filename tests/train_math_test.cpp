// The trainer's numeric core: quantizer, schedules, RNG, the float forward/backward (against
// finite differences), the claim "float forward at temperature 1 == integer reference", and
// the fast exact integer evaluator (bit for bit against infer/reference.h).
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "infer/reference.h"
#include "text/charset.h"
#include "text/encoder.h"
#include "text/examples.h"
#include "train/int_eval.h"
#include "train/qat_forward.h"
#include "train/qat_net.h"
#include "train/quantize.h"
#include "train/schedule.h"
#include "train/thread_pool.h"
#include "util/rng.h"

namespace z80lm {
namespace {

std::vector<Pair> small_pairs() {
  const char* words[] = {"hello",   "what is", "are you", "bye now",
                         "tell me", "why not", "can you", "ok then"};
  const char* answers[] = {"HI", "YES", "NO", "OK BYE", "WHY?"};
  std::vector<Pair> pairs;
  for (int i = 0; i < 24; ++i)
    pairs.push_back({std::string(words[i % 8]) + " " + std::to_string(i / 8), answers[(i * 7) % 5], i + 1});
  return pairs;
}

TEST(TrainQuantize, QuantileInterpolatesLikeTorch) {
  const float w[] = {-5, 4, -3, 2, 1};  // |w| sorted: 1 2 3 4 5; pos 0.95*4 = 3.8 -> 4.8
  EXPECT_FLOAT_EQ(quantile_abs(w, 5, 0.95), 4.8f);
  EXPECT_FLOAT_EQ(quantile_abs(w, 5, 0.5), 3.f);
  EXPECT_FLOAT_EQ(quantile_abs(w, 5, 1.0), 5.f);
  const float zero[] = {0, 0};
  EXPECT_FLOAT_EQ(quantile_abs(zero, 2, 0.95), 1e-6f);  // clamped
}

TEST(TrainQuantize, CodesRoundHalfToEvenThenClamp) {
  const std::pair<float, int> cases[] = {{0.5f, 0},    {1.5f, 1},  {-0.5f, 0},  {-1.5f, -2},  {-2.5f, -2},
                                         {2.7f, 1},    {-3.f, -2}, {0.49f, 0},  {-1.49f, -1}, {1e30f, 1},
                                         {-1e30f, -2}, {0.51f, 1}, {-0.51f, -1}};
  for (auto [v, code] : cases) EXPECT_EQ(weight_code(v), code) << v;
  EXPECT_EQ(bias_code(2.5f), 2);
  EXPECT_EQ(bias_code(-3.5f), -4);
  EXPECT_EQ(bias_code(1e9f), 32767);
  EXPECT_EQ(bias_code(-1e9f), -32768);
}

TEST(TrainQuantize, VectorisedCodesEqualScalarCodes) {
  Rng rng(3);
  std::vector<float> w;
  for (int i = 0; i < 1003; ++i) w.push_back(static_cast<float>(3 * rng.normal()));
  for (float k = -3; k <= 2; ++k) w.push_back(k + 0.5f);  // every tie
  std::vector<float> codes(w.size()), blended(w.size()), biases(w.size());
  weight_codes(w.data(), w.size(), 1.f, codes.data());
  blend_codes(w.data(), w.size(), 1.f, 0.25f, blended.data());
  blend_biases(w.data(), w.size(), 0.25f, biases.data());
  for (size_t i = 0; i < w.size(); ++i) {
    ASSERT_EQ(codes[i], weight_code_f(w[i])) << w[i];
    ASSERT_EQ(blended[i], 0.75f * w[i] + 0.25f * weight_code_f(w[i])) << w[i];
    ASSERT_EQ(biases[i], 0.75f * w[i] + 0.25f * bias_code_f(w[i])) << w[i];
  }
}

TEST(TrainQuantize, ZeroBandZeroesTheSmallCodesAndKeepsTheRest) {
  // Band 0.5 is plain rounding; a wider band zeroes |u| < band and rounds the rest.
  const std::tuple<float, float, int> cases[] = {{0.8f, 0.9f, 0},   {-0.8f, 0.9f, 0},  {0.9f, 0.9f, 1},
                                                 {-0.9f, 0.9f, -1}, {1.7f, 0.9f, 1},   {-1.7f, 0.9f, -2},
                                                 {1.4f, 1.5f, 0},   {-1.6f, 1.5f, -2}, {0.8f, 0.5f, 1}};
  for (auto [u, band, code] : cases) EXPECT_EQ(weight_code(u, band), code) << u << " band " << band;
  Rng rng(5);
  std::vector<float> w;
  for (int i = 0; i < 1000; ++i) w.push_back(static_cast<float>(rng.normal()));
  const float band = zero_band(w.data(), w.size(), 2.f, 0.75);
  EXPECT_GT(band, 0.5f);
  std::vector<float> codes(w.size()), blended(w.size());
  weight_codes(w.data(), w.size(), 2.f, codes.data(), band);
  blend_codes(w.data(), w.size(), 2.f, 0.25f, blended.data(), band);
  size_t zeros = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    ASSERT_EQ(codes[i], weight_code_f(2.f * w[i], band)) << w[i];
    ASSERT_EQ(blended[i], 0.75f * (2.f * w[i]) + 0.25f * weight_code_f(2.f * w[i], band)) << w[i];
    zeros += codes[i] == 0.f;
  }
  EXPECT_GE(zeros, 749u);  // the 0.75 quantile at position 749.25: 750 values lie below it
  EXPECT_LE(zeros, 751u);
  // Fraction 0, or a band below plain rounding's, is plain rounding.
  EXPECT_EQ(zero_band(w.data(), w.size(), 2.f, 0.0), 0.5f);
  EXPECT_EQ(zero_band(w.data(), w.size(), 1e-6f, 0.5), 0.5f);
}

TEST(TrainSchedule, SparsityRampsCubicallyWithTheQuantizationRamp) {
  Schedule s;
  s.quant_ramp_epochs = 10;
  EXPECT_DOUBLE_EQ(sparsity_at(s, 0.8, 0), 0.0);
  EXPECT_DOUBLE_EQ(sparsity_at(s, 0.8, 5), 0.8 * (1 - 0.125));
  EXPECT_DOUBLE_EQ(sparsity_at(s, 0.8, 10), 0.8);
  EXPECT_DOUBLE_EQ(sparsity_at(s, 0.8, 99), 0.8);
  s.quant_ramp_epochs = 0;  // no ramp: the target from the first step
  EXPECT_DOUBLE_EQ(sparsity_at(s, 0.8, 0), 0.8);
}

TEST(TrainSchedule, WarmupCosineAndTemperature) {
  Schedule s;
  s.lr = 0.01f;
  s.lr_final = 0.1f;
  s.warmup_epochs = 2;
  s.decay_epochs = 10;
  EXPECT_FLOAT_EQ(lr_at(s, 0), 0.f);
  EXPECT_FLOAT_EQ(lr_at(s, 1), 0.005f);
  EXPECT_FLOAT_EQ(lr_at(s, 2), 0.01f);
  EXPECT_FLOAT_EQ(lr_at(s, 7), 0.0055f);  // half way: (1 + 0.1) / 2
  EXPECT_FLOAT_EQ(lr_at(s, 12), 0.001f);
  EXPECT_FLOAT_EQ(lr_at(s, 500), 0.001f);
  s.quant_start = 0.3f;
  s.quant_ramp_epochs = 10;
  EXPECT_FLOAT_EQ(quant_t_at(s, 0), 0.3f);
  EXPECT_FLOAT_EQ(quant_t_at(s, 5), 0.65f);
  EXPECT_FLOAT_EQ(quant_t_at(s, 10), 1.f);
  s.quant_ramp_epochs = 0;
  EXPECT_FLOAT_EQ(quant_t_at(s, 0), 1.f);
}

TEST(TrainRng, GoldenSequenceAndUnbiasedRange) {
  // Pinned: checkpoints and reproducibility rely on this exact sequence.
  Rng rng(1);
  EXPECT_EQ(rng.next(), 0xb3f2af6d0fc710c5ull);
  EXPECT_EQ(rng.next(), 0x853b559647364ceaull);
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.below(7), b.below(7));
  int counts[3] = {};
  for (int i = 0; i < 3000; ++i) ++counts[a.below(3)];
  for (int c : counts) EXPECT_GT(c, 900);
  std::vector<uint32_t> v{0, 1, 2, 3, 4, 5};
  shuffle(a, v);
  std::vector<uint32_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
}

struct TinyNet {
  std::vector<Pair> pairs = small_pairs();
  std::string charset = build_charset(pairs);
  ExampleSet ex = build_examples(pairs, charset, Encoding::v1);
  SparseInputs x = sparse_inputs(ex.inputs.data(), ex.count, kInputSizeV1);
  NetShape shape;
  std::vector<float> params;
  std::vector<uint32_t> rows;
  explicit TinyNet(std::vector<int> hidden, uint64_t seed = 5) {
    shape = net_shape(network_widths(Encoding::v1, hidden, static_cast<int>(charset.size())));
    Rng rng(seed);
    params = init_params(shape, rng);
    for (int k = 0; k < shape.layers(); ++k)  // non-zero biases so their gradients are exercised
      for (int o = 0; o < shape.n_out(k); ++o)
        params[shape.b_offset[k] + o] = static_cast<float>(8 * rng.normal());
    for (uint32_t i = 0; i < ex.count; ++i) rows.push_back(i);
  }
};

// Finite differences need a smooth model: temperature 0 (effective codes = w/s, with the
// scales held fixed) and no floor (identity /4); the overflow penalty is switched on with a
// low limit, and the activity penalty too, so that their gradients are checked as well.
TEST(TrainForward, BackwardMatchesFiniteDifferences) {
  TinyNet net({12, 7});
  std::vector<float> scales(net.shape.layers(), 0.05f);
  std::vector<float> eff(net.shape.total);
  effective_params(net.shape, net.params.data(), scales.data(), 0.f, eff.data());
  LossOptions opt;
  opt.logit_scale = 0.2f;
  opt.floor = false;
  opt.acc_limit = 60.f;
  opt.overflow_weight = 0.05f;
  opt.activity_weight = 0.01f;
  opt.label_smoothing = 0.1f;
  const size_t n = 16;
  const float grad_scale = 1.f / n;
  Workspace ws;
  auto loss = [&](const std::vector<float>& p) {
    BatchStats st = forward_backward(net.shape, p.data(), net.x, net.rows.data(), n, net.ex.targets.data(),
                                     opt, grad_scale, nullptr, ws);
    return (st.ce_sum + st.penalty_sum) * grad_scale;
  };
  std::vector<float> grad(net.shape.total, 0.f);
  BatchStats st = forward_backward(net.shape, eff.data(), net.x, net.rows.data(), n, net.ex.targets.data(),
                                   opt, grad_scale, grad.data(), ws);
  ASSERT_GT(st.penalty_sum, 0.0) << "the penalty must be active for this check";
  Rng pick(11);
  int checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const size_t i = pick.below(static_cast<uint32_t>(net.shape.total));
    const float h = 1e-2f;
    std::vector<float> plus = eff, minus = eff;
    plus[i] += h;
    minus[i] -= h;
    const double fd = (loss(plus) - loss(minus)) / (2.0 * h);
    if (fd == 0.0 && grad[i] == 0.f) continue;  // input never hit / neuron dead
    EXPECT_NEAR(grad[i], fd, 2e-4 + 2e-2 * std::fabs(fd)) << "parameter " << i;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

// The central claim: at temperature 1 the float forward IS the Z80's integer forward.
TEST(TrainForward, FloatForwardAtTemperatureOneEqualsIntegerReference) {
  TinyNet net({24, 16});
  std::vector<float> scales = layer_scales(net.shape, net.params.data(), 0.95);
  std::vector<float> eff(net.shape.total);
  effective_params(net.shape, net.params.data(), scales.data(), 1.f, eff.data());
  Model m = integer_model(net.shape, net.params.data(), scales.data(), net.charset, "");
  Workspace ws;
  LossOptions opt;
  BatchStats st = forward_backward(net.shape, eff.data(), net.x, net.rows.data(), net.ex.count,
                                   net.ex.targets.data(), opt, 1.f, nullptr, ws);
  size_t correct = 0, negative_outputs = 0;
  for (size_t r = 0; r < net.ex.count; ++r) {
    std::vector<int16_t> ref = forward_reference(m, &net.ex.inputs[r * kInputSizeV1]);
    for (size_t o = 0; o < ref.size(); ++o) {
      ASSERT_EQ(ws.y.back()(static_cast<Eigen::Index>(o), static_cast<Eigen::Index>(r)), float(ref[o]))
          << "example " << r << " output " << o;
      negative_outputs += ref[o] < 0;
    }
    correct += predict_reference(m, &net.ex.inputs[r * kInputSizeV1]) == net.ex.targets[r];
  }
  EXPECT_GT(negative_outputs, 0u) << "floor vs truncation must be exercised";
  EXPECT_EQ(st.correct, correct);
}

Model random_model(Rng& rng, std::vector<int> widths, int bias_range) {
  Model m;
  m.charset = std::string("ABCDEFG").substr(0, static_cast<size_t>(widths.back() - 1)) + '\0';
  for (size_t k = 0; k + 1 < widths.size(); ++k) {
    Layer l;
    l.n_in = widths[k];
    l.n_out = widths[k + 1];
    for (int i = 0; i < l.n_in * l.n_out; ++i) l.w.push_back(static_cast<int8_t>(int(rng.below(4)) - 2));
    for (int o = 0; o < l.n_out; ++o)
      l.b.push_back(static_cast<int16_t>(int(rng.below(2 * bias_range + 1)) - bias_range));
    m.layers.push_back(std::move(l));
  }
  return m;
}

// Dense random inputs in [-range, range] with about half zeros.
std::vector<int16_t> random_inputs(Rng& rng, size_t count, int range) {
  std::vector<int16_t> x(count * kInputSizeV1, 0);
  for (auto& v : x)
    if (rng.below(2)) v = static_cast<int16_t>(int(rng.below(2 * range + 1)) - range);
  return x;
}

void expect_matches_reference(const Model& m, const std::vector<int16_t>& dense, size_t count,
                              bool expect_wraps) {
  SparseInputs x = sparse_inputs(dense.data(), count, kInputSizeV1);
  std::vector<int32_t> targets(count);
  for (size_t r = 0; r < count; ++r) targets[r] = static_cast<int32_t>(r % m.charset.size());
  IntEvaluator ev(m);
  std::vector<int16_t> out(count * static_cast<size_t>(m.output_size()));
  IntEvalStats st = ev.evaluate(x, targets.data(), 0, count, out.data());
  size_t correct = 0;
  std::vector<int32_t> max_abs(m.layers.size(), 0);
  for (size_t r = 0; r < count; ++r) {
    const int16_t* in = &dense[r * kInputSizeV1];
    std::vector<int16_t> ref = forward_reference(m, in);
    for (size_t o = 0; o < ref.size(); ++o)
      ASSERT_EQ(out[r * ref.size() + o], ref[o]) << "row " << r << " out " << o;
    correct += predict_reference(m, in) == targets[r];
    // Independent pre-wrap accumulator maxima, in int64.
    std::vector<int16_t> a(in, in + kInputSizeV1);
    for (size_t k = 0; k < m.layers.size(); ++k) {
      const Layer& l = m.layers[k];
      std::vector<int16_t> y(static_cast<size_t>(l.n_out));
      for (int o = 0; o < l.n_out; ++o) {
        int64_t acc = l.b[o];
        for (int i = 0; i < l.n_in; ++i) acc += l.w[static_cast<size_t>(o) * l.n_in + i] * int64_t{a[i]};
        max_abs[k] = std::max<int32_t>(max_abs[k], static_cast<int32_t>(acc < 0 ? -acc : acc));
      }
      layer_forward_reference(l, a.data(), y.data(), k + 1 < m.layers.size());
      a = y;
    }
  }
  EXPECT_EQ(st.correct, correct);
  EXPECT_EQ(st.examples, count);
  EXPECT_EQ(st.max_abs_acc, max_abs);
  EXPECT_EQ(st.wrapped > 0, expect_wraps);
}

TEST(TrainIntEval, FastEvaluatorEqualsReferenceBitForBit) {
  Rng rng(9);
  // Inputs large enough that layer-1 accumulators leave int16 (wrap-around), yet within
  // the float path's exactness bound; large biases give negative outputs (floor).
  Model m = random_model(rng, {kInputSizeV1, 40, 24, 6}, 3000);
  std::vector<int16_t> x = random_inputs(rng, 300, 2000);
  expect_matches_reference(m, x, 300, /*expect_wraps=*/true);
}

TEST(TrainIntEval, SmallActivationsDoNotWrap) {
  Rng rng(4);
  Model m = random_model(rng, {kInputSizeV1, 16, 5}, 20);
  std::vector<int16_t> x = random_inputs(rng, 50, 2);
  expect_matches_reference(m, x, 50, /*expect_wraps=*/false);
}

TEST(TrainIntEval, HugeInputsTakeTheExactIntegerPath) {
  Rng rng(5);
  Model m = random_model(rng, {kInputSizeV1, 16, 5}, 30000);
  std::vector<int16_t> x = random_inputs(rng, 40, 32767);  // 2·Σ|x| exceeds 2^24: no float path
  expect_matches_reference(m, x, 40, /*expect_wraps=*/true);
}

TEST(TrainIntEval, ThreadSplitDoesNotChangeTheResult) {
  Rng rng(6);
  Model m = random_model(rng, {kInputSizeV1, 32, 6}, 500);
  std::vector<int16_t> dense = random_inputs(rng, 333, 100);
  SparseInputs x = sparse_inputs(dense.data(), 333, kInputSizeV1);
  std::vector<int32_t> targets(333, 2);
  ThreadPool one(1), three(3);
  IntEvalStats a = int_evaluate(m, x, targets.data(), one), b = int_evaluate(m, x, targets.data(), three);
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_EQ(a.max_abs_acc, b.max_abs_acc);
  EXPECT_EQ(a.wrapped, b.wrapped);
  EXPECT_EQ(a.examples, 333u);
}

}  // namespace
}  // namespace z80lm
