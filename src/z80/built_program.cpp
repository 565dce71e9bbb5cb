#include "z80/built_program.h"

#include <fmt/core.h>

#include <algorithm>
#include <utility>

namespace z80lm::z80 {

std::string format_symbol_map(const std::map<std::string, uint16_t>& symbols) {
  std::vector<std::pair<uint16_t, std::string>> by_value;
  for (const auto& [name, value] : symbols) by_value.emplace_back(value, name);
  std::sort(by_value.begin(), by_value.end());
  std::string out;
  for (const auto& [value, name] : by_value) out += fmt::format("{:<15} EQU {:05X}H\n", name, value);
  return out;
}

}  // namespace z80lm::z80
