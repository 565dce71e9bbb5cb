// Tests for the profile report: T-states attributed to symbols and to address ranges.
#include <gtest/gtest.h>

#include "emu/cpm_machine.h"
#include "emu/profile_report.h"
#include "emu_test_support.h"

namespace z80lm::emu {
namespace {

// main calls `fast` once and `slow` three times; each routine's cost is computed by hand.
constexpr std::string_view kProgram = R"(
        org 100h
main:   call fast
        ld b,3
again:  push bc
        call slow
        pop bc
        djnz again
        ret
fast:   nop
        ret
slow:   ld b,20
spin:   djnz spin
        ret
)";

TEST(Profile, AttributesTStatesToTheNearestPrecedingSymbol) {
  const auto assembled = z80::assemble(kProgram);
  ScriptedConsole console;
  CpmMachine machine(console, {.profile = true});
  machine.load(assembled.binary);
  const RunResult result = machine.run();
  ASSERT_EQ(result.reason, ExitReason::kWarmBoot);

  auto rows = profile_by_symbol(machine.cpu().t_states_by_pc(), assembled.symbols);
  std::map<std::string, uint64_t> by_name;
  for (const auto& row : rows) by_name[row.name] = row.t_states;
  // main: CALL 17 + LD B 7 = 24; again: 3 x (PUSH 11 + CALL 17 + POP 10) + DJNZ 2 x 13 + 8 + RET 10.
  EXPECT_EQ(by_name["main"], 24u);
  EXPECT_EQ(by_name["again"], 3u * (11 + 17 + 10) + 2 * 13 + 8 + 10);
  EXPECT_EQ(by_name["fast"], 4u + 10);
  // slow: 3 x LD B 7; spin: 3 x (DJNZ 19 x 13 + 8, then the RET that follows the label, 10).
  EXPECT_EQ(by_name["slow"], 3u * 7);
  EXPECT_EQ(by_name["spin"], 3u * (19 * 13 + 8 + 10));
  EXPECT_FALSE(by_name.contains("(no symbol)"));
  uint64_t sum = 0;
  double percent = 0;
  for (const auto& row : rows) {
    sum += row.t_states;
    percent += row.percent;
  }
  EXPECT_EQ(sum, result.t_states);
  EXPECT_NEAR(percent, 100.0, 1e-9);
  EXPECT_EQ(rows.front().name, "spin");  // sorted, largest first

  const std::string table = format_profile(rows);
  EXPECT_NE(table.find("spin"), std::string::npos) << table;
  EXPECT_NE(table.find("total"), std::string::npos) << table;
}

TEST(Profile, BdosCallsAreChargedToTheSystemSymbols) {
  const auto assembled = z80::assemble(" org 100h\nmain: ld c,2\n ld e,'x'\n call 5\n ret\n");
  ScriptedConsole console;
  CpmMachine machine(console, {.profile = true});
  machine.load(assembled.binary);
  machine.run();
  auto symbols = assembled.symbols;
  symbols.merge(machine.system_symbols());
  std::map<std::string, uint64_t> by_name;
  for (const auto& row : profile_by_symbol(machine.cpu().t_states_by_pc(), symbols))
    by_name[row.name] = row.t_states;
  EXPECT_EQ(by_name["(BDOS)"], 10u);  // the emulated RET
  EXPECT_EQ(by_name["main"], 7u + 7 + 17 + 10);
}

TEST(Profile, ByRange) {
  std::vector<uint64_t> table(0x10000, 0);
  table[0x0100] = 30;
  table[0x01FF] = 10;
  table[0x0300] = 60;
  const auto rows = profile_by_range(table, 256);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "0300h-03FFh");
  EXPECT_EQ(rows[0].t_states, 60u);
  EXPECT_DOUBLE_EQ(rows[0].percent, 60.0);
  EXPECT_EQ(rows[1].name, "0100h-01FFh");
  EXPECT_EQ(rows[1].t_states, 40u);
  EXPECT_THROW(profile_by_range(table, 100), std::invalid_argument);
}

TEST(Profile, AddressesBelowEverySymbolAreNamed) {
  std::vector<uint64_t> table(0x10000, 0);
  table[0x0005] = 5;
  table[0x0200] = 15;
  const auto rows = profile_by_symbol(table, {{"code", 0x0200}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].name, "(no symbol)");
  EXPECT_EQ(rows[1].t_states, 5u);
}

TEST(Profile, FormatFoldsTheTail) {
  std::vector<ProfileRow> rows;
  for (int i = 0; i < 5; ++i) rows.push_back({"r" + std::to_string(i), static_cast<uint16_t>(i), 10, 20});
  const std::string table = format_profile(rows, 2);
  EXPECT_NE(table.find("(3 more)"), std::string::npos) << table;
  EXPECT_NE(table.find("50  100.00"), std::string::npos) << table;
}

}  // namespace
}  // namespace z80lm::emu
