// Fuzz target: the query|response data-file parser (text/pairs.h).
#include "fuzz_support.h"
#include "text/pairs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only(
      [&] { (void)z80lm::parse_pairs(z80lm::fuzz::text(data, size), "fuzz.txt"); });
}
