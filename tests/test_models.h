// test_models.h — small deterministic models for tests (no training needed).
//
//   z80lm::Model m = z80lm::test::random_model(42, {16, 8}, "HIYESNO");
//
// Weights are drawn from a fixed splitmix64 stream with roughly the shipped models' code
// frequencies (-2: 1%, -1: 15%, 0: 70%, +1: 14%); biases small. Same seed, same model, on
// every platform.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"
#include "text/encoder.h"
#include "util/rng.h"

namespace z80lm::test {

// `symbols` are the non-end charset symbols (sorted or not: used as given); '\0' is appended.
inline Model random_model(uint64_t seed, const std::vector<int>& hidden, const std::string& symbols,
                          Encoding encoding = Encoding::v1) {
  Model m;
  m.encoding = encoding;
  m.charset = symbols + '\0';
  m.provenance = R"({"source":"test random_model"})";
  std::vector<int> sizes = hidden;
  sizes.push_back(static_cast<int>(m.charset.size()));
  int n_in = input_size(encoding);
  uint64_t state = seed;
  for (int n_out : sizes) {
    Layer l;
    l.n_in = n_in;
    l.n_out = n_out;
    l.w.resize(static_cast<size_t>(n_in) * n_out);
    for (auto& w : l.w) {
      int r = static_cast<int>(splitmix64(state) % 100);
      w = static_cast<int8_t>(r < 1 ? -2 : r < 16 ? -1 : r < 86 ? 0 : 1);
    }
    l.b.resize(n_out);
    for (auto& b : l.b) b = static_cast<int16_t>(static_cast<int>(splitmix64(state) % 129) - 64);
    m.layers.push_back(std::move(l));
    n_in = n_out;
  }
  return m;
}

}  // namespace z80lm::test
