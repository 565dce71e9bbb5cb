// response_stats.h — how fast the Z80 answers: responses, characters and T-states from a timeline.
//
//   ResponseStats stats = compute_response_stats(machine.timeline());
//   fmt::print(stderr, "{}", format_response_stats(stats, /*mhz=*/4.0));
//   double t_per_char = stats.median_char_interval;
//
// Definitions (a chat program prints "\r\n> ", reads a line with BDOS 10, prints "\r\n", then
// streams its answer one character at a time; these rules measure exactly the answer):
//  - span: from the end of an input request (or program start, T = 0) to the start of the next
//    input request (or the end of the run). Bytes the BDOS echoes while reading are in no span.
//  - generated characters of a span: its printable bytes (20h..7Eh) from the first printable
//    byte on. If the span ends in an input request, everything after the span's last CR or LF is
//    the prompt for that input and is not counted; with no CR/LF after the first printable byte
//    the whole span is prompt. Line breaks themselves are never counted as characters.
//  - response: a span with at least one generated character.
//  - response T-states: span end - span begin (how long the user waits before typing again).
//  - first-char latency: first generated character's T-state - span begin.
//  - char interval: a generated character's T-state minus the previous generated character's,
//    within one response. Bytes printed by one BDOS call share a T-state, so their interval is 0.
//  - measured responses: those that follow an input. The response at program start (usually a
//    banner) is measured only if there is no other response, so a one-shot program answering
//    its command tail is still measured. Aggregates cover measured responses only.
//
// Not modelled: the time a real BDOS/BIOS takes to print (see cpm_machine.h), wall-clock time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "emu/console_timeline.h"

namespace z80lm::emu {

struct Response {
  bool at_program_start = false;  // the span began at T = 0, not after an input
  bool measured = false;          // counted in the aggregates (see above)
  std::string prompt;             // the line typed before it (empty at program start): a BDOS 10
                                  // line, or the keys of a line read key by key, BS/DEL applied
  uint64_t begin_t_state = 0;
  uint64_t end_t_state = 0;
  std::string text;                     // the generated characters
  std::vector<uint64_t> char_t_states;  // T-state of each generated character

  uint64_t t_states() const { return end_t_state - begin_t_state; }
  uint64_t first_char_latency() const { return char_t_states.front() - begin_t_state; }
};

struct ResponseStats {
  std::vector<Response> responses;
  size_t measured_responses = 0;
  size_t interval_count = 0;          // char intervals over measured responses
  double median_char_interval = 0;    // T-states; mean of the middle two for an even count; 0 if none
  double mean_response_t_states = 0;  // over measured responses; 0 if none
  uint64_t total_t_states = 0;        // the whole run
  size_t output_bytes = 0;            // printed in the whole run, kept in the timeline or not
  size_t input_requests = 0;          // likewise
  bool truncated = false;             // the timeline hit its bounds: the figures cover its start
};

std::vector<Response> split_responses(const ConsoleTimeline& timeline);
ResponseStats compute_response_stats(const ConsoleTimeline& timeline);
// A human-readable report: one line per response, then the aggregates in T-states and seconds.
std::string format_response_stats(const ResponseStats& stats, double mhz);

}  // namespace z80lm::emu
