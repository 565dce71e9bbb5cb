#include "train/train_config.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "model/z80_limits.h"

namespace z80lm {

namespace {

// One float option's accepted range, named once: anything outside (NaN and infinities
// included) is refused before training starts, so a run cannot diverge from a typo.
struct FloatRange {
  const char* flag;
  double value;
  double min, max;
  bool min_open;  // true: min itself is refused
  const char* typical;
};

std::string range_problem(const FloatRange& r) {
  const bool ok = std::isfinite(r.value) && (r.min_open ? r.value > r.min : r.value >= r.min) && r.value <= r.max;
  if (ok) return {};
  return fmt::format("{} {:g} is outside {}{:g}, {:g}] (typical: {}; default: see `z80lm train --help`)", r.flag,
                     r.value, r.min_open ? "(" : "[", r.min, r.max, r.typical);
}

}  // namespace

std::string config_problem(const TrainConfig& c, int charset_size) {
  if (std::string p = z80_shape_problem(c.hidden, charset_size); !p.empty()) return p;
  if (c.threads < 1 || c.threads > 64) return fmt::format("--threads {} is outside 1..64", c.threads);
  if (c.batch < 1) return fmt::format("--batch {} must be at least 1", c.batch);
  if (c.batch < c.threads) return fmt::format("--batch {} is smaller than --threads {}", c.batch, c.threads);
  const Schedule& s = c.schedule;
  const FloatRange ranges[] = {
      {"--lr", s.lr, 0, kMaxLearningRate, true, "0.001..0.01"},
      {"--lr-final", s.lr_final, 0, 1, false, "0.05"},
      {"--warmup-epochs", s.warmup_epochs, 0, kMaxEpochOption, false, "1"},
      {"--decay-epochs", s.decay_epochs, 0, kMaxEpochOption, false, "30..200"},
      {"--quant-start", s.quant_start, 0, 1, false, "0.5"},
      {"--quant-ramp-epochs", s.quant_ramp_epochs, 0, kMaxEpochOption, false, "10"},
      {"--bias-lr", c.bias_lr, 0, kMaxLossWeight, false, "4"},
      {"--weight-decay", c.weight_decay, 0, kMaxWeightDecay, false, "0..0.01"},
      {"--grid-pull", c.grid_pull, 0, kMaxLossWeight, false, "0.5"},
      {"--query-dropout", c.query_dropout, 0, 0.99, false, "0..0.2"},
      {"--ema", c.ema, 0, 0.99999, false, "0 or 0.999"},
      {"--scale-quantile", c.scale_quantile, 0, 1, true, "0.95"},
      {"--logit-scale", c.loss.logit_scale, 0, kMaxLogitScale, true, "0.02"},
      {"--acc-limit", c.loss.acc_limit, 1, 32767, false, "24576"},
      {"--overflow-weight", c.loss.overflow_weight, 0, kMaxLossWeight, false, "1"},
      {"--activity-penalty", c.loss.activity_weight, 0, kMaxActivityPenalty, false, "0 or 0.0001"},
      {"--label-smoothing", c.loss.label_smoothing, 0, 0.99, false, "0 or 0.1"},
  };
  for (const FloatRange& r : ranges)
    if (std::string p = range_problem(r); !p.empty()) return p;
  if (double(s.lr) * double(c.weight_decay) >= 1.0)
    return fmt::format("--lr {:g} × --weight-decay {:g} is {:g}: each step would scale the weights by 1 - {:g}, "
                       "which diverges; keep the product well below 1",
                       s.lr, c.weight_decay, double(s.lr) * double(c.weight_decay),
                       double(s.lr) * double(c.weight_decay));
  const size_t weight_layers = c.hidden.size() + 1;
  if (c.sparsity.size() != 1 && c.sparsity.size() != weight_layers)
    return fmt::format("--sparsity has {} values: give one (every layer) or {} (one per weight layer: {} hidden "
                       "layers and the output layer)",
                       c.sparsity.size(), weight_layers, c.hidden.size());
  for (double v : c.sparsity)
    if (std::string p = range_problem({"--sparsity", v, 0, 0.99, false, "0 or 0.78, or per layer 0.85,0.8,0.8,0.78"});
        !p.empty())
      return p;
  if (c.eval_every < 1) return "--eval-every must be at least 1";
  return {};
}

double layer_sparsity(const TrainConfig& c, int k) {
  if (c.sparsity.empty()) return 0.0;
  return c.sparsity.size() == 1 ? c.sparsity[0] : c.sparsity.at(static_cast<size_t>(k));
}

bool any_sparsity(const TrainConfig& c) {
  return std::any_of(c.sparsity.begin(), c.sparsity.end(), [](double v) { return v > 0.0; });
}

double float_json(float v) {
  return std::stod(fmt::format("{}", v));
}

nlohmann::json config_json(const TrainConfig& c) {
  const Schedule& s = c.schedule;
  return {{"hidden", c.hidden},
          {"seed", c.seed},
          {"threads", c.threads},
          {"batch", c.batch},
          {"lr", float_json(s.lr)},
          {"lr_final", float_json(s.lr_final)},
          {"warmup_epochs", float_json(s.warmup_epochs)},
          {"decay_epochs", float_json(s.decay_epochs)},
          {"quant_start", float_json(s.quant_start)},
          {"quant_ramp_epochs", float_json(s.quant_ramp_epochs)},
          {"bias_lr", float_json(c.bias_lr)},
          {"weight_decay", float_json(c.weight_decay)},
          {"grid_pull", float_json(c.grid_pull)},
          {"query_dropout", float_json(c.query_dropout)},
          {"ema", float_json(c.ema)},
          {"scale_quantile", c.scale_quantile},
          {"scale_per_step", c.scale_per_step},
          {"sparsity", c.sparsity.size() == 1 ? nlohmann::json(c.sparsity[0]) : nlohmann::json(c.sparsity)},
          {"encoding", encoding_name(c.encoding)},
          {"eval_every", c.eval_every},
          {"logit_scale", float_json(c.loss.logit_scale)},
          {"acc_limit", float_json(c.loss.acc_limit)},
          {"overflow_weight", float_json(c.loss.overflow_weight)},
          {"activity_weight", float_json(c.loss.activity_weight)},
          {"label_smoothing", float_json(c.loss.label_smoothing)}};
}

TrainConfig config_from_json(const nlohmann::json& j) {
  TrainConfig c;
  Schedule& s = c.schedule;
  j.at("hidden").get_to(c.hidden);
  j.at("seed").get_to(c.seed);
  j.at("threads").get_to(c.threads);
  j.at("batch").get_to(c.batch);
  j.at("lr").get_to(s.lr);
  j.at("lr_final").get_to(s.lr_final);
  j.at("warmup_epochs").get_to(s.warmup_epochs);
  j.at("decay_epochs").get_to(s.decay_epochs);
  j.at("quant_start").get_to(s.quant_start);
  j.at("quant_ramp_epochs").get_to(s.quant_ramp_epochs);
  j.at("bias_lr").get_to(c.bias_lr);
  j.at("weight_decay").get_to(c.weight_decay);
  j.at("grid_pull").get_to(c.grid_pull);
  j.at("query_dropout").get_to(c.query_dropout);
  c.ema = j.value("ema", 0.f);  // absent before --ema
  j.at("scale_quantile").get_to(c.scale_quantile);
  j.at("scale_per_step").get_to(c.scale_per_step);
  if (!j.contains("sparsity"))  // absent in checkpoints written before --sparsity
    c.sparsity = {0.0};
  else if (j["sparsity"].is_array())  // per layer
    j["sparsity"].get_to(c.sparsity);
  else
    c.sparsity = {j["sparsity"].get<double>()};
  c.encoding = parse_encoding(j.value("encoding", std::string("v1")));  // absent before encoding v2
  j.at("eval_every").get_to(c.eval_every);
  j.at("logit_scale").get_to(c.loss.logit_scale);
  j.at("acc_limit").get_to(c.loss.acc_limit);
  j.at("overflow_weight").get_to(c.loss.overflow_weight);
  c.loss.activity_weight = j.value("activity_weight", 0.f);  // absent before --activity-penalty
  c.loss.label_smoothing = j.value("label_smoothing", 0.f);  // absent before --label-smoothing
  return c;
}

}  // namespace z80lm
