// console_timeline.h — when, in T-states, each console byte came out and each input was asked for.
//
//   const ConsoleTimeline& tl = machine.timeline();
//   for (const OutputByte& out : tl.output) fmt::print("{} {:c}\n", out.t_state, out.byte);
//   if (tl.truncated()) fmt::print("only the first {} bytes were kept\n", tl.output.size());
//
// Invariants: both vectors are in program order and their T-states never decrease. All bytes of
// one BDOS/BIOS call carry the T-state at which the call was entered (after its CALL, before the
// emulated RET), since the host services the call in zero emulated time. Bytes the BDOS echoes
// while reading input lie in output[input.output_begin, input.output_end); program output
// between two input requests lies between the first's output_end and the next's output_begin.
// Positions (output_begin, output_end) count every byte of the run, kept or not.
//
// Bounded: a machine records through record_output / begin_input / end_input, which keep at
// most kTimelineMaxOutputBytes output bytes and kTimelineMaxInputs input requests (the first
// ones) and only count the rest, so a program printing without end cannot exhaust memory
// (issue 14). The output itself is streamed to the Console, not kept here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace z80lm::emu {

// At most this many output bytes are kept for --stats/--speed (16 bytes each: 4 MiB).
inline constexpr size_t kTimelineMaxOutputBytes = size_t{1} << 18;
// At most this many input requests are kept (one per key for programs reading key by key).
inline constexpr size_t kTimelineMaxInputs = size_t{1} << 16;

struct OutputByte {
  uint64_t t_state = 0;  // clock when the program's output call was entered
  uint8_t byte = 0;      // raw, as written (CR and LF untranslated)
};

struct InputRequest {
  uint64_t t_state = 0;     // clock when the program asked for input
  uint8_t function = 0;     // BDOS function: 1, 6 (direct I/O returning a key) or 10; BIOS CONIN counts as 1
  size_t output_begin = 0;  // output bytes so far when the request began
  size_t output_end = 0;    // output bytes so far when it returned (echo bytes lie in between)
  std::string text;         // the bytes handed to the program (a line, without its CR, for BDOS 10)
  bool end_of_input = false;  // the input ran out here and the run ended
};

struct ConsoleTimeline {
  std::vector<OutputByte> output;    // the first kTimelineMaxOutputBytes bytes of the run
  std::vector<InputRequest> inputs;  // the first kTimelineMaxInputs requests
  uint64_t end_t_state = 0;          // clock when the run ended
  size_t output_dropped = 0;         // bytes printed after `output` was full
  size_t inputs_dropped = 0;         // requests made after `inputs` was full
  OutputByte last_output;            // the most recent byte, kept or not
  bool reading_input = false;        // between begin_input and end_input

  size_t output_count() const { return output.size() + output_dropped; }
  size_t input_count() const { return inputs.size() + inputs_dropped; }
  bool truncated() const { return output_dropped > 0 || inputs_dropped > 0; }

  void record_output(uint64_t t_state, uint8_t byte);
  // Opens an input request (output_begin = output_count()); end_input closes the open one.
  void begin_input(uint64_t t_state, uint8_t function);
  void end_input(std::string text, bool end_of_input);
};

}  // namespace z80lm::emu
