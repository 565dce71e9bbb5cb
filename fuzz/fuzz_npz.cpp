// Fuzz target: `.npz` import (model/npz.h): ZIP and ZIP64 directories, inflate, .npy headers.
#include "fuzz_support.h"
#include "model/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only(
      [&] { (void)z80lm::import_npz_bytes(z80lm::fuzz::text(data, size), "fuzz.npz"); });
}
