// sparse_inputs.h — encoded examples as (input index, value) lists for layer 1.
//
//   z80lm::SparseInputs x = z80lm::sparse_inputs(ex.inputs.data(), ex.count, ex.n_in);
//   for (uint32_t k = x.start[r]; k < x.start[r + 1]; ++k) use(x.index[k], x.value[k]);
//
// Why: an encoded input has ~12 query hits and 21 context hits of 256 buckets, so layer 1
// costs ~33 column updates instead of 256 (about 8x less work than a dense product).
// Invariants: entries of one row are the non-zero inputs in increasing index order; values
// are the int16 inputs exactly (as float); `max_l1` is the largest Σ|x| of any row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace z80lm {

struct SparseInputs {
  size_t count = 0;
  int n_in = 0;
  std::vector<uint32_t> start;  // (count + 1) offsets into index/value
  std::vector<uint16_t> index;  // input position 0..n_in-1
  std::vector<float> value;     // the int16 input value
  double max_l1 = 0;
};

// dense is (count, n_in) int16, row-major.
SparseInputs sparse_inputs(const int16_t* dense, size_t count, int n_in);

}  // namespace z80lm
