// charset.h — the output alphabet: which byte each output neuron stands for.
//
//   std::string cs = z80lm::build_charset(pairs);   // e.g. " ABC...Z01!?" + '\0'
//   int i = z80lm::charset_index(cs, 'H');          // -1 when absent
//
// Invariants: the order is the original's — space (if any response has one), then letters,
// digits and other printable ASCII, each group in byte order, then the end symbol '\0'
// last. It is the output-neuron order, hence the argmax tie-break order. Every byte but the
// last is printable ASCII (0x20..0x7E) and distinct; size 2..256.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "text/pairs.h"

namespace z80lm {

inline constexpr char kEndSymbol = '\0';
inline constexpr size_t kMaxCharset = 256;  // output index must fit a byte on the Z80

std::string build_charset(const std::vector<Pair>& pairs);
int charset_index(std::string_view charset, char c);
// Empty when valid, else a one-line description of what is wrong.
std::string charset_problem(std::string_view charset);
// Printable rendering for messages: the end symbol shown as "<end>".
std::string charset_display(std::string_view charset);

}  // namespace z80lm
