// model.h — a quantized z80lm model in memory: integer weights, biases and charset.
//
//   z80lm::Model m = z80lm::load_model("tinychat.zlm");
//   m.layers[0].w[o * m.layers[0].n_in + i]   // weight code of input i -> neuron o
//
// Invariants (checked by model_problem, enforced when loading): 1..kMaxLayers layers;
// layer 0 takes input_size(encoding) inputs (v1: 256, v2: 384; text/encoder.h); each
// layer's n_in equals the previous n_out; the
// last n_out equals the charset size; codes are in {-2,-1,0,+1}; the charset is valid
// (charset.h). Biases are int16 in the integer domain (input units of 32 per hit).
// Not modelled here: any float weights (the trainer owns those) or target-specific limits
// (each Z80 engine checks its own).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "text/encoder.h"

namespace z80lm {

inline constexpr int kMaxLayers = 16;
inline constexpr int kMaxLayerWidth = 4096;

struct Layer {
  int n_in = 0;
  int n_out = 0;
  std::vector<int8_t> w;   // (n_out, n_in) row-major codes in {-2,-1,0,+1}
  std::vector<int16_t> b;  // (n_out)
};

struct Model {
  Encoding encoding = Encoding::v1;  // how queries become inputs (imported originals: v1)
  std::vector<Layer> layers;
  std::string charset;     // one byte per output neuron; last is the end symbol '\0'
  std::string provenance;  // JSON object text: source, data hash, seed, epochs, ...

  int input_size() const { return layers.empty() ? 0 : layers.front().n_in; }
  int output_size() const { return layers.empty() ? 0 : layers.back().n_out; }
  int end_index() const { return static_cast<int>(charset.size()) - 1; }
  std::vector<int> hidden_sizes() const;
  size_t parameter_count() const;
  size_t nonzero_weights() const;
};

// Empty when the model satisfies every invariant above, else a one-line description.
std::string model_problem(const Model& m);

// A one-paragraph human summary: architecture, charset, weight statistics, provenance.
std::string describe_model(const Model& m);

}  // namespace z80lm
