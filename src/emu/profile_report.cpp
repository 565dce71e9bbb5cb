#include "emu/profile_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace z80lm::emu {

namespace {

void finish(std::vector<ProfileRow>& rows) {
  std::erase_if(rows, [](const ProfileRow& r) { return r.t_states == 0; });
  const uint64_t total = std::accumulate(rows.begin(), rows.end(), uint64_t{0},
                                         [](uint64_t sum, const ProfileRow& r) { return sum + r.t_states; });
  for (auto& row : rows)
    row.percent = total == 0 ? 0.0 : 100.0 * static_cast<double>(row.t_states) / static_cast<double>(total);
  std::sort(rows.begin(), rows.end(), [](const ProfileRow& a, const ProfileRow& b) {
    return a.t_states != b.t_states ? a.t_states > b.t_states : a.start < b.start;
  });
}

}  // namespace

std::vector<ProfileRow> profile_by_symbol(std::span<const uint64_t> t_states_by_pc,
                                          const std::map<std::string, uint16_t>& symbols) {
  // Symbols by address; when several share an address the alphabetically first names the row.
  std::vector<ProfileRow> rows;
  rows.push_back({"(no symbol)", 0, 0, 0});
  std::map<uint16_t, size_t> row_at_address;
  for (const auto& [name, address] : symbols) {
    if (row_at_address.contains(address)) continue;
    if (address == 0 && rows[0].name == "(no symbol)") {
      rows[0].name = name;
      row_at_address[0] = 0;
      continue;
    }
    row_at_address[address] = rows.size();
    rows.push_back({name, address, 0, 0});
  }
  // Walk addresses in order, switching rows at each symbol.
  size_t current = 0;
  for (size_t address = 0; address < t_states_by_pc.size(); ++address) {
    if (auto it = row_at_address.find(static_cast<uint16_t>(address)); it != row_at_address.end())
      current = it->second;
    rows[current].t_states += t_states_by_pc[address];
  }
  finish(rows);
  return rows;
}

std::vector<ProfileRow> profile_by_range(std::span<const uint64_t> t_states_by_pc, uint32_t range_size) {
  if (range_size == 0 || range_size > 0x10000 || (range_size & (range_size - 1)) != 0)
    throw std::invalid_argument("profile_by_range: range_size must be a power of two from 1 to 65536");
  std::vector<ProfileRow> rows;
  for (size_t start = 0; start < t_states_by_pc.size(); start += range_size) {
    const size_t end = std::min(start + range_size, t_states_by_pc.size());
    uint64_t sum = 0;
    for (size_t address = start; address < end; ++address) sum += t_states_by_pc[address];
    if (sum == 0) continue;
    const std::string name =
        range_size == 1 ? fmt::format("{:04X}h", start) : fmt::format("{:04X}h-{:04X}h", start, end - 1);
    rows.push_back({name, static_cast<uint16_t>(start), sum, 0});
  }
  finish(rows);
  return rows;
}

std::string format_profile(const std::vector<ProfileRow>& rows, size_t max_rows) {
  std::string out = fmt::format("{:>16}  {:>6}  {:>5}  {}\n", "T-states", "%", "at", "routine");
  uint64_t total = 0, other = 0;
  double other_percent = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    total += rows[i].t_states;
    if (i < max_rows) {
      out += fmt::format("{:>16}  {:>6.2f}  {:04X}h  {}\n", rows[i].t_states, rows[i].percent, rows[i].start,
                         rows[i].name);
    } else {
      other += rows[i].t_states;
      other_percent += rows[i].percent;
    }
  }
  if (rows.size() > max_rows)
    out +=
        fmt::format("{:>16}  {:>6.2f}  {:>5}  ({} more)\n", other, other_percent, "", rows.size() - max_rows);
  out += fmt::format("{:>16}  {:>6.2f}  {:>5}  total\n", total, total == 0 ? 0.0 : 100.0, "");
  return out;
}

}  // namespace z80lm::emu
