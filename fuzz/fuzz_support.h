// fuzz_support.h — what every fuzz target shares: the bytes as a string, and the rule that a
// z80lm::Error is the expected answer to bad input (anything else is a finding).
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     return z80lm::fuzz::expect_errors_only([&] { z80lm::parse_model(z80lm::fuzz::text(data, size), "f");
//     });
//   }
//
// Invariants: a target returns 0; crashes, sanitizer reports, timeouts and out-of-memory are
// findings (libFuzzer stops and writes the input). std::exception other than z80lm::Error is
// re-thrown, so it is a finding too: users must only ever see our one-line errors.
#pragma once
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

namespace z80lm::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The bytes with their last 4 replaced by the zlib CRC-32 of the rest (little-endian), as
// the .zlm and checkpoint writers do: without it almost every mutation would stop at the
// checksum, and the fields behind it would never be fuzzed.
inline std::string with_trailing_crc(std::string_view bytes) {
  std::string out(bytes);
  if (out.size() < 4) return out;
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size() - 4)));
  for (size_t i = 0; i < 4; ++i) out[out.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  return out;
}

template <typename F>
int expect_errors_only(F&& f) {
  try {
    f();
  } catch (const z80lm::Error&) {
  }
  return 0;
}

}  // namespace z80lm::fuzz
