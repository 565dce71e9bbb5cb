// profile_report.h — turns the CPU's T-states-per-PC table into "where did the time go" rows.
//
//   cpu.enable_profiler(); cpu.run(limit);
//   auto rows = profile_by_symbol(cpu.t_states_by_pc(), assembled.symbols);
//   fmt::print("{}", format_profile(rows));
//
// Invariants: rows are sorted by T-states, largest first (ties by address); rows with zero
// T-states are omitted; percentages are of the table's total and sum to 100 (up to rounding).
// By symbol, each instruction address goes to the nearest symbol at or below it; addresses
// below every symbol go to a row named "(no symbol)" starting at 0000h.
//
// Not modelled: a symbol table cannot tell code labels from EQU constants, so a constant whose
// value lies inside the code will claim the addresses after it. Keep such EQUs out of the table
// you pass (or accept the odd row). Nesting is not followed: a routine's callees are charged
// to the callees, not to it.
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace z80lm::emu {

struct ProfileRow {
  std::string name;    // symbol name, or "XX00h-XXFFh" for an address range
  uint16_t start = 0;  // first address the row covers
  uint64_t t_states = 0;
  double percent = 0;  // of all T-states in the table
};

// `t_states_by_pc` is indexed by address (as from Z80Cpu::t_states_by_pc()).
std::vector<ProfileRow> profile_by_symbol(std::span<const uint64_t> t_states_by_pc,
                                          const std::map<std::string, uint16_t>& symbols);
// Buckets of `range_size` bytes (a power of two from 1 to 65536) starting at 0000h.
std::vector<ProfileRow> profile_by_range(std::span<const uint64_t> t_states_by_pc, uint32_t range_size = 256);

// A fixed-width table: T-states, percent, start address, name; at most `max_rows` rows, the
// rest summed into one "(other)" line. Ends with a total line.
std::string format_profile(const std::vector<ProfileRow>& rows, size_t max_rows = 40);

}  // namespace z80lm::emu
