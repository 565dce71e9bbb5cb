#include "infer/reference.h"

#include <algorithm>

#include "text/encoder.h"

namespace z80lm {

void layer_forward_reference(const Layer& layer, const int16_t* x, int16_t* y, bool relu) {
  for (int o = 0; o < layer.n_out; ++o) {
    const int8_t* w = &layer.w[static_cast<size_t>(o) * layer.n_in];
    // Summing in 32 bits and wrapping once equals wrapping at every step (mod 2^16).
    int32_t sum = layer.b[o];
    for (int i = 0; i < layer.n_in; ++i) sum += w[i] * x[i];
    auto acc = static_cast<int16_t>(static_cast<uint16_t>(sum));
    auto v = static_cast<int16_t>(acc >> 2);  // arithmetic: floor, like SRA
    y[o] = (relu && v < 0) ? int16_t{0} : v;
  }
}

std::vector<int16_t> forward_reference(const Model& m, const int16_t* x) {
  std::vector<int16_t> in(x, x + m.input_size()), out;
  for (size_t k = 0; k < m.layers.size(); ++k) {
    out.assign(m.layers[k].n_out, 0);
    layer_forward_reference(m.layers[k], in.data(), out.data(), k + 1 < m.layers.size());
    in.swap(out);
  }
  return in;
}

int argmax_first(const int16_t* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

int predict_reference(const Model& m, const int16_t* x) {
  std::vector<int16_t> out = forward_reference(m, x);
  return argmax_first(out.data(), static_cast<int>(out.size()));
}

std::string generate_reference(const Model& m, std::string_view query, int max_chars) {
  int16_t x[kMaxInputSize];
  encode_query(m.encoding, query, x);
  ContextWindow window;
  std::string answer;
  for (int step = 0; step < max_chars; ++step) {
    encode_context(window, x + query_buckets(m.encoding));
    int idx = predict_reference(m, x);
    if (idx == m.end_index()) break;
    char c = m.charset[static_cast<size_t>(idx)];
    answer += c;
    window.push(static_cast<uint8_t>(c));
  }
  return answer;
}

}  // namespace z80lm
