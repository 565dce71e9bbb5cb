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
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

namespace z80lm::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
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
