// qat_net.h — the trainable network: latent float parameters in one flat vector.
//
//   z80lm::NetShape shape = z80lm::net_shape({256, 256, 192, 128, 40});
//   std::vector<float> p = z80lm::init_params(shape, rng);
//   std::vector<float> s = z80lm::layer_scales(shape, p.data(), 0.95);
//   z80lm::Model m = z80lm::integer_model(shape, p.data(), s.data(), charset, "{}");
//
// Layout of the flat vector, per layer k in order: w_k (n_out, n_in) column-major (so the
// column of input i is contiguous: layer 1 adds one column per input hit), then b_k (n_out).
// Units: w_k / s_k is in CODE units (the integer code is weight_code(w/s)); b_k is in
// ACCUMULATOR units (the integer bias is bias_code(b)), i.e. the same units as the Z80's
// 16-bit sum, where one input hit is 32.
// Invariants: widths[0] is the input size; every width >= 1; the parameter count is
// shape.size(). Not modelled: anything about the optimiser (see adam.h).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "model/model.h"
#include "util/rng.h"

namespace z80lm {

struct NetShape {
  std::vector<int> widths;       // input size, hidden sizes..., output size
  std::vector<size_t> w_offset;  // per layer
  std::vector<size_t> b_offset;  // per layer
  size_t total = 0;

  int layers() const { return static_cast<int>(widths.size()) - 1; }
  int n_in(int k) const { return widths[k]; }
  int n_out(int k) const { return widths[k + 1]; }
  size_t w_size(int k) const { return static_cast<size_t>(n_in(k)) * n_out(k); }
};

NetShape net_shape(const std::vector<int>& widths);
// {input_size(encoding), hidden..., outputs}.
std::vector<int> network_widths(Encoding encoding, const std::vector<int>& hidden, int outputs);

// The original's initialisation: w ~ N(0, 2/(n_in+n_out)) (Xavier normal), b = 0.
std::vector<float> init_params(const NetShape& shape, Rng& rng);

// Per-layer scale s_k = quantile(|w_k|, q) (quantize.h); params is (shape.total).
std::vector<float> layer_scales(const NetShape& shape, const float* params, double quantile);

// Per-layer zero bands (quantize.h) that make at least about fractions[k] of layer k zero
// (fractions: shape.layers() values; 0 gives plain rounding).
std::vector<float> layer_zero_bands(const NetShape& shape, const float* params, const float* scales,
                                    const std::vector<double>& fractions);

// eff (shape.total) = what the forward uses at temperature t: blended codes and biases.
// bands: per-layer zero bands, or null for plain rounding.
void effective_params(const NetShape& shape, const float* params, const float* scales, float t, float* eff,
                      const float* bands = nullptr);

// The integer model the Z80 runs (temperature 1): codes and int16 biases.
Model integer_model(const NetShape& shape, const float* params, const float* scales,
                    const std::string& charset, const std::string& provenance, const float* bands = nullptr);

}  // namespace z80lm
