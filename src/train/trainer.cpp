#include "train/trainer.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "text/encoder.h"
#include "train/quantize.h"
#include "train/schedule.h"
#include "util/error.h"

namespace z80lm {

namespace {

// A progress past every ramp: the full sparsity targets (saved models always have them).
constexpr double kFullSparsity = std::numeric_limits<double>::infinity();
constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f;
}  // namespace

double grid_gap(const NetShape& shape, const float* params, const float* scales, const float* bands) {
  double total = 0;
  for (int k = 0; k < shape.layers(); ++k) {
    const float inv_s = 1.f / scales[k];
    const float band = bands ? bands[k] : kPlainRounding;
    const float* w = params + shape.w_offset[k];
    double sum = 0;
    for (size_t i = 0; i < shape.w_size(k); ++i) {
      const float gap = w[i] * inv_s - weight_code_f(w[i] * inv_s, band);
      sum += gap * gap;
    }
    total += sum / static_cast<double>(shape.w_size(k));
  }
  return total;
}

Trainer::Trainer(const TrainConfig& config, const ExampleSet& examples, const std::string& charset)
    : config_(config), examples_(examples), charset_(charset) {
  shape_ = net_shape(network_widths(config.encoding, config.hidden, static_cast<int>(charset.size())));
  inputs_ = sparse_inputs(examples.inputs.data(), examples.count, examples.n_in);
  for (size_t i = 0; i < examples.count; ++i)
    if (examples.targets[i] >= 0) trainable_.push_back(static_cast<uint32_t>(i));

  state_.rng = Rng(config.seed);
  state_.params = init_params(shape_, state_.rng);
  state_.adam_m.assign(shape_.total, 0.f);
  state_.adam_v.assign(shape_.total, 0.f);
  state_.scales = layer_scales(shape_, state_.params.data(), config.scale_quantile);
  if (config.ema > 0.f) state_.ema = state_.params;

  pool_ = std::make_unique<ThreadPool>(config.threads);
  eff_.resize(shape_.total);
  grads_.assign(static_cast<size_t>(config.threads), std::vector<float>(shape_.total));
  work_.resize(static_cast<size_t>(config.threads));
  slice_stats_.resize(static_cast<size_t>(config.threads));
}

void Trainer::restore(TrainState s) {
  if (s.params.size() != shape_.total || s.adam_m.size() != shape_.total || s.adam_v.size() != shape_.total ||
      s.scales.size() != static_cast<size_t>(shape_.layers()))
    throw Error("checkpoint parameters do not match the network", "train without --resume to start fresh");
  if (s.ema.size() != (config_.ema > 0.f ? shape_.total : 0))
    throw Error("checkpoint moving average does not match --ema", "resume with the run's own --ema");
  if (s.batch_in_epoch != 0 &&
      (s.order.size() != trainable_.size() || s.batch_in_epoch >= batches_per_epoch()))
    throw Error(fmt::format("checkpoint is in the middle of an epoch over {} examples, the data has {}",
                            s.order.size(), trainable_.size()),
                "resume with the same data and --batch, or train without --resume");
  if (s.batch_in_epoch != 0) {  // the order must be a permutation of the trainable examples
    std::vector<uint32_t> sorted = s.order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != trainable_)
      throw Error(fmt::format("checkpoint field order is not a permutation of the {} trainable examples{}",
                              trainable_.size(),
                              sorted.empty() || sorted.back() < examples_.count
                                  ? std::string()
                                  : fmt::format(" (index {} is out of range)", sorted.back())),
                  "the checkpoint is damaged; delete it and train without --resume");
  }
  state_ = std::move(s);
}

size_t Trainer::batches_per_epoch() const {
  const auto b = static_cast<size_t>(config_.batch);
  return std::max<size_t>(1, (trainable_.size() + b - 1) / b);
}

void Trainer::begin_epoch() {
  state_.order = trainable_;
  shuffle(state_.rng, state_.order);
  state_.partial = {};
}

void Trainer::drop_query_hits(const uint32_t* rows, size_t n) {
  dropped_ = {};
  dropped_.n_in = inputs_.n_in;
  dropped_.count = n;
  dropped_.start.push_back(0);
  dropped_rows_.resize(n);
  dropped_targets_.resize(n);
  for (size_t j = 0; j < n; ++j) {
    for (uint32_t e = inputs_.start[rows[j]]; e < inputs_.start[rows[j] + 1]; ++e) {
      if (inputs_.index[e] < query_buckets(config_.encoding) && state_.rng.unit() < config_.query_dropout)
        continue;
      dropped_.index.push_back(inputs_.index[e]);
      dropped_.value.push_back(inputs_.value[e]);
    }
    dropped_.start.push_back(static_cast<uint32_t>(dropped_.index.size()));
    dropped_rows_[j] = static_cast<uint32_t>(j);
    dropped_targets_[j] = examples_.targets[rows[j]];
  }
}

