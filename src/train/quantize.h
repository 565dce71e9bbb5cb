// quantize.h — latent float weights to the Z80's 2-bit codes, per-layer scale, blending.
//
//   float s = z80lm::quantile_abs(w, n, 0.95);      // per-layer scale
//   int8_t q = z80lm::weight_code(w[i] / s);         // in {-2,-1,0,+1}
//   int16_t b = z80lm::bias_code(bias[o]);           // biases are already in integer units
//   z80lm::blend_codes(w, n, 1 / s, t, eff);         // what the float forward multiplies with
//
// Grid: 4 levels {-2,-1,0,+1} (asymmetric, as the original); rounding is half-to-even
// (like torch.round; nearbyint/rint in the default rounding mode), then clamped. The scale
// is the original's: linear-interpolated quantile of |w| at position q·(n-1), >= 1e-6.
// Progressive quantization blends the effective code (1-t)·w/s + t·q; at t = 1 it is
// exactly the integer code the Z80 multiplies with. The array functions are Eigen
// expressions (vectorised; SSE2 has no round instruction, so a scalar loop would call libm)
// and give the same bits as the scalar ones.
// Sparsity: a dead zone of half-width `band` (code units, >= 0.5) maps |w/s| < band to 0;
// band = 0.5 is plain rounding. zero_band() picks the band that zeroes a given fraction of a
// layer (magnitude pruning that the straight-through gradient can still undo).
// Not modelled: a gradient through s, the band or the rounding (the caller's STE passes the
// gradient of the effective code straight to w/s).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace z80lm {

inline constexpr float kCodeMin = -2.f;
inline constexpr float kCodeMax = 1.f;
inline constexpr float kPlainRounding = 0.5f;  // the zero band of round-to-nearest

// Quantile of |w[0..n)|, n >= 1; w is not modified.
float quantile_abs(const float* w, size_t n, double q);

inline float weight_code_f(float w_over_s, float band = kPlainRounding) {
  if (band > kPlainRounding && std::fabs(w_over_s) < band) return 0.f;
  return std::clamp(std::nearbyint(w_over_s), kCodeMin, kCodeMax);
}
inline int8_t weight_code(float w_over_s, float band = kPlainRounding) {
  return static_cast<int8_t>(weight_code_f(w_over_s, band));
}

// The band (code units) that makes at least about `fraction` of w[0..n) zero: the
// fraction-quantile of |w|·inv_s, never below plain rounding's. fraction 0 gives 0.5.
float zero_band(const float* w, size_t n, float inv_s, double fraction);

inline float bias_code_f(float b) {
  return std::clamp(std::nearbyint(b), -32768.f, 32767.f);
}
inline int16_t bias_code(float b) {
  return static_cast<int16_t>(bias_code_f(b));
}

// codes[i] = weight_code_f(w[i] * inv_s, band); w and codes are (n); may alias.
void weight_codes(const float* w, size_t n, float inv_s, float* codes, float band = kPlainRounding);
// eff[i] = (1-t)·w[i]·inv_s + t·code (t >= 1: the code itself); may alias.
void blend_codes(const float* w, size_t n, float inv_s, float t, float* eff, float band = kPlainRounding);
// eff[i] = (1-t)·b[i] + t·bias_code_f(b[i]).
void blend_biases(const float* b, size_t n, float t, float* eff);

}  // namespace z80lm
