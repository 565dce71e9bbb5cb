// fast_query_columns.h — the query half of layer 1 for the `fast` engine, nibble-coded: it is
// read once per response (NET_QUERY), so it is stored small rather than quick to read.
//
//   std::vector<uint8_t> q = fast_query_columns(model.layers[0], 128);   // inputs 0..127
//
// One column per input i, in input order: [B] then B bytes of nibbles, high nibble first.
// A nibble is code << 2 | s over the outputs o = 0, 1, ... in order:
//   code 0:  skip 4 * (s + 1) outputs (weights 0);
//   code 1, 2, 3: skip s outputs (weights 0), then the next output has weight +1, -1, -2.
// The last byte may end with a pad nibble 0 (a skip past the last output, harmless).
// Invariants: B <= 128 (at most one nibble per output for 256 outputs); a column with no
// nonzero weight is [0].
// Used by the fast engine and, for encoding v3, the compact engine (engine_compact.h).
// Not modelled: the Z80 decoder (query_columns_code.h, both engines' NET_QUERY).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"

namespace z80lm::z80 {

// Columns of inputs 0..count-1 of `layer` (layer.w is (n_out, n_in)).
std::vector<uint8_t> fast_query_columns(const Layer& layer, int count);

// Reads columns back into weights: w is (n_out, count); for tests.
std::vector<int8_t> fast_query_weights(std::span<const uint8_t> columns, int n_out, int count);

}  // namespace z80lm::z80
