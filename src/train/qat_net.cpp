#include "train/qat_net.h"

#include <cmath>

#include "text/encoder.h"
#include "train/quantize.h"

namespace z80lm {

NetShape net_shape(const std::vector<int>& widths) {
  NetShape s;
  s.widths = widths;
  for (int k = 0; k < s.layers(); ++k) {
    s.w_offset.push_back(s.total);
    s.total += s.w_size(k);
    s.b_offset.push_back(s.total);
    s.total += static_cast<size_t>(s.n_out(k));
  }
  return s;
}

std::vector<int> network_widths(Encoding encoding, const std::vector<int>& hidden, int outputs) {
  std::vector<int> widths{input_size(encoding)};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(outputs);
  return widths;
}

std::vector<float> init_params(const NetShape& shape, Rng& rng) {
  std::vector<float> p(shape.total, 0.f);
  for (int k = 0; k < shape.layers(); ++k) {
    const double sd = std::sqrt(2.0 / (shape.n_in(k) + shape.n_out(k)));
    float* w = p.data() + shape.w_offset[k];
    for (size_t i = 0; i < shape.w_size(k); ++i) w[i] = static_cast<float>(sd * rng.normal());
  }
  return p;
}

std::vector<float> layer_scales(const NetShape& shape, const float* params, double quantile) {
  std::vector<float> s(shape.layers());
  for (int k = 0; k < shape.layers(); ++k)
    s[k] = quantile_abs(params + shape.w_offset[k], shape.w_size(k), quantile);
  return s;
}

std::vector<float> layer_zero_bands(const NetShape& shape, const float* params, const float* scales,
                                    const std::vector<double>& fractions) {
  std::vector<float> bands(shape.layers());
  for (int k = 0; k < shape.layers(); ++k)
    bands[k] = zero_band(params + shape.w_offset[k], shape.w_size(k), 1.f / scales[k], fractions.at(k));
  return bands;
}

void effective_params(const NetShape& shape, const float* params, const float* scales, float t, float* eff,
                      const float* bands) {
  for (int k = 0; k < shape.layers(); ++k) {
    blend_codes(params + shape.w_offset[k], shape.w_size(k), 1.f / scales[k], t, eff + shape.w_offset[k],
                bands ? bands[k] : kPlainRounding);
    blend_biases(params + shape.b_offset[k], static_cast<size_t>(shape.n_out(k)), t, eff + shape.b_offset[k]);
  }
}

Model integer_model(const NetShape& shape, const float* params, const float* scales,
                    const std::string& charset, const std::string& provenance, const float* bands) {
  Model m;
  encoding_of_input_size(shape.n_in(0), &m.encoding);  // the widths come from network_widths
  m.charset = charset;
  m.provenance = provenance;
  for (int k = 0; k < shape.layers(); ++k) {
    Layer l;
    l.n_in = shape.n_in(k);
    l.n_out = shape.n_out(k);
    l.w.resize(shape.w_size(k));
    l.b.resize(static_cast<size_t>(l.n_out));
    const float inv_s = 1.f / scales[k];
    const float band = bands ? bands[k] : kPlainRounding;
    const float* w = params + shape.w_offset[k];  // column-major (n_out, n_in)
    for (int i = 0; i < l.n_in; ++i)
      for (int o = 0; o < l.n_out; ++o)
        l.w[static_cast<size_t>(o) * l.n_in + i] =
            weight_code(w[static_cast<size_t>(i) * l.n_out + o] * inv_s, band);
    const float* b = params + shape.b_offset[k];
    for (int o = 0; o < l.n_out; ++o) l.b[o] = bias_code(b[o]);
    m.layers.push_back(std::move(l));
  }
  return m;
}

}  // namespace z80lm
