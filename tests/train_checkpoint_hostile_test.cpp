// Hostile checkpoints (issue 14, item 4): every field is validated on load, with its name in
// the error, before anything indexes, loops or casts with it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "text/charset.h"
#include "text/examples.h"
#include "text/pairs.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/error.h"

namespace z80lm {
namespace {

std::vector<Pair> some_pairs() {
  std::vector<Pair> pairs;
  const char* answers[] = {"YES", "NO", "OK"};
  for (int i = 0; i < 24; ++i) pairs.push_back({"query number " + std::to_string(i), answers[i % 3], i + 1});
  return pairs;
}

struct Fixture {
  std::vector<Pair> pairs = some_pairs();
  std::string charset = build_charset(pairs);
  ExampleSet ex = build_examples(pairs, charset, kDefaultEncoding);  // the config's encoding
  TrainConfig config = [] {
    TrainConfig c;
    c.hidden = {8};
    c.batch = 4;
    c.threads = 1;
    c.seed = 3;
    return c;
  }();
};

// A checkpoint in the middle of an epoch (so it stores an example order).
std::string mid_epoch_checkpoint(Fixture& f) {
  Trainer tr(f.config, f.ex, f.charset);
  tr.step();
  return serialize_checkpoint({f.config, f.charset, 1, tr.state()});
}

uint32_t u32_at(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

std::string with_crc(std::string body) {
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  body.append(reinterpret_cast<const char*>(&crc), 4);
  return body;
}

// The checkpoint with its JSON header edited by `edit` (CRC recomputed, so only the edit is wrong).
std::string edit_header(const std::string& good, const std::function<void(nlohmann::json&)>& edit) {
  const uint32_t size = u32_at(good, 10);
  nlohmann::json h = nlohmann::json::parse(good.substr(14, size));
  edit(h);
  const std::string header = h.dump();
  std::string out = good.substr(0, 10);
  const auto n = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  out += header;
  out += good.substr(14 + size, good.size() - 14 - size - 4);
  return with_crc(out);
}

std::string load_error(const std::string& bytes) {
  try {
    parse_checkpoint(bytes, "x.ckpt");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return "accepted";
}

TEST(CheckpointHostile, OutOfRangeExampleIndexRefusedOnResume) {
  Fixture f;
  Checkpoint c = parse_checkpoint(mid_epoch_checkpoint(f), "x.ckpt");
  ASSERT_FALSE(c.state.order.empty());
  c.state.order[1] = 1000000;  // used to index the example arrays: SIGSEGV at the next step
  Trainer tr(f.config, f.ex, f.charset);
  try {
    tr.restore(c.state);
    FAIL() << "an out-of-range example index was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("order"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1000000"), std::string::npos) << e.what();
  }
  c.state.order[1] = c.state.order[0];  // in range but repeated: not a permutation either
  EXPECT_THROW(tr.restore(c.state), Error);
}

TEST(CheckpointHostile, AllZeroRngStateRefused) {
  Fixture f;
  const std::string bad = edit_header(mid_epoch_checkpoint(f), [](nlohmann::json& h) {
    h["rng"] = {"0000000000000000", "0000000000000000", "0000000000000000", "0000000000000000"};
  });
  const std::string e = load_error(bad);  // used to hang: below() rejects 0 forever
  EXPECT_NE(e.find("header field rng: the state is all zero"), std::string::npos) << e;
}

TEST(CheckpointHostile, BadHexFieldsNamedInsteadOfBareStoull) {
  Fixture f;
  const std::string good = mid_epoch_checkpoint(f);
  std::string e = load_error(edit_header(good, [](nlohmann::json& h) { h["data_hash"] = "zz"; }));
  EXPECT_NE(e.find("header field data_hash: \"zz\" is not 16 hex digits"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["rng"][2] = "123456789012345678901234"; }));
  EXPECT_NE(e.find("header field rng[2]"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["rng"][0] = 5; }));
  EXPECT_NE(e.find("header field rng[0]: expected a string, found 5"), std::string::npos) << e;
}

