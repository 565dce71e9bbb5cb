// `z80lm export` — turn a model into a real Z80 program (a CP/M .COM, or a ZX Spectrum .TAP/.z80).
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "emu/msx_machine.h"
#include "model/model_file.h"
#include "model/npz.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/path_guard.h"
#include "web/web_page.h"
#include "z80/engine.h"
#include "z80/exporter.h"
#include "zx/zx48_media.h"

namespace {

struct ExportArgs {
  std::string model;
  std::string output;
  std::string listing;
  std::string symbols;
  std::string asm_source;
  std::string snapshot;  // zx48: also a .z80 snapshot
  z80lm::z80::ExportOptions options;
};

int run_export(const ExportArgs& a) {
  z80lm::check_paths({{"the model", a.model}}, {{"-o", a.output},
                                                {"--snapshot", a.snapshot},
                                                {"--listing", a.listing},
                                                {"--symbols", a.symbols},
                                                {"--asm", a.asm_source}});
  const z80lm::Model m = a.model.ends_with(".npz") ? z80lm::import_npz(a.model) : z80lm::load_model(a.model);
  const z80lm::z80::BuiltProgram p = z80lm::z80::export_program(m, a.options);
  const bool zx48 = a.options.target == "zx48";
  const bool web = a.options.target == "web";
  const bool msx = a.options.target == "msx";
  if (msx && !z80lm::emu::is_msx_program_name(a.output))
    throw z80lm::Error(fmt::format("{}: an MSX cartridge is written as a .ROM file", a.output),
                       "name the output e.g. CHAT.ROM");
  if (!zx48 && !a.snapshot.empty())
    throw z80lm::Error("--snapshot is for the zx48 target", "add --target zx48, or drop --snapshot");
  // Everything is built before anything is written; each file is written atomically.
  size_t written = p.binary.size();
  if (zx48) {
    const auto as_chars = [](const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); };
    const std::string main_file = as_chars(z80lm::zx::zx48_file_for(p, a.output));
    const std::string snapshot = a.snapshot.empty() ? "" : as_chars(z80lm::zx::zx48_file_for(p, a.snapshot));
    z80lm::write_file_atomic(a.output, main_file);
    written = main_file.size();
    if (!a.snapshot.empty()) z80lm::write_file_atomic(a.snapshot, snapshot);
  } else if (web) {
    std::string name = std::filesystem::path(a.output).stem().string();
    for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    const std::string page =
        z80lm::web::web_page(p.binary, z80lm::web::web_page_info(m, name, a.options.engine));
    z80lm::write_file_atomic(a.output, page);
    written = page.size();
  } else {
    z80lm::write_file_atomic(a.output, p.image());
  }
  const std::string symbol_map = z80lm::z80::format_symbol_map(p.symbols);
  if (!a.listing.empty())
    z80lm::write_file_atomic(a.listing, p.listing + "\n; symbols by value\n" + symbol_map);
  if (!a.symbols.empty()) z80lm::write_file_atomic(a.symbols, symbol_map);
  if (!a.asm_source.empty()) z80lm::write_file_atomic(a.asm_source, p.source);
  fmt::print("wrote {}: {} bytes (target {}, engine {}; model {}, {} symbols)\n", a.output, written,
             a.options.target, a.options.engine, z80lm::z80::layer_widths_text(m), m.output_size());
  if (msx) {
    fmt::print("RAM program: {} bytes at {:04X}h, copied there from the cartridge at boot\n{}", p.image_bytes,
               p.symbols.at("MSX_ORIGIN"), p.memory_map);
  } else if (zx48) {
    fmt::print("{}{}", z80lm::zx::zx48_summary(p), p.memory_map);
    if (!a.snapshot.empty()) fmt::print("snapshot: {}\n", a.snapshot);
  } else {
    fmt::print(
        "memory: needs a TPA up to {:04X}h (--min-tpa {:04X}h); the program checks the real TPA at start\n{}",
        p.memory_top, a.options.min_tpa_top, p.memory_map);
  }
  if (!a.listing.empty()) fmt::print("listing and symbol map: {}\n", a.listing);
  if (!a.symbols.empty()) fmt::print("symbols (for z80lm run --profile --symbols): {}\n", a.symbols);
  if (!a.asm_source.empty()) fmt::print("assembly source: {}\n", a.asm_source);
  if (msx)
    fmt::print("try it: z80lm run {}   or: openmsx -machine C-BIOS_MSX1 -carta {} -romtype ASCII16\n",
               a.output, a.output);
  else if (zx48)
    fmt::print("try it: z80lm run {}   (chat; a line starting with ! quits)   or in a Spectrum emulator\n",
               a.output);
  else if (web)
    fmt::print("the page holds the {}-byte CP/M program; open {} in a browser (no server needed)\n",
               p.binary.size(), a.output);
  else
    fmt::print("try it: z80lm run {}   (chat; a line starting with ! quits)   or: z80lm run {} hello\n",
               a.output, a.output);
  return 0;
}

