// emu_test_support.h — helpers shared by the emu_*_test.cpp files: assemble and run small programs.
//
//   CpmRun run = run_cpm(" org 100h\n ld c,2\n ld e,'A'\n call 5\n ret\n");
//   EXPECT_EQ(run.text, "A");
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "emu/console.h"
#include "emu/cpm_machine.h"
#include "util/error.h"
#include "z80/pasmo.h"

namespace z80lm::emu::testing {

// A line-echo program: prompt "\r\n> ", read a line (BDOS 10), print "\r\n", then the line
// back via BDOS 2, one character at a time; an empty line exits with RET.
inline constexpr std::string_view kEchoProgram = R"(
        org 100h
main:   ld c,9
        ld de,prompt
        call 5
        ld c,10
        ld de,buf
        call 5
        ld c,9
        ld de,crlf
        call 5
        ld a,(buf+1)
        or a
        ret z
        ld b,a
        ld hl,buf+2
echo:   push bc
        push hl
        ld e,(hl)
        ld c,2
        call 5
        pop hl
        pop bc
        inc hl
        djnz echo
        jp main
prompt: db 13,10,"> $"
crlf:   db 13,10,"$"
buf:    db 20,0
        ds 20
)";

inline std::vector<uint8_t> assemble_com(std::string_view source) {
  return z80::assemble(source).binary;
}

struct CpmRun {
  RunResult result;
  ConsoleTimeline timeline;
  std::string raw;              // bytes exactly as the program wrote them
  std::string text;             // the same with CRs dropped
  std::vector<uint8_t> memory;  // RAM when the run ended
  size_t input_left = 0;
};

inline CpmRun run_cpm_binary(const std::vector<uint8_t>& program, std::string_view input = {},
                             CpmConfig config = {}, const std::vector<std::string>& args = {}) {
  ScriptedConsole console(input);
  CpmMachine machine(console, std::move(config));
  machine.load(program, args, "test.com");
  CpmRun run;
  run.result = machine.run();
  run.timeline = machine.timeline();
  run.raw = console.output();
  run.text = console.text();
  run.memory.assign(machine.cpu().memory().begin(), machine.cpu().memory().end());
  run.input_left = console.input_left();
  return run;
}

inline CpmRun run_cpm(std::string_view source, std::string_view input = {}, CpmConfig config = {},
                      const std::vector<std::string>& args = {}) {
  return run_cpm_binary(assemble_com(source), input, std::move(config), args);
}

}  // namespace z80lm::emu::testing
