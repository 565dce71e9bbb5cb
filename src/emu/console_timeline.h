// console_timeline.h — when, in T-states, each console byte came out and each input was asked for.
//
//   const ConsoleTimeline& tl = machine.timeline();
//   for (const OutputByte& out : tl.output) fmt::print("{} {:c}\n", out.t_state, out.byte);
//
// Invariants: both vectors are in program order and their T-states never decrease. All bytes of
// one BDOS/BIOS call carry the T-state at which the call was entered (after its CALL, before the
// emulated RET), since the host services the call in zero emulated time. Bytes the BDOS echoes
// while reading input lie in output[input.output_begin, input.output_end); program output
// between two input requests lies between the first's output_end and the next's output_begin.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace z80lm::emu {

struct OutputByte {
  uint64_t t_state = 0;  // clock when the program's output call was entered
  uint8_t byte = 0;      // raw, as written (CR and LF untranslated)
};

struct InputRequest {
  uint64_t t_state = 0;     // clock when the program asked for input
  uint8_t function = 0;     // BDOS function: 1, 6 (direct I/O returning a key) or 10; BIOS CONIN counts as 1
  size_t output_begin = 0;  // output.size() when the request began
  size_t output_end = 0;    // output.size() when it returned (echo bytes lie in between)
  std::string text;         // the bytes handed to the program (a line, without its CR, for BDOS 10)
  bool end_of_input = false;  // the input ran out here and the run ended
};

struct ConsoleTimeline {
  std::vector<OutputByte> output;
  std::vector<InputRequest> inputs;
  uint64_t end_t_state = 0;  // clock when the run ended
};

}  // namespace z80lm::emu
