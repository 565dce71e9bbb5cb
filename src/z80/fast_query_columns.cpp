#include "z80/fast_query_columns.h"

#include <algorithm>

namespace z80lm::z80 {

namespace {

constexpr int kSkipUnit = 4;  // a code-0 nibble skips 4, 8, 12 or 16 outputs

int code_of(int8_t w) {
  return w == 1 ? 1 : w == -1 ? 2 : w == -2 ? 3 : 0;
}

}  // namespace

std::vector<uint8_t> fast_query_columns(const Layer& layer, int count) {
  std::vector<uint8_t> out;
  for (int i = 0; i < count; ++i) {
    std::vector<uint8_t> nibbles;
    int gap = 0;
    for (int o = 0; o < layer.n_out; ++o) {
      const int8_t w = layer.w[static_cast<size_t>(o) * layer.n_in + i];
      if (w == 0) {
        ++gap;
        continue;
      }
      while (gap >= kSkipUnit) {
        const int units = std::min(gap / kSkipUnit, 4);
        nibbles.push_back(static_cast<uint8_t>(units - 1));
        gap -= units * kSkipUnit;
      }
      nibbles.push_back(static_cast<uint8_t>(code_of(w) << 2 | gap));
      gap = 0;
    }
    if (nibbles.size() % 2 == 1) nibbles.push_back(0);
    out.push_back(static_cast<uint8_t>(nibbles.size() / 2));
    for (size_t k = 0; k < nibbles.size(); k += 2)
      out.push_back(static_cast<uint8_t>(nibbles[k] << 4 | nibbles[k + 1]));
  }
  return out;
}

std::vector<int8_t> fast_query_weights(std::span<const uint8_t> columns, int n_out, int count) {
  static constexpr int8_t kWeightOfCode[4] = {0, 1, -1, -2};
  std::vector<int8_t> w(static_cast<size_t>(n_out) * count, 0);
  size_t at = 0;
  for (int i = 0; i < count && at < columns.size(); ++i) {
    const size_t end = at + 1 + columns[at];
    int o = 0;
    for (size_t k = at + 1; k < end && k < columns.size(); ++k) {
      for (int nibble : {columns[k] >> 4, columns[k] & 15}) {
        const int code = nibble >> 2, s = nibble & 3;
        if (code == 0) {
          o += kSkipUnit * (s + 1);
          continue;
        }
        o += s;
        if (o < n_out) w[static_cast<size_t>(o) * count + i] = kWeightOfCode[code];
        ++o;
      }
    }
    at = end;
  }
  return w;
}

}  // namespace z80lm::z80
