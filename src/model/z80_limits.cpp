#include "model/z80_limits.h"

#include <fmt/core.h>

namespace z80lm {

std::string z80_shape_problem(const std::vector<int>& hidden_sizes, int charset_size) {
  if (hidden_sizes.size() + 1 > kZ80MaxLayers)
    return fmt::format("{} layers, the Z80 engines support at most {}", hidden_sizes.size() + 1, kZ80MaxLayers);
  for (size_t i = 0; i < hidden_sizes.size(); ++i)
    if (hidden_sizes[i] < 1 || hidden_sizes[i] > kZ80MaxWidth)
      return fmt::format("hidden layer {} has {} neurons, the Z80 engines support 1..{}", i + 1, hidden_sizes[i],
                         kZ80MaxWidth);
  if (charset_size < 2 || charset_size > kZ80MaxWidth)
    return fmt::format("the charset has {} symbols, the Z80 engines support 2..{}", charset_size, kZ80MaxWidth);
  return {};
}

}  // namespace z80lm
