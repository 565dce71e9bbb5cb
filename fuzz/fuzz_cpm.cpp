// Fuzz target: the CP/M machine (emu/cpm_machine.h) running arbitrary bytes as a .COM, with
// a T-state limit, an output cap and a few typed lines (bytes >= 80h and control keys too).
#include <span>
#include <string>
#include <vector>

#include "emu/cpm_machine.h"
#include "fuzz_machine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return z80lm::fuzz::expect_errors_only([&] {
    z80lm::fuzz::BoundedConsole console("hello\n\xC0\xDB\x9B\x01\x15x\x08y\n!\n");
    z80lm::emu::CpmConfig config;
    config.max_t_states = z80lm::fuzz::kMaxTStates;
    config.on_output = [](const z80lm::emu::ConsoleTimeline& t) { z80lm::fuzz::check_output(t); };
    z80lm::emu::CpmMachine machine(console, config);
    const std::vector<std::string> args = {"ARG"};
    machine.load(std::span<const uint8_t>(data, size), args, "FUZZ.COM");
    try {
      (void)machine.run();
    } catch (const z80lm::fuzz::OutputCapReached&) {
    }
  });
}
