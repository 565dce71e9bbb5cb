// printable.h — untrusted bytes made safe for a terminal, the one escaping z80lm uses.
//
//   fmt::print(stderr, "error: member {} is damaged\n", z80lm::printable(member_name));
//   // "fc1\x1b[2J_weight.npy" prints as fc1\x1b[2J_weight.npy: no escape sequence reaches the tty
//
// Invariants: the result holds only printable ASCII (0x20..0x7E); bytes outside it (control
// bytes, NUL, DEL, ESC, bytes >= 0x80) become \xNN, and a backslash becomes \\ so that the
// escaping is unambiguous; printable text passes through unchanged. `max_bytes` (0 = none)
// cuts long input and appends "... (N bytes)" so one hostile string cannot flood a screen.
// Used for everything read from a file or a server that is printed: .npz member names,
// .TAP header names, provenance text, LLM replies, data lines.
// Not modelled: UTF-8 (multibyte characters are shown as their escaped bytes).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace z80lm {

std::string printable(std::string_view bytes, size_t max_bytes = 0);

// True when printable(bytes) == bytes.
bool is_printable(std::string_view bytes);

}  // namespace z80lm
