#include "train/qat_forward.h"

#include <cmath>
#include <limits>

namespace z80lm {

namespace {

using Mat = Eigen::MatrixXf;
using ConstMap = Eigen::Map<const Mat>;
using MutMap = Eigen::Map<Mat>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;
using MutVec = Eigen::Map<Eigen::VectorXf>;

// y = floor(z/4) (or z/4), ReLU on hidden layers. z and y are (n_out, n). Eigen's packet
// floor vectorises (a scalar std::floor loop would call libm on SSE2).
void activate(const Mat& z, Mat& y, bool hidden, bool floor) {
  y.resize(z.rows(), z.cols());
  const float low = hidden ? 0.f : -std::numeric_limits<float>::infinity();
  if (floor)
    y.array() = (z.array() * 0.25f).floor().cwiseMax(low);
  else
    y.array() = (z.array() * 0.25f).cwiseMax(low);
}

// Adds the overflow penalty of accumulators z to dz (when non-null) and returns its sum.
double overflow_penalty(const Mat& z, const LossOptions& opt, float grad_scale, Mat* dz) {
  if (opt.overflow_weight <= 0.f) return 0.0;
  const float a = opt.acc_limit, inv_a2 = 1.f / (a * a);
  double sum = 0;
  const float* zp = z.data();
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const float excess = std::fabs(zp[i]) - a;
    if (excess <= 0.f) continue;
    sum += static_cast<double>(opt.overflow_weight * excess * excess * inv_a2);
    if (dz)
      dz->data()[i] += grad_scale * opt.overflow_weight * 2.f * excess * inv_a2 * (zp[i] < 0.f ? -1.f : 1.f);
  }
  return sum;
}

}  // namespace

BatchStats forward_backward(const NetShape& shape, const float* eff, const SparseInputs& x,
                            const uint32_t* rows, size_t n, const int32_t* targets, const LossOptions& opt,
                            float grad_scale, float* grad, Workspace& ws) {
  const int layers = shape.layers();
  const auto cols = static_cast<Eigen::Index>(n);
  ws.z.resize(layers);
  ws.y.resize(layers);

  // Layer 1: sparse. z0 = b0 + Σ_hits value · c0.col(index).
  {
    ConstMap c(eff + shape.w_offset[0], shape.n_out(0), shape.n_in(0));
    ConstVec b(eff + shape.b_offset[0], shape.n_out(0));
    Mat& z = ws.z[0];
    z.resize(shape.n_out(0), cols);
    for (size_t j = 0; j < n; ++j) {
      auto zc = z.col(static_cast<Eigen::Index>(j));
      zc = b;
      for (uint32_t e = x.start[rows[j]]; e < x.start[rows[j] + 1]; ++e) zc += x.value[e] * c.col(x.index[e]);
    }
    activate(z, ws.y[0], layers > 1, opt.floor);
  }
  for (int k = 1; k < layers; ++k) {
    ConstMap c(eff + shape.w_offset[k], shape.n_out(k), shape.n_in(k));
    ConstVec b(eff + shape.b_offset[k], shape.n_out(k));
    Mat& z = ws.z[k];
    z.resize(shape.n_out(k), cols);
    z.noalias() = c * ws.y[k - 1];
    z.colwise() += b;
    activate(z, ws.y[k], k + 1 < layers, opt.floor);
  }

  // Loss on the output layer; dz = d(loss)/d(z_L) when training.
  BatchStats st;
  const Mat& out = ws.y[layers - 1];
  const auto n_out = out.rows();
  if (grad) ws.dz.setZero(n_out, cols);
  Eigen::ArrayXf soft(n_out);
  for (Eigen::Index j = 0; j < cols; ++j) {
    const int32_t t = targets[rows[j]];
    if (t < 0) continue;
    auto v = out.col(j);
    Eigen::Index best = 0;
    for (Eigen::Index o = 1; o < n_out; ++o)
      if (v[o] > v[best]) best = o;
    const float top = v[best];
    // Shifted by the maximum: every exponent <= 0, the sum >= 1 (no overflow, no log 0).
    soft = ((v.array() - top) * opt.logit_scale).exp();
    const float sum = soft.sum();
    // Target q = (1 - eps) onehot + eps / n: CE = log Σ exp(s(v - top)) - s Σ q (v - top).
    const float eps = opt.label_smoothing, spread = eps / static_cast<float>(n_out);
    const float mean_term = eps > 0.f ? spread * (v.array() - top).sum() : 0.f;
    st.ce_sum +=
        static_cast<double>(std::log(sum) - opt.logit_scale * ((1.f - eps) * (v[t] - top) + mean_term));
    st.correct += best == t;
    ++st.counted;
    if (grad) {
      // d CE / d y = logit_scale (p - q); d y / d z = 1/4 (straight through the floor).
      const float k = grad_scale * opt.logit_scale * 0.25f;
      ws.dz.col(j) = (k / sum) * soft.matrix();
      if (eps > 0.f) ws.dz.col(j).array() -= k * spread;
      ws.dz(t, j) -= k * (1.f - eps);
    }
  }
  for (int k = 0; k < layers; ++k) st.penalty_sum += overflow_penalty(ws.z[k], opt, grad_scale, nullptr);
  if (opt.activity_weight > 0.f)
    for (int k = 0; k + 1 < layers; ++k) st.penalty_sum += double(opt.activity_weight) * ws.y[k].sum();
  if (!grad) return st;

  for (int k = layers - 1; k >= 0; --k) {
    overflow_penalty(ws.z[k], opt, grad_scale, &ws.dz);
    MutMap dc(grad + shape.w_offset[k], shape.n_out(k), shape.n_in(k));
    MutVec db(grad + shape.b_offset[k], shape.n_out(k));
    db += ws.dz.rowwise().sum();
    if (k == 0) {
      for (size_t j = 0; j < n; ++j) {
        auto dzc = ws.dz.col(static_cast<Eigen::Index>(j));
        for (uint32_t e = x.start[rows[j]]; e < x.start[rows[j] + 1]; ++e)
          dc.col(x.index[e]) += x.value[e] * dzc;
      }
      break;
    }
    dc.noalias() += ws.dz * ws.y[k - 1].transpose();
    ConstMap c(eff + shape.w_offset[k], shape.n_out(k), shape.n_in(k));
    ws.dy.noalias() = c.transpose() * ws.dz;
    if (opt.activity_weight > 0.f) ws.dy.array() += opt.activity_weight * grad_scale;  // d Σ y / d y
    // Through y = max(floor(z/4), 0): 1/4 where z > 0. The gate clamp(z·2^40, 0, 1) is the
    // step function for every |z| >= 2^-40 (at temperature 1 z is an integer: exact) and,
    // unlike a comparison, an Eigen packet operation (vectorised).
    const Mat& zp = ws.z[k - 1];
    ws.dz.array() = 0.25f * ws.dy.array() * (zp.array() * 0x1p40f).cwiseMax(0.f).cwiseMin(1.f);
  }
  return st;
}

}  // namespace z80lm
