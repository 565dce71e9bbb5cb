#include "train/quantize.h"

#include <Eigen/Core>
#include <vector>

namespace z80lm {

namespace {
using ConstArr = Eigen::Map<const Eigen::ArrayXf>;
using Arr = Eigen::Map<Eigen::ArrayXf>;
}  // namespace

float quantile_abs(const float* w, size_t n, double q) {
  std::vector<float> a(n);
  for (size_t i = 0; i < n; ++i) a[i] = std::fabs(w[i]);
  const double pos = q * static_cast<double>(n - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, n - 1);
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(lo), a.end());
  const float v_lo = a[lo];
  // The next order statistic is the minimum of the part after lo.
  const float v_hi =
      hi == lo ? v_lo : *std::min_element(a.begin() + static_cast<std::ptrdiff_t>(hi), a.end());
  const auto frac = static_cast<float>(pos - static_cast<double>(lo));
  return std::max(v_lo + frac * (v_hi - v_lo), 1e-6f);
}

float zero_band(const float* w, size_t n, float inv_s, double fraction) {
  if (!(fraction > 0.0) || n == 0) return kPlainRounding;
  return std::max(kPlainRounding, quantile_abs(w, n, fraction) * inv_s);
}

void weight_codes(const float* w, size_t n, float inv_s, float* codes, float band) {
  const auto len = static_cast<Eigen::Index>(n);
  const auto u = ConstArr(w, len) * inv_s;
  if (band > kPlainRounding)
    Arr(codes, len) = (u.abs() < band).select(0.f, u.rint().cwiseMax(kCodeMin).cwiseMin(kCodeMax));
  else
    Arr(codes, len) = u.rint().cwiseMax(kCodeMin).cwiseMin(kCodeMax);
}

void blend_codes(const float* w, size_t n, float inv_s, float t, float* eff, float band) {
  const auto len = static_cast<Eigen::Index>(n);
  if (t >= 1.f) return weight_codes(w, n, inv_s, eff, band);
  const auto u = ConstArr(w, len) * inv_s;
  if (band > kPlainRounding)
    Arr(eff, len) =
        (1.f - t) * u + t * (u.abs() < band).select(0.f, u.rint().cwiseMax(kCodeMin).cwiseMin(kCodeMax));
  else
    Arr(eff, len) = (1.f - t) * u + t * u.rint().cwiseMax(kCodeMin).cwiseMin(kCodeMax);
}

void blend_biases(const float* b, size_t n, float t, float* eff) {
  const auto len = static_cast<Eigen::Index>(n);
  const auto code = ConstArr(b, len).rint().cwiseMax(-32768.f).cwiseMin(32767.f);
  if (t >= 1.f)
    Arr(eff, len) = code;
  else
    Arr(eff, len) = (1.f - t) * ConstArr(b, len) + t * code;
}

}  // namespace z80lm
