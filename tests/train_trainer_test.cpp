// The training loop: pinned first losses, reproducibility, bit-for-bit continuation from a
// checkpoint (also mid-epoch), checkpoint validation, the overflow penalty's effect.
#include <gtest/gtest.h>

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "infer/reference.h"
#include "model/model_file.h"
#include "text/charset.h"
#include "text/encoder.h"
#include "text/examples.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/error.h"

namespace z80lm {
namespace {

// 40 pairs over 6 answers; queries share words so the network has to look at them.
std::vector<Pair> chat_pairs() {
  const char* subjects[] = {"you", "it", "they", "we", "he"};
  const char* verbs[] = {"are", "can", "will", "did", "do", "was", "is", "should"};
  const char* answers[] = {"YES", "NO", "MAYBE", "WHY?", "OK", "I DO"};
  std::vector<Pair> pairs;
  for (int i = 0; i < 40; ++i)
    pairs.push_back(
        {std::string(verbs[i % 8]) + " " + subjects[i / 8] + " go", answers[(i * 5 + i / 8) % 6], i + 1});
  return pairs;
}

struct Fixture {
  std::vector<Pair> pairs = chat_pairs();
  std::string charset = build_charset(pairs);
  ExampleSet ex = build_examples(pairs, charset, Encoding::v1);
};

// Every setting spelled out, so the pinned values do not move when defaults are retuned.
TrainConfig small_config() {
  TrainConfig c;
  c.encoding = Encoding::v1;
  c.hidden = {32, 16};
  c.batch = 16;
  c.seed = 7;
  c.threads = 1;
  c.schedule = {.lr = 0.002f,
                .lr_final = 0.05f,
                .warmup_epochs = 1,
                .decay_epochs = 150,
                .quant_start = 1,
                .quant_ramp_epochs = 0};
  c.bias_lr = 4;
  c.weight_decay = 0;
  c.grid_pull = 0;
  c.scale_quantile = 0.95;
  c.scale_per_step = false;
  c.eval_every = 1;
  c.loss = {.logit_scale = 0.05f, .acc_limit = 24576, .overflow_weight = 1, .floor = true};
  return c;
}

TEST(TrainTrainer, FirstLossesOfAFixedSeedArePinned) {
  // Golden values. At temperature 1 the forward is exact integer arithmetic, so the first
  // loss depends only on the initial codes; later ones also on float Adam updates, which
  // may differ in the last bits between compilers (vector width, FMA contraction). 1e-5
  // relative covers that; any real change of the math moves them by far more.
  Fixture f;
  Trainer tr(small_config(), f.ex, f.charset);
  const double golden[] = {2.805732110, 2.791295230, 2.803328327, 2.799831866, 2.786913583};
  for (double g : golden) {
    tr.step();
    const BatchStats& b = tr.last_batch();
    const double ce = b.ce_sum / double(b.counted);
    EXPECT_NEAR(ce, g, 1e-5 * g);
  }
}

std::string train_bytes(TrainConfig c, int epochs) {
  Fixture f;
  Trainer tr(c, f.ex, f.charset);
  while (tr.state().epoch < static_cast<uint32_t>(epochs))
    if (tr.step()) tr.end_epoch();
  EXPECT_TRUE(tr.state().best.valid);
  return serialize_model(tr.state().best.model);
}

TEST(TrainTrainer, SameSeedAndThreadsGiveIdenticalModelBytes) {
  TrainConfig c = small_config();
  EXPECT_EQ(train_bytes(c, 6), train_bytes(c, 6));
  c.threads = 2;
  EXPECT_EQ(train_bytes(c, 6), train_bytes(c, 6));
  TrainConfig other = small_config();
  other.seed = 8;
  EXPECT_NE(train_bytes(small_config(), 6), train_bytes(other, 6));
}

TEST(TrainTrainer, TrainingLearnsTheSmallSet) {
  TrainConfig c = small_config();
  Fixture f;
  Trainer tr(c, f.ex, f.charset);
  while (tr.state().epoch < 60)
    if (tr.step()) tr.end_epoch();
  EXPECT_GT(tr.state().best.int_acc, 0.9);
  EXPECT_EQ(tr.state().history.size(), 60u);
}

TEST(TrainTrainer, CheckpointMidEpochContinuesBitForBit) {
  Fixture f;
  TrainConfig c = small_config();
  c.threads = 2;
  c.query_dropout = 0.3f;  // the RNG is used inside the epoch too
  Trainer straight(c, f.ex, f.charset), first(c, f.ex, f.charset);
  const size_t steps = 3 * first.batches_per_epoch() + 2;  // stop in the middle of epoch 4
  for (size_t i = 0; i < steps; ++i)
    if (first.step()) first.end_epoch();
  ASSERT_NE(first.state().batch_in_epoch, 0u);
  const std::string bytes = serialize_checkpoint({c, f.charset, 42, first.state()});
  Checkpoint loaded = parse_checkpoint(bytes, "mem.ckpt");
  EXPECT_EQ(serialize_checkpoint(loaded), bytes);  // everything survives the round trip
  Trainer resumed(loaded.config, f.ex, f.charset);
  resumed.restore(std::move(loaded.state));
  for (Trainer* t : {&straight, &resumed})
    while (t->state().epoch < 8)
      if (t->step()) t->end_epoch();
  EXPECT_EQ(resumed.state().params, straight.state().params);
  EXPECT_EQ(resumed.state().adam_v, straight.state().adam_v);
  EXPECT_EQ(serialize_model(resumed.state().best.model), serialize_model(straight.state().best.model));
  EXPECT_EQ(resumed.state().history.size(), straight.state().history.size());
}

TEST(TrainTrainer, EmaIsTheWarmedUpMovingAverageOfTheParameters) {
  Fixture f;
  TrainConfig c = small_config();
  c.ema = 0.9f;
  Trainer tr(c, f.ex, f.charset);
  std::vector<float> expected = tr.state().params;  // the average starts at the initialisation
  ASSERT_EQ(tr.state().ema, expected);
  for (uint64_t t = 0; t < 30; ++t) {
    tr.step();
    const float d = std::min(0.9f, (1.f + float(t)) / (10.f + float(t)));
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = d * expected[i] + (1.f - d) * tr.state().params[i];
  }
  ASSERT_EQ(tr.state().ema.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_FLOAT_EQ(tr.state().ema[i], expected[i]) << i;
  EXPECT_NE(tr.state().ema, tr.state().params);
  // The model is made of the average, not of the last weights.
  TrainConfig plain = c;
  plain.ema = 0;
  Trainer without(plain, f.ex, f.charset);
  without.restore([&] {
    TrainState s = tr.state();
    s.ema.clear();
    return s;
  }());
  EXPECT_NE(serialize_model(tr.current_model()), serialize_model(without.current_model()));
  TrainState averaged = tr.state();
  averaged.params = averaged.ema;
  averaged.ema.clear();
  without.restore(averaged);
  EXPECT_EQ(serialize_model(tr.current_model()), serialize_model(without.current_model()));
}

TEST(TrainTrainer, EmaCheckpointMidEpochContinuesBitForBit) {
  Fixture f;
  TrainConfig c = small_config();
  c.ema = 0.99f;
  Trainer straight(c, f.ex, f.charset), first(c, f.ex, f.charset);
  const size_t steps = 2 * first.batches_per_epoch() + 1;
  for (size_t i = 0; i < steps; ++i)
    if (first.step()) first.end_epoch();
  const std::string bytes = serialize_checkpoint({c, f.charset, 42, first.state()});
  Checkpoint loaded = parse_checkpoint(bytes, "mem.ckpt");
  EXPECT_EQ(loaded.config.ema, 0.99f);
  EXPECT_EQ(loaded.state.ema, first.state().ema);
  EXPECT_EQ(serialize_checkpoint(loaded), bytes);
  Trainer resumed(loaded.config, f.ex, f.charset);
  resumed.restore(std::move(loaded.state));
  for (Trainer* t : {&straight, &resumed})
    while (t->state().epoch < 5)
      if (t->step()) t->end_epoch();
  EXPECT_EQ(resumed.state().ema, straight.state().ema);
  EXPECT_EQ(serialize_model(resumed.state().best.model), serialize_model(straight.state().best.model));
  // A checkpoint without the average cannot continue a run with one (and the reverse).
  TrainConfig plain = c;
  plain.ema = 0;
  Trainer other(plain, f.ex, f.charset);
  EXPECT_THROW(other.restore(straight.state()), Error);
}

TEST(TrainCheckpoint, Version1WithoutTheAverageStillLoads) {
  // Checkpoints written before --ema are version 1: the same layout without the average.
  Fixture f;
  TrainConfig c = small_config();
  Trainer tr(c, f.ex, f.charset);
  tr.step();
  std::string v1 = serialize_checkpoint({c, f.charset, 1, tr.state()});
  v1[8] = 1;
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(v1.data()), static_cast<uInt>(v1.size() - 4)));
  std::memcpy(v1.data() + v1.size() - 4, &crc, 4);
  Checkpoint loaded = parse_checkpoint(v1, "old.ckpt");
  EXPECT_EQ(loaded.state.params, tr.state().params);
  EXPECT_TRUE(loaded.state.ema.empty());
}

TEST(TrainCheckpoint, DamageIsRefusedWithTheByteOffset) {
  Fixture f;
  TrainConfig c = small_config();
  Trainer tr(c, f.ex, f.charset);
  tr.step();
  const std::string good = serialize_checkpoint({c, f.charset, 1, tr.state()});
  auto message = [](const std::string& bytes) {
    try {
      parse_checkpoint(bytes, "x.ckpt");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  EXPECT_NE(message(flipped).find("CRC mismatch"), std::string::npos) << message(flipped);
  EXPECT_NE(message(good.substr(0, good.size() - 9)).find("x.ckpt: byte"), std::string::npos);
  EXPECT_NE(message("Z80LMMDL" + good.substr(8)).find("not a z80lm checkpoint"), std::string::npos);
  std::string future = good;
  future[8] = 9;
  EXPECT_NE(message(future).find("format version 9"), std::string::npos) << message(future);
  EXPECT_EQ(message(good), "accepted");
}

TEST(TrainTrainer, OverflowPenaltyShrinksAccumulators) {
  Fixture f;
  auto largest = [&](float limit, float weight) {
    TrainConfig c = small_config();
    c.loss.acc_limit = limit;
    c.loss.overflow_weight = weight;
    Trainer tr(c, f.ex, f.charset);
    EpochRecord r;
    while (tr.state().epoch < 20)
      if (tr.step()) r = tr.end_epoch();
    return *std::max_element(r.max_abs_acc.begin(), r.max_abs_acc.end());
  };
  // The penalty is soft (quadratic beyond the limit): it must pull the largest accumulator
  // well below the unpenalised run's and close to the limit.
  const int32_t free = largest(24576, 0), limited = largest(300, 50);
  EXPECT_GT(free, 600);
  EXPECT_LT(limited, free / 2);
  EXPECT_LT(limited, 450);
}

TEST(TrainTrainer, ActivityPenaltyLeavesFewerNonzeroHiddenValues) {
  Fixture f;
  auto nonzero_hidden = [&](float weight) {
    TrainConfig c = small_config();
    c.loss.activity_weight = weight;
    Trainer tr(c, f.ex, f.charset);
    while (tr.state().epoch < 20)
      if (tr.step()) tr.end_epoch();
    const Model m = tr.current_model();
    size_t nonzero = 0;
    for (size_t i = 0; i < f.ex.count; ++i) {
      std::vector<int16_t> h(f.ex.inputs.begin() + static_cast<std::ptrdiff_t>(i * kInputSizeV1),
                             f.ex.inputs.begin() + static_cast<std::ptrdiff_t>((i + 1) * kInputSizeV1));
      for (size_t k = 0; k + 1 < m.layers.size(); ++k) {
        std::vector<int16_t> y(static_cast<size_t>(m.layers[k].n_out));
        layer_forward_reference(m.layers[k], h.data(), y.data(), true);
        nonzero += static_cast<size_t>(std::count_if(y.begin(), y.end(), [](int16_t v) { return v != 0; }));
        h = std::move(y);
      }
    }
    return nonzero;
  };
  const size_t free = nonzero_hidden(0), penalised = nonzero_hidden(0.002f);
  EXPECT_GT(free, 0u);
  EXPECT_LT(penalised, free * 3 / 4) << free;
}

TEST(TrainTrainer, SparsityGivesAtLeastThatFractionOfZerosInEveryLayer) {
  Fixture f;
  TrainConfig c = small_config();
  c.sparsity = {0.8};
  c.schedule.quant_ramp_epochs = 4;  // the ramp is under way in the first epochs
  Trainer tr(c, f.ex, f.charset);
  while (tr.state().epoch < 30)
    if (tr.step()) tr.end_epoch();
  const BestModel& best = tr.state().best;
  ASSERT_TRUE(best.valid);
  EXPECT_LE(best.epoch, 30u);
  for (const Layer& l : best.model.layers) {
    const auto zeros = static_cast<size_t>(std::count(l.w.begin(), l.w.end(), int8_t{0}));
    EXPECT_GE(zeros, static_cast<size_t>(0.8 * double(l.w.size() - 1))) << l.n_in << "x" << l.n_out;
  }
  // The exact IntAcc the trainer reported is that of the sparse model it kept.
  EXPECT_EQ(tr.evaluate(best.model).correct, best.correct);
  EXPECT_GT(best.int_acc, 0.5);
  // Sparsity changes the model; resuming a sparse run mid-ramp continues bit for bit.
  TrainConfig dense = small_config();
  EXPECT_NE(train_bytes(dense, 3), train_bytes(c, 3));
  Trainer straight(c, f.ex, f.charset), first(c, f.ex, f.charset);
  for (size_t i = 0; i < first.batches_per_epoch() + 1; ++i)
    if (first.step()) first.end_epoch();
  Checkpoint loaded = parse_checkpoint(serialize_checkpoint({c, f.charset, 1, first.state()}), "mem.ckpt");
  EXPECT_EQ(loaded.config.sparsity, std::vector<double>{0.8});
  Trainer resumed(loaded.config, f.ex, f.charset);
  resumed.restore(std::move(loaded.state));
  for (Trainer* t : {&straight, &resumed})
    while (t->state().epoch < 6)
      if (t->step()) t->end_epoch();
  EXPECT_EQ(serialize_model(resumed.state().best.model), serialize_model(straight.state().best.model));
}

}  // namespace
}  // namespace z80lm
