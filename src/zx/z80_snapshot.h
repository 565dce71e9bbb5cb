// z80_snapshot.h — .z80 snapshot files of a 48K Spectrum: write version 1, read versions 1-3.
//
//   Zx48State state = loader_state(...);   state.pc = entry;
//   write_file_atomic("chat.z80", as_chars(encode_z80_snapshot(state)));
//   Zx48State back = decode_z80_snapshot(bytes, "chat.z80");
//
// Version 1 (what we write): a 30-byte header
//   0 A  1 F  2 BC  4 HL  6 PC (non-zero: version 1)  8 SP  10 I  11 R (bits 0-6)
//   12 flags: bit 0 = R bit 7, bits 1-3 border, bit 5 = memory compressed (FFh means 1)
//   13 DE  15 BC'  17 DE'  19 HL'  21 A'  22 F'  23 IY  25 IX  27 IFF1  28 IFF2
//   29 bits 0-1 interrupt mode (other bits: issue 2, joystick, video sync; we write 0)
// then 48 KiB of RAM (4000h-FFFFh), compressed: a run of 5 or more equal bytes, or of 2 or
// more EDh, is written ED ED count byte (count <= 255); a byte following a single EDh is
// never the start of a run; the data ends with 00 ED ED 00.
// Versions 2 and 3 (read only): PC in the header is 0; an additional header follows (its
// length at byte 30: 23, 54 or 55), PC at 32, hardware mode at 34 (48K: 0 or 1 in version 2,
// 0, 1 or 3 in version 3); then memory pages, each 3 bytes (length, FFFFh = 16384 raw bytes;
// page 8 = 4000h, 4 = 8000h, 5 = C000h) and the data, compressed without an end marker.
// Invariants: decode(encode(s)) == s for RAM, registers, border, IM and IFF1/IFF2.
// Not modelled: 128K and other machines' pages (refused with a message), the v3 T-state
// counter (ignored), SamRom, joystick and issue-2 flags (ignored).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "zx/zx48_machine_state.h"

namespace z80lm::zx {

inline constexpr size_t kZ80V1HeaderBytes = 30;

// The compressed form of `ram` (no end marker).
std::vector<uint8_t> z80_compress(std::span<const uint8_t> ram);
// Expands compressed data into exactly `size` bytes. Throws z80lm::Error naming the byte offset
// (plus `base_offset`, the data's position in the file) when the data runs out or overflows.
std::vector<uint8_t> z80_decompress(std::span<const uint8_t> data, size_t size, std::string_view name,
                                    size_t base_offset);

// A version 1 file, compressed. Throws z80lm::Error if state.pc is 0 (version 1 cannot say it).
std::vector<uint8_t> encode_z80_snapshot(const Zx48State& state);
// Throws z80lm::Error (file name, byte offset, what is wrong, what to do) for damaged files or
// snapshots of machines other than the 48K.
Zx48State decode_z80_snapshot(std::span<const uint8_t> bytes, std::string_view name);

}  // namespace z80lm::zx
