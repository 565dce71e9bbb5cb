#include "train/sparse_inputs.h"

#include <algorithm>
#include <cstdlib>

namespace z80lm {

SparseInputs sparse_inputs(const int16_t* dense, size_t count, int n_in) {
  SparseInputs s;
  s.count = count;
  s.n_in = n_in;
  s.start.reserve(count + 1);
  s.start.push_back(0);
  for (size_t r = 0; r < count; ++r) {
    const int16_t* x = dense + r * static_cast<size_t>(n_in);
    double l1 = 0;
    for (int i = 0; i < n_in; ++i)
      if (x[i] != 0) {
        s.index.push_back(static_cast<uint16_t>(i));
        s.value.push_back(static_cast<float>(x[i]));
        l1 += std::abs(x[i]);
      }
    s.max_l1 = std::max(s.max_l1, l1);
    s.start.push_back(static_cast<uint32_t>(s.index.size()));
  }
  return s;
}

}  // namespace z80lm
