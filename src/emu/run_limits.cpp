#include "emu/run_limits.h"

#include <fmt/core.h>

namespace z80lm::emu {

std::optional<StopRequest> limit_or_interrupt(const Z80Cpu& cpu, uint64_t limit, uint64_t configured_limit,
                                              const Console& console, std::string_view limit_hint) {
  if (cpu.t_states() >= limit)
    return StopRequest{ExitReason::kTStateLimit,
                       fmt::format("stopped after {} T-states (the limit is {}) at PC {:04X}h",
                                   cpu.t_states(), configured_limit, cpu.pc()),
                       std::string(limit_hint)};
  if (console.interrupted())
    return StopRequest{ExitReason::kInterrupted, fmt::format("interrupted (^C) at PC {:04X}h", cpu.pc()), {}};
  return std::nullopt;
}

void finish_run(const Z80Cpu& cpu, Console& console, ConsoleTimeline& timeline, RunResult& result) {
  console.flush();
  timeline.end_t_state = cpu.t_states();
  result.t_states = cpu.t_states();
  result.pc = cpu.pc();
}

}  // namespace z80lm::emu
