#include "train/train_config.h"

#include <fmt/core.h>

#include <string>

#include "model/z80_limits.h"

namespace z80lm {

std::string config_problem(const TrainConfig& c, int charset_size) {
  if (std::string p = z80_shape_problem(c.hidden, charset_size); !p.empty()) return p;
  if (c.threads < 1 || c.threads > 64) return fmt::format("--threads {} is outside 1..64", c.threads);
  if (c.batch < 1) return fmt::format("--batch {} must be at least 1", c.batch);
  if (c.batch < c.threads) return fmt::format("--batch {} is smaller than --threads {}", c.batch, c.threads);
  if (!(c.schedule.lr > 0.f)) return "--lr must be positive";
  if (!(c.schedule.lr_final >= 0.f && c.schedule.lr_final <= 1.f)) return "--lr-final must be in 0..1";
  if (!(c.schedule.quant_start >= 0.f && c.schedule.quant_start <= 1.f))
    return "--quant-start must be in 0..1";
  if (!(c.query_dropout >= 0.f && c.query_dropout < 1.f)) return "--query-dropout must be in [0, 1)";
  if (!(c.scale_quantile > 0.0 && c.scale_quantile <= 1.0)) return "--scale-quantile must be in (0, 1]";
  if (!(c.sparsity >= 0.0 && c.sparsity < 1.0)) return "--sparsity must be in [0, 1)";
  if (!(c.loss.acc_limit > 0.f && c.loss.acc_limit <= 32767.f)) return "--acc-limit must be in 1..32767";
  if (!(c.loss.logit_scale > 0.f)) return "--logit-scale must be positive";
  if (!(c.loss.activity_weight >= 0.f)) return "--activity-penalty must be >= 0";
  if (!(c.loss.label_smoothing >= 0.f && c.loss.label_smoothing < 1.f))
    return "--label-smoothing must be in [0, 1)";
  if (c.eval_every < 1) return "--eval-every must be at least 1";
  return {};
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
          {"scale_quantile", c.scale_quantile},
          {"scale_per_step", c.scale_per_step},
          {"sparsity", c.sparsity},
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
  j.at("scale_quantile").get_to(c.scale_quantile);
  j.at("scale_per_step").get_to(c.scale_per_step);
  c.sparsity = j.value("sparsity", 0.0);  // absent in checkpoints written before --sparsity
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
