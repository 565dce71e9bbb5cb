// examples.h — teacher-forced training examples: one per generated character, plus the end.
//
//   z80lm::ExampleSet ex = z80lm::build_examples(pairs, charset, Encoding::v2);
//   // ex.inputs is (ex.count, ex.n_in) int16, ex.targets is (ex.count) output indices
//
// A response of k characters gives k+1 examples: (query, R[:j]) -> R[j] for j < k, and
// (query, R) -> end symbol. A response character missing from the charset gets target -1
// (counted wrong by every evaluation, skipped by training).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/encoder.h"
#include "text/pairs.h"

namespace z80lm {

struct ExampleSet {
  size_t count = 0;
  Encoding encoding = Encoding::v1;
  int n_in = kInputSizeV1;        // input_size(encoding)
  std::vector<int16_t> inputs;    // (count, n_in) row-major
  std::vector<int32_t> targets;   // (count) index into the charset, or -1
  std::vector<uint32_t> pair_of;  // (count) index of the pair each example came from
};

ExampleSet build_examples(const std::vector<Pair>& pairs, std::string_view charset, Encoding encoding);

}  // namespace z80lm