bool Trainer::step() {
  if (state_.batch_in_epoch == 0) begin_epoch();
  const size_t batches = batches_per_epoch();
  const double progress = state_.epoch + double(state_.batch_in_epoch) / double(batches);
  const float t = quant_t_at(config_.schedule, progress);
  const float lr = lr_at(config_.schedule, progress);

  if (config_.scale_per_step)
    state_.scales = layer_scales(shape_, state_.params.data(), config_.scale_quantile);
  bands_ = zero_bands(progress);
  effective_params(shape_, state_.params.data(), state_.scales.data(), t, eff_.data(), bands_.data());

  const size_t begin = state_.batch_in_epoch * static_cast<size_t>(config_.batch);
  const size_t n = std::min(state_.order.size(), begin + static_cast<size_t>(config_.batch)) - begin;
  const uint32_t* rows = state_.order.data() + begin;
  const SparseInputs* x = &inputs_;
  const int32_t* targets = examples_.targets.data();
  if (config_.query_dropout > 0.f) {
    drop_query_hits(rows, n);
    x = &dropped_;
    rows = dropped_rows_.data();
    targets = dropped_targets_.data();
  }
  const int parts = pool_->size();
  const float grad_scale = 1.f / static_cast<float>(n);
  pool_->run([&](int i) {
    std::fill(grads_[i].begin(), grads_[i].end(), 0.f);
    const size_t b = slice_begin(n, i, parts), e = slice_begin(n, i + 1, parts);
    slice_stats_[i] = forward_backward(shape_, eff_.data(), *x, rows + b, e - b, targets, config_.loss,
                                       grad_scale, grads_[i].data(), work_[i]);
  });
  last_batch_ = {};
  for (const auto& s : slice_stats_) last_batch_.add(s);
  state_.partial.add(last_batch_);
  apply_gradient(lr);
  update_average();

  ++state_.step;
  if (++state_.batch_in_epoch < batches) return false;
  state_.batch_in_epoch = 0;
  ++state_.epoch;
  return true;
}

void Trainer::apply_gradient(float lr) {
  const auto t = static_cast<double>(state_.step + 1);
  const auto c1 = static_cast<float>(1.0 / (1.0 - std::pow(double(kBeta1), t)));
  const auto c2 = static_cast<float>(1.0 / (1.0 - std::pow(double(kBeta2), t)));
  const int parts = pool_->size();
  // Each part updates its share of every layer's weights and biases; all operations are
  // elementwise (the slice gradients are summed in slice order), so the split does not
  // change a single bit. Eigen arrays, because GCC -O2 does not vectorise plain loops and
  // scalar rint/sqrt are library calls on SSE2.
  pool_->run([&](int part) {
    auto update = [&](size_t first, size_t count, float inv_s, float band, float pull, float step_lr,
                      float decay) {
      const size_t i0 = first + slice_begin(count, part, parts),
                   i1 = first + slice_begin(count, part + 1, parts);
      using Arr = Eigen::Map<Eigen::ArrayXf>;
      const auto n = static_cast<Eigen::Index>(i1 - i0);
      Arr P(state_.params.data() + i0, n), M(state_.adam_m.data() + i0, n), V(state_.adam_v.data() + i0, n),
          G(grads_[0].data() + i0, n);
      for (size_t j = 1; j < grads_.size(); ++j) G += Arr(grads_[j].data() + i0, n);
      // Straight-through: d(code)/dw = 1/s. The grid pull is d/dw of mean (w/s - code)^2.
      if (pull > 0.f) {
        const auto u = P * inv_s;
        const auto code = u.rint().cwiseMax(kCodeMin).cwiseMin(kCodeMax);
        if (band > kPlainRounding)
          G = G * inv_s + (2.f * pull) * (u - (u.abs() < band).select(0.f, code));
        else
          G = G * inv_s + (2.f * pull) * (u - code);
      } else if (inv_s != 1.f) {
        G *= inv_s;
      }
      M = kBeta1 * M + (1.f - kBeta1) * G;
      V = kBeta2 * V + (1.f - kBeta2) * G.square();
      P -= step_lr * ((M * c1) / ((V * c2).sqrt() + kEps) + decay * P);
    };
    for (int k = 0; k < shape_.layers(); ++k) {
      const float inv_s = 1.f / state_.scales[k];
      update(shape_.w_offset[k], shape_.w_size(k), inv_s, bands_[k],
             config_.grid_pull * inv_s / static_cast<float>(shape_.w_size(k)), lr, config_.weight_decay);
      // Biases live in accumulator units already: no scale, no grid pull, no decay.
      update(shape_.b_offset[k], static_cast<size_t>(shape_.n_out(k)), 1.f, kPlainRounding, 0.f,
             lr * config_.bias_lr, 0.f);
    }
  });
}