TEST(CheckpointHostile, HugeAndNonFiniteHeaderNumbersRefusedWithFieldName) {
  Fixture f;
  const std::string good = mid_epoch_checkpoint(f);
  // Each used to reach a float-to-int cast or a size computation.
  std::string e = load_error(edit_header(good, [](nlohmann::json& h) { h["epoch"] = 1e300; }));
  EXPECT_NE(e.find("header field epoch: expected a whole number >= 0, found 1e+300"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["lr"] = 1e300; }));
  EXPECT_NE(e.find("header field config.lr: expected a finite number below 1e+15"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["threads"] = 3e9; }));
  EXPECT_NE(e.find("header field config.threads"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["hidden"] = {100000}; }));
  EXPECT_NE(e.find("header field config: hidden layer 1 has 100000 neurons"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["epoch"] = 5000000000ull; }));
  EXPECT_NE(e.find("header field epoch: 5000000000 does not fit 32 bits"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["charset"][0] = 300; }));
  EXPECT_NE(e.find("header field charset[0]: 300 is not a byte"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["partial"].erase("ce_sum"); }));
  EXPECT_NE(e.find("bad header: [json.exception.out_of_range.403] key 'ce_sum' not found"), std::string::npos)
      << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["batch_in_epoch"] = 0; }));
  EXPECT_NE(e.find("field order has"), std::string::npos) << e;
}

// config.sparsity is a number or an array of numbers (per layer) with one value per weight
// layer: anything else is named, never an out-of-range read.
TEST(CheckpointHostile, SparsityListOfTheWrongKindOrLengthRefused) {
  Fixture f;
  const std::string good = mid_epoch_checkpoint(f);
  std::string e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["sparsity"] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}; }));
  EXPECT_NE(e.find("--sparsity has 7 values: give one (every layer) or"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["sparsity"] = nlohmann::json::array(); }));
  EXPECT_NE(e.find("--sparsity has 0 values"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["sparsity"] = {"a"}; }));
  EXPECT_NE(e.find("header field config.sparsity[0]: expected a finite number"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["sparsity"] = "0.5"; }));
  EXPECT_NE(e.find("header field config.sparsity: expected an array"), std::string::npos) << e;
  e = load_error(edit_header(good, [](nlohmann::json& h) { h["config"]["sparsity"] = 7.0; }));
  EXPECT_NE(e.find("--sparsity 7 is outside [0, 0.99]"), std::string::npos) << e;
}

TEST(CheckpointHostile, NonFiniteParametersRefusedWithFieldName) {
  Fixture f;
  const std::string good = mid_epoch_checkpoint(f);
  const size_t params_at = 14 + u32_at(good, 10);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto with_float = [&](size_t at, float v) {
    std::string b = good.substr(0, good.size() - 4);
    std::memcpy(b.data() + at, &v, 4);
    return with_crc(b);
  };
  std::string e = load_error(with_float(params_at + 8 + 4 * 3, nan));
  EXPECT_NE(e.find("field params[3] is nan"), std::string::npos) << e;
  uint64_t n;
  std::memcpy(&n, good.data() + params_at, 8);
  e = load_error(with_float(params_at + 8 + 4 * n, 1e30f));
  EXPECT_NE(e.find("field adam_m[0] is 1e+30"), std::string::npos) << e;
  e = load_error(with_float(params_at + 8 + 8 * n + 4, -1.f));
  EXPECT_NE(e.find("field adam_v[1] is -1, expected >= 0"), std::string::npos) << e;
  e = load_error(with_float(params_at + 8 + 12 * n + 4, inf));  // first layer scale
  EXPECT_NE(e.find("field scales[0] is inf"), std::string::npos) << e;
  e = load_error(with_float(params_at + 8 + 12 * n + 4, 0.f));
  EXPECT_NE(e.find("field scales[0] is 0, expected a finite number > 0"), std::string::npos) << e;
}

}  // namespace
}  // namespace z80lm
