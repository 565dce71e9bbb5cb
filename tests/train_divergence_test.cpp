// Issue 14 item 5: training that diverges wrote a garbage model and exited 0 (`--lr inf`,
// 1e30 learning rates, logit scales or weight decays; NaN scales). Every float option is now
// checked up front (finite, in a named range), and a non-finite loss or parameter during
// training stops the run with an error, saving nothing from the diverged state.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "test_support.h"
#include "text/charset.h"
#include "text/examples.h"
#include "text/pairs.h"
#include "train/checkpoint.h"
#include "train/train_config.h"
#include "train/trainer.h"
#include "util/file_io.h"

namespace z80lm {
namespace {

namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;
using test::write_text;

const std::string kData = "hello|HI\nbye|BYE\nhow are you|FINE\nare you a robot|YES\nwhat is this|A Z80\n";
const std::string kSmall = " --hidden 8 --batch 4 --epochs 2 --progress lines";

TEST(TrainDivergence, AbsurdFloatOptionsAreRefusedUpFront) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  struct Bad {
    std::string options, named;
  };
  const Bad bad[] = {
      {"--lr inf", "--lr inf is outside (0, 1]"},
      {"--lr nan", "--lr nan is outside"},
      {"--lr 1e30", "--lr 1e+30 is outside (0, 1]"},
      {"--lr -0.1", "--lr -0.1 is outside"},
      {"--logit-scale 1e30", "--logit-scale 1e+30 is outside (0, 10]"},
      {"--logit-scale nan", "--logit-scale nan"},
      {"--weight-decay 1e30", "--weight-decay 1e+30 is outside [0, 10]"},
      {"--weight-decay -1", "--weight-decay -1 is outside"},
      {"--lr 0.5 --weight-decay 5", "--lr 0.5 × --weight-decay 5 is 2.5"},
      {"--grid-pull inf", "--grid-pull inf"},
      {"--bias-lr nan", "--bias-lr nan"},
      {"--overflow-weight -1", "--overflow-weight -1"},
      {"--activity-penalty 1e30", "--activity-penalty 1e+30"},
      {"--scale-quantile nan", "--scale-quantile nan"},
      {"--warmup-epochs inf", "--warmup-epochs inf"},
      {"--decay-epochs nan", "--decay-epochs nan"},
      {"--quant-ramp-epochs -5", "--quant-ramp-epochs -5"},
      {"--acc-limit nan", "--acc-limit nan"},
      {"--query-dropout nan", "--query-dropout nan"},
      {"--ema 1", "--ema 1 is outside [0, 0.99999]"},
      {"--ema -0.5", "--ema -0.5 is outside"},
      {"--label-smoothing nan", "--label-smoothing nan"},
      {"--time-limit nan", "--time-limit nan"},
      {"--checkpoint-every inf", "--checkpoint-every inf"},
      {"--checkpoint-every 0", "--checkpoint-every 0"},
  };
  for (const Bad& b : bad) {
    const std::string model = dir.file("m.zlm");
    auto r = run_cli("train '" + dir.file("d.txt") + "' -o '" + model + "' " + b.options + kSmall);
    EXPECT_EQ(r.exit_code, 1) << b.options << ": " << r.out;
    EXPECT_NE(r.out.find(b.named), std::string::npos) << b.options << ": " << r.out;
    EXPECT_NE(r.out.find("hint:"), std::string::npos) << b.options << ": " << r.out;
    EXPECT_FALSE(fs::exists(model)) << b.options << " wrote a model";
    EXPECT_FALSE(fs::exists(model + ".ckpt")) << b.options << " wrote a checkpoint";
  }
}

TEST(TrainDivergence, DetectorNamesANonFiniteParameter) {
  const PairSet set = parse_pairs(kData, "d.txt");
  const std::string charset = build_charset(set.pairs);
  const ExampleSet examples = build_examples(set.pairs, charset, kDefaultEncoding);  // TrainConfig's
  TrainConfig c;
  c.hidden = {8};
  c.batch = 4;
  Trainer tr(c, examples, charset);
  tr.step();
  EXPECT_EQ(divergence_problem(tr), "");
  tr.state().params[5] = std::numeric_limits<float>::infinity();
  EXPECT_NE(divergence_problem(tr).find("parameter 5 became inf"), std::string::npos) << divergence_problem(tr);
  tr.step();  // an infinite latent weight stays infinite: still diverged
  EXPECT_NE(divergence_problem(tr).find("diverged"), std::string::npos);
}

// A run whose state goes non-finite stops with exit 1 and writes nothing: the checkpoint on
// disk (the last good state) and the model stay as they were. (A checkpoint loader that
// rejects non-finite parameters itself is fine too: the files must survive either way.)
TEST(TrainDivergence, NonFiniteStateStopsTheRunAndKeepsTheLastGoodFiles) {
  TempDir dir;
  write_text(dir.file("d.txt"), kData);
  const std::string base =
      "train '" + dir.file("d.txt") + "' -o '" + dir.file("m.zlm") + "' --hidden 8 --batch 4 --progress lines";
  ASSERT_EQ(run_cli(base + " --epochs 2").exit_code, 0);
  Checkpoint ckpt = load_checkpoint(dir.file("m.zlm.ckpt"));
  ckpt.state.params[0] = std::nanf("");
  save_checkpoint(dir.file("m.zlm.ckpt"), ckpt);
  const std::string checkpoint = read_file(dir.file("m.zlm.ckpt")), model = read_file(dir.file("m.zlm"));
  auto r = run_cli(base + " --epochs 4 --resume");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("error: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("wrote "), std::string::npos) << r.out;
  EXPECT_EQ(read_file(dir.file("m.zlm.ckpt")), checkpoint);
  EXPECT_EQ(read_file(dir.file("m.zlm")), model);
}

}  // namespace
}  // namespace z80lm