void Trainer::update_average() {
  if (state_.ema.empty()) return;
  // The usual warm-up: early on the average forgets faster, so it is not anchored to the
  // random initialisation (decay (1 + t) / (10 + t) until that reaches config.ema).
  const auto t = static_cast<float>(state_.step);
  const float d = std::min(config_.ema, (1.f + t) / (10.f + t));
  using Arr = Eigen::Map<Eigen::ArrayXf>;
  const auto n = static_cast<Eigen::Index>(state_.ema.size());
  Arr A(state_.ema.data(), n), P(state_.params.data(), n);
  A = d * A + (1.f - d) * P;
}

const float* Trainer::model_params() const {
  return state_.ema.empty() ? state_.params.data() : state_.ema.data();
}

std::vector<double> Trainer::sparsity_targets(double progress) const {
  std::vector<double> fractions(static_cast<size_t>(shape_.layers()));
  for (int k = 0; k < shape_.layers(); ++k)
    fractions[k] = sparsity_at(config_.schedule, layer_sparsity(config_, k), progress);
  return fractions;
}

std::vector<float> Trainer::zero_bands(double progress) const {
  if (!any_sparsity(config_)) return std::vector<float>(static_cast<size_t>(shape_.layers()), kPlainRounding);
  return layer_zero_bands(shape_, state_.params.data(), state_.scales.data(), sparsity_targets(progress));
}

Model Trainer::current_model() const {
  std::vector<float> scales = state_.scales;
  const float* p = model_params();
  if (config_.scale_per_step) scales = layer_scales(shape_, p, config_.scale_quantile);
  // The saved model always has the full sparsity, also while the training ramp is below it.
  const std::vector<float> bands = any_sparsity(config_)
                                       ? layer_zero_bands(shape_, p, scales.data(), sparsity_targets(kFullSparsity))
                                       : std::vector<float>();
  return integer_model(shape_, p, scales.data(), charset_, "",
                       bands.empty() ? nullptr : bands.data());
}

IntEvalStats Trainer::evaluate(const Model& m) {
  return int_evaluate(m, inputs_, examples_.targets.data(), *pool_);
}

EpochRecord Trainer::end_epoch() {
  EpochRecord r;
  r.epoch = state_.epoch;
  r.step = state_.step;
  r.elapsed = state_.elapsed;
  const double progress = state_.epoch;
  r.lr = lr_at(config_.schedule, progress);
  r.quant_t = quant_t_at(config_.schedule, progress);
  const BatchStats& p = state_.partial;
  r.ce = p.counted ? p.ce_sum / double(p.counted) : 0.0;
  r.acc = p.counted ? double(p.correct) / double(p.counted) : 0.0;
  r.penalty = p.counted ? p.penalty_sum / double(p.counted) : 0.0;
  const std::vector<float> bands = zero_bands(progress);
  r.grid_gap = grid_gap(shape_, state_.params.data(), state_.scales.data(), bands.data());
  if (state_.epoch % static_cast<uint32_t>(config_.eval_every) == 0) {
    Model m = current_model();
    IntEvalStats st = evaluate(m);
    r.int_acc = st.int_acc();
    r.int_correct = st.correct;
    r.max_abs_acc = st.max_abs_acc;
    r.wrapped = st.wrapped;
    BestModel& best = state_.best;
    if (st.wrapped == 0 && (!best.valid || r.int_acc > best.int_acc)) {
      best = {true, r.int_acc, st.correct, st.examples, state_.epoch, st.max_abs_acc, std::move(m)};
      r.best = true;
    }
  }
  state_.history.push_back(r);
  return r;
}

std::string divergence_problem(const Trainer& tr) {
  const BatchStats& b = tr.last_batch();
  const TrainState& s = tr.state();
  if (!std::isfinite(b.ce_sum) || !std::isfinite(b.penalty_sum))
    return fmt::format("training diverged at step {}: the batch's loss is not finite (cross-entropy sum {}, "
                       "penalty sum {})",
                       s.step, b.ce_sum, b.penalty_sum);
  for (size_t i = 0; i < s.params.size(); ++i)
    if (!std::isfinite(s.params[i]))
      return fmt::format("training diverged at step {}: parameter {} became {}", s.step, i, s.params[i]);
  return {};
}

}  // namespace z80lm
