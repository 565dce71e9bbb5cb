// run_limits.h — what every machine's run loop checks between slices, and how a run ends.
//
//   if (auto request = limit_or_interrupt(cpu_, limit, config_.max_t_states, console_, hint)) {
//     stop(request->reason, request->message, request->hint);
//     break;
//   }
//   ...
//   finish_run(cpu_, console_, timeline_, result_);
//
// Invariants: the T-state limit wins over ^C when both hold; finish_run flushes the console
// before anything else reads the timeline. Shared by CpmMachine and ZxMachine.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emu/console.h"
#include "emu/console_timeline.h"
#include "emu/cpm_machine.h"
#include "emu/z80_cpu.h"

namespace z80lm::emu {

struct StopRequest {
  ExitReason reason;
  std::string message;
  std::string hint;
};

// `limit` is the effective limit (max uint64 for none), `configured_limit` the user's number
// for the message, `limit_hint` how this machine's users raise it.
std::optional<StopRequest> limit_or_interrupt(const Z80Cpu& cpu, uint64_t limit, uint64_t configured_limit,
                                              const Console& console, std::string_view limit_hint);

// Flushes the console and stamps the final clock and PC into the timeline and the result.
void finish_run(const Z80Cpu& cpu, Console& console, ConsoleTimeline& timeline, RunResult& result);

}  // namespace z80lm::emu
