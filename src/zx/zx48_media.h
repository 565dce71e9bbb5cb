// zx48_media.h — a built Spectrum program as files: a .TAP with an autorun BASIC loader, a .z80 snapshot.
//
//   BuiltProgram p = build_zx48_program(model, engine);              // z80/program_zx48.h
//   write_file_atomic("CHAT.TAP", as_chars(zx48_tap(p, "CHAT")));
//   write_file_atomic("CHAT.z80", as_chars(zx48_snapshot(p)));
//   std::vector<uint8_t> file = zx48_file_for(p, "out/CHAT.TAP");     // by extension
//
// The tape: Program "name" (autostart line 10, the loader below), then Bytes "name" (the CODE
// block at the program's origin):
//   10 CLEAR origin-1: LOAD "" CODE : RANDOMIZE USR START
// LOAD "" (or the 128K's Tape Loader) runs it: CLEAR moves RAMTOP below the code, LOAD ""
// CODE reads the next file to its own address, RANDOMIZE USR starts the chat.
// The snapshot: the 48K exactly as after that tape has loaded (zx48_machine_state.h: system
// variables, the loader in BASIC, a blank screen), with PC = SNAP_START, interrupts on, IM 1,
// and 0000h on the stack and at ERR-SP, so quitting (or any BASIC error report) resets into a
// fresh BASIC; there is no interpreter state to return to.
// Invariants: the name is at most 10 printable characters (it is cut to 10, spaces kept);
// both files are complete or an Error is thrown.
// Not modelled: TZX, .sna, a loading screen.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "z80/program_zx48.h"

namespace z80lm::zx {

// "CHAT" from "out/CHAT.TAP": the file name's stem, cut to 10 characters, non-printable
// characters replaced by '?'; "CHAT" when that leaves nothing.
std::string tape_name_for(std::string_view path);

// All throw z80lm::Error if `program` was not built for the zx48 target.
std::vector<uint8_t> zx48_loader(const z80::BuiltProgram& program);
std::vector<uint8_t> zx48_tap(const z80::BuiltProgram& program, std::string_view name);
std::vector<uint8_t> zx48_snapshot(const z80::BuiltProgram& program);
// A .tap path gets the tape (named after the file), a .z80 path the snapshot; anything else
// is refused with a hint.
std::vector<uint8_t> zx48_file_for(const z80::BuiltProgram& program, std::string_view path);
// Lines for `z80lm export`: the loader listing, addresses, contended bytes, how to run it.
std::string zx48_summary(const z80::BuiltProgram& program);

}  // namespace z80lm::zx
