// examples.h — teacher-forced training examples: one per generated character, plus the end.
//
//   z80lm::ExampleSet ex = z80lm::build_examples(pairs, charset);
//   // ex.inputs is (ex.count, 256) int16, ex.targets is (ex.count) output indices
//
// A response of k characters gives k+1 examples: (query, R[:j]) -> R[j] for j < k, and
// (query, R) -> end symbol. A response character missing from the charset gets target -1
// (counted wrong by every evaluation, skipped by training).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/pairs.h"

namespace z80lm {

struct ExampleSet {
  size_t count = 0;
  std::vector<int16_t> inputs;    // (count, 256) row-major
  std::vector<int32_t> targets;   // (count) index into the charset, or -1
  std::vector<uint32_t> pair_of;  // (count) index of the pair each example came from
};

ExampleSet build_examples(const std::vector<Pair>& pairs, std::string_view charset);

}  // namespace z80lm
