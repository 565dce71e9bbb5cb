// exporter.h — `z80lm export` as a library call: a model becomes a Z80 program for a target.
//
//   BuiltProgram p = export_program(model, {.target = "cpm", .engine = "compact"});
//   write_file_atomic("CHAT.COM", p.image());
//
// Targets: "cpm" (program_cpm.h: a CP/M 2.2 .COM), "zx48" (program_zx48.h: the CODE block of a
// ZX Spectrum 48K program; zx/zx48_media.h makes its .TAP and .z80), "web" (the CP/M program,
// which web/web_page.h wraps in a self-contained HTML page). Engines: engine.h.
// Invariants: throws z80lm::Error (what + hint) for an invalid model, an unknown target or
// engine, a shape the engine cannot run, or a program that does not fit the target's memory;
// never returns a partial program. Nothing is written to disk here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"
#include "z80/built_program.h"
#include "z80/cpm_memory_map.h"

namespace z80lm::z80 {

struct ExportOptions {
  std::string target = "cpm";
  std::string engine = "compact";
  uint32_t min_tpa_top = kDefaultMinTpaTop;  // cpm: the program must fit below this TPA top
};

BuiltProgram export_program(const Model& m, const ExportOptions& options);

std::vector<std::string> target_names();

// "256 -> 256 -> 192 -> 40": the layer widths, for headers and messages.
std::string layer_widths_text(const Model& m);

}  // namespace z80lm::z80
