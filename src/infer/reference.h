// reference.h — exact 16-bit integer inference on the host: THE reference.
//
//   std::string answer = z80lm::generate_reference(model, "hello");   // e.g. "HI"
//
// Semantics (what every Z80 engine must reproduce bit for bit):
//   per layer: acc = bias + Σ w·x   with 16-bit wrap-around (two's complement),
//              y   = acc >> 2       arithmetic shift = floor division (Z80 `SRA H / RR L`),
//              y   = max(y, 0)      on hidden layers only;
//   prediction = index of the FIRST maximum of the output layer;
//   generation: greedy, stop at the end symbol or after kMaxResponseChars characters; the
//   answer is returned exactly as generated (no trimming).
// Written plainly on purpose: faster engines are tested against this, never the reverse.
// Not modelled: anything the Z80 does outside the network (I/O, timing).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace z80lm {

inline constexpr int kMaxGenerate = 50;

// x is (layer.n_in) int16, y is (layer.n_out) int16.
void layer_forward_reference(const Layer& layer, const int16_t* x, int16_t* y, bool relu);

// x is (m.input_size()) int16 encoded input; returns the (n_out of the last layer) output values.
std::vector<int16_t> forward_reference(const Model& m, const int16_t* x);

// First maximum wins. v is (n) int16, n >= 1.
int argmax_first(const int16_t* v, int n);

// The predicted output index for one encoded input.
int predict_reference(const Model& m, const int16_t* x);

// Greedy generation for a raw query (encoded with encoder.h, the model's encoding).
std::string generate_reference(const Model& m, std::string_view query, int max_chars = kMaxGenerate);

}  // namespace z80lm
