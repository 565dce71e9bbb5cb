#include "model/model.h"

#include <fmt/core.h>

#include "text/charset.h"
#include "text/encoder.h"
#include "util/printable.h"

namespace z80lm {

std::vector<int> Model::hidden_sizes() const {
  std::vector<int> sizes;
  for (size_t i = 0; i + 1 < layers.size(); ++i) sizes.push_back(layers[i].n_out);
  return sizes;
}

size_t Model::parameter_count() const {
  size_t n = 0;
  for (const auto& l : layers) n += l.w.size() + l.b.size();
  return n;
}

size_t Model::nonzero_weights() const {
  size_t n = 0;
  for (const auto& l : layers)
    for (int8_t c : l.w) n += c != 0;
  return n;
}

std::string model_problem(const Model& m) {
  if (m.layers.empty() || m.layers.size() > kMaxLayers)
    return fmt::format("model has {} layers, expected 1..{}", m.layers.size(), kMaxLayers);
  if (std::string p = charset_problem(m.charset); !p.empty()) return p;
  if (!encoding_is_known(static_cast<int>(m.encoding)))
    return fmt::format("unknown encoding {}", static_cast<int>(m.encoding));
  int expected_in = input_size(m.encoding);
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& l = m.layers[k];
    if (l.n_in != expected_in)
      return fmt::format("layer {} has {} inputs, expected {}{}", k + 1, l.n_in, expected_in,
                         k == 0 ? " (encoding " + encoding_summary(m.encoding) + ")" : "");
    if (l.n_out < 1 || l.n_out > kMaxLayerWidth)
      return fmt::format("layer {} has {} outputs, expected 1..{}", k + 1, l.n_out, kMaxLayerWidth);
    if (l.w.size() != static_cast<size_t>(l.n_in) * l.n_out || l.b.size() != static_cast<size_t>(l.n_out))
      return fmt::format("layer {} arrays do not match its shape {}x{}", k + 1, l.n_out, l.n_in);
    for (size_t i = 0; i < l.w.size(); ++i)
      if (l.w[i] < -2 || l.w[i] > 1)
        return fmt::format("layer {} weight {} (neuron {}, input {}) is {}, expected -2..+1", k + 1, i,
                           i / l.n_in, i % l.n_in, l.w[i]);
    expected_in = l.n_out;
  }
  if (m.output_size() != static_cast<int>(m.charset.size()))
    return fmt::format("output layer has {} neurons but the charset has {} symbols", m.output_size(),
                       m.charset.size());
  return {};
}

std::string describe_model(const Model& m) {
  std::string arch = std::to_string(m.input_size());
  for (const auto& l : m.layers) arch += fmt::format("→{}", l.n_out);
  size_t counts[4] = {};
  for (const auto& l : m.layers)
    for (int8_t c : l.w) ++counts[c + 2];
  size_t total = counts[0] + counts[1] + counts[2] + counts[3];
  auto pct = [&](size_t n) {
    return total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0;
  };
  return fmt::format(
      "architecture {} ({} parameters)\nencoding {}\ncharset ({} symbols) \"{}\"\nweights -2: {:.2f}%  -1: "
      "{:.2f}%  0: {:.2f}%  +1: "
      "{:.2f}%  ({} non-zero)\nprovenance {}",
      arch, m.parameter_count(), encoding_summary(m.encoding), m.charset.size(), charset_display(m.charset),
      pct(counts[0]), pct(counts[1]), pct(counts[2]), pct(counts[3]), m.nonzero_weights(),
      m.provenance.empty() ? "{}" : printable(m.provenance));
}

}  // namespace z80lm
