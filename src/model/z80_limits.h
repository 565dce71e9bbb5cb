// z80_limits.h — what shapes the Z80 engines can run, checked up front by train and export.
//
//   if (std::string p = z80lm::z80_shape_problem(hidden, charset_size); !p.empty()) throw ...
//
// Invariants: every layer is at most 256 wide (8-bit loop counters and index bytes on the
// Z80; a count of 0 means 256), the output index fits a byte (charset <= 256 symbols), and
// there are 1..8 layers. Memory is checked separately by each target's memory map.
#pragma once
#include <string>
#include <vector>

namespace z80lm {

inline constexpr int kZ80MaxWidth = 256;
inline constexpr int kZ80MaxLayers = 8;

// Empty when a network 256 -> hidden... -> charset_size fits every Z80 engine.
std::string z80_shape_problem(const std::vector<int>& hidden_sizes, int charset_size);

}  // namespace z80lm
