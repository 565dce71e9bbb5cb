// Fuzz target: .z80 snapshots (zx/z80_snapshot.h) and running them on the ROM-less Spectrum
// for a bounded number of T-states with bounded output.
#include <span>

#include "fuzz_machine.h"
#include "zx/z80_snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    const std::span<const uint8_t> bytes(data, size);
    (void)z80lm::zx::decode_z80_snapshot(bytes, "fuzz.z80");
    z80lm::fuzz::run_zx(bytes, "fuzz.z80");
  });
}