z80lm::cli::Registration reg{
    "export",
    "Export a model as a Z80 program (CP/M .COM, ZX Spectrum .TAP, MSX .ROM, web page) that chats exactly "
    "like `z80lm "
    "chat`",
    40, [](CLI::App& sub) {
      auto a = std::make_shared<ExportArgs>();
      sub.add_option("MODEL", a->model, "a .zlm model (or the original's .npz)")->required();
      sub.add_option("-o,--output", a->output,
                     "the program to write, e.g. CHAT.COM (zx48: CHAT.TAP or CHAT.z80; msx: CHAT.ROM; web: "
                     "CHAT.html)")
          ->required();
      sub.add_option(
             "-t,--target", a->options.target,
             "what to build for: cpm (a CP/M 2.2 .COM), zx48 (a ZX Spectrum 48K .TAP with an autorun "
             "BASIC loader, or a .z80 snapshot; see docs/zx.md), msx (a 64 KiB ASCII16 cartridge ROM for "
             "an MSX1 with 64 KB RAM; see docs/msx.md) or web (one self-contained HTML page running "
             "the CP/M program on an emulated Z80 in the browser; see docs/web.md)")
          ->check(CLI::IsMember(z80lm::z80::target_names()))
          ->capture_default_str();
      sub.add_option("--engine", a->options.engine,
                     "network code: compact (2-bit weights, smallest image) or fast (index lists, a byte per "
                     "nonzero weight, the query cached: 3.4x faster on models trained with --sparsity 0.78 "
                     "--activity-penalty 0.0001; see docs/engine-fast.md)")
          ->check(CLI::IsMember(z80lm::z80::engine_names()))
          ->capture_default_str();
      sub.add_option("--min-tpa", a->options.min_tpa_top,
                     "cpm, web: refuse a program needing memory above this TPA top (the word at 0006h), "
                     "e.g. 0xE406 (64K CP/M 2.2, with margin) or 0xAC06 (48K CP/M 2.2)")
          ->check(CLI::Range(0x0200u, 0xFFFFu))
          ->default_str("0xE406");
      sub.add_option("--snapshot", a->snapshot,
                     "zx48: also write a .z80 snapshot that starts the chat directly");
      sub.add_option("--listing", a->listing, "also write pasmo's listing and the symbol map to this file");
      sub.add_option("--symbols", a->symbols,
                     "also write the symbol map in pasmo's format (for z80lm run --profile --symbols)");
      sub.add_option("--asm", a->asm_source, "also write the generated assembly source to this file");
      sub.footer(
          "The program chats (> prompt, BDOS line input; a line starting with ! returns to CP/M) or,\n"
          "given a command tail (A>CHAT HELLO), answers it and returns. See docs/export.md.");
      return [a] { return run_export(*a); };
    }};

}  // namespace
