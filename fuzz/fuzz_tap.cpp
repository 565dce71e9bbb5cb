// Fuzz target: .TAP tapes (zx/tap_file.h) and loading them into the ROM-less Spectrum,
// which then runs for a bounded number of T-states with bounded output.
#include <span>

#include "emu/zx_machine.h"
#include "fuzz_machine.h"
#include "zx/tap_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    const std::span<const uint8_t> bytes(data, size);
    const auto blocks = z80lm::zx::parse_tap(bytes, "fuzz.tap");
    for (const auto& f : z80lm::zx::tape_files(blocks, "fuzz.tap"))
      (void)z80lm::zx::describe_tape_header(f.header);
    z80lm::fuzz::run_zx(bytes, "fuzz.tap");
  });
}
