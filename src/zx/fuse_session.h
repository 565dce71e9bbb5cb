// fuse_session.h — run a Spectrum program in Fuse (the real emulator, real ROM, contention) headless,
// typing keys and recording what it prints and when. For tests and benchmarks.
//
//   FuseSession s{.work_dir = "/tmp/x"};                       // fuse + OpenSE ROM by default
//   if (!fuse_available(s)) skip...
//   FuseResult r = run_fuse(s, "--snapshot CHAT.z80",
//                           {{get_key, "hello\r"}}, /*end_at=*/gk_wait, /*print_from=*/origin);
//   r.transcript == "z80lm chat...\n\n> HELLO\nHI\n> ";   r.screen: 6912 bytes
//
// How: Fuse's debugger, scripted with --debugger-command, is the harness (SDL dummy drivers,
// no sound, --speed 10000, under `timeout -s KILL`, HOME = work_dir so no user settings are read
// or written):
//  - keys: a breakpoint at KeyGroup::at types the group's next key when FLAGS bit 5 is clear,
//    as the ROM's interrupt handler does for a key press (LAST-K = key, FLAGS bit 5 set), and
//    prints the key and the clock; groups are typed in order (a debugger variable counts keys);
//  - output: a breakpoint on RST 10h whose return address is >= print_from prints A, the frame
//    counter and the T-state within the frame; so T-states between printed characters include
//    contention, the ROM's interrupt handler and its print routine;
//  - the end: at `end_at`, once every key is typed and FLAGS bit 5 is clear, the 6912 screen
//    bytes are printed and Fuse exits with 0 (the timeline ends with an end-of-input request
//    there, as `z80lm run`'s does). A run longer than max_frames exits with 9.
// Invariants: nothing outside work_dir is written; Fuse never outlives timeout_seconds. The
// script is one command-line argument (at most 128 KiB on Linux): about 500 keys, or 150 with
// the screen dump; run_fuse throws z80lm::Error rather than start Fuse with more.
// Not modelled: real key presses through the keyboard matrix (the ROM's KEY-SCAN is not
// exercised: its result is what the breakpoint writes), sound, the border.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emu/console_timeline.h"

namespace z80lm::zx {

struct FuseSession {
  std::string work_dir;  // script, stdout, stderr and Fuse's HOME; must exist
  std::string fuse = "/usr/bin/fuse";
  std::string rom = "/usr/share/spectrum-roms/opense.rom";  // --rom-48
  int timeout_seconds = 120;                                // wall clock
  uint32_t max_frames = 50 * 60 * 20;                       // 20 emulated minutes
  bool dump_screen = true;                                  // FuseResult::screen at the end
};

struct KeyGroup {
  uint16_t at = 0;   // the breakpoint address that types one key per visit
  std::string keys;  // Spectrum key codes: letters, 0Dh ENTER, 0Ch DELETE, tokens ...
};

struct FuseResult {
  int exit_code = -1;             // 0: the script finished; 9: max_frames; 137: killed by timeout
  std::string transcript;         // bytes printed by the program (0Dh shown as '\n')
  emu::ConsoleTimeline timeline;  // the same bytes and every key typed, stamped with
                                  // frames * 69888 + T-state in the frame: response_stats.h applies
  std::vector<uint8_t> screen;    // 6912 bytes at the end (empty if the end was not reached)
  std::string stderr_path;        // Fuse's messages, for failure reports
};

// True when the Fuse binary and the ROM exist.
bool fuse_available(const FuseSession& session);

// `media_option`: e.g. "--snapshot CHAT.z80" or "--tape CHAT.TAP --no-auto-load" (paths
// relative to work_dir). Throws z80lm::Error if work_dir contains a quote character or the
// script is too long (see above).
FuseResult run_fuse(const FuseSession& session, std::string_view media_option,
                    const std::vector<KeyGroup>& keys, uint16_t end_at, uint16_t print_from);

}  // namespace z80lm::zx
