#include "zx/zx48_media.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "util/error.h"
#include "zx/basic_program.h"
#include "zx/tap_file.h"
#include "zx/z80_snapshot.h"
#include "zx/zx48_machine_state.h"

namespace z80lm::zx {

namespace {

std::string lower_extension(std::string_view path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

std::string tape_name_for(std::string_view path) {
  std::string stem = std::filesystem::path(path).stem().string();
  if (stem.size() > kTapNameChars) stem.resize(kTapNameChars);
  for (char& c : stem)
    if (c < 0x20 || c > 0x7E) c = '?';
  return stem.empty() ? "CHAT" : stem;
}

std::vector<uint8_t> zx48_loader(const z80::BuiltProgram& program) {
  const z80::Zx48Addresses a = z80::zx48_addresses(program);
  return autorun_loader({.clear = static_cast<uint16_t>(a.origin - 1), .usr = a.entry});
}

std::vector<uint8_t> zx48_tap(const z80::BuiltProgram& program, std::string_view name) {
  const z80::Zx48Addresses a = z80::zx48_addresses(program);
  const std::string tape_name = tape_name_for(name);
  const std::vector<uint8_t> loader = zx48_loader(program);
  std::vector<TapBlock> tape;
  append_tape_file(tape,
                   {.type = TapeFileType::kProgram,
                    .name = tape_name,
                    .param1 = kLoaderLine,
                    .param2 = static_cast<uint16_t>(loader.size())},
                   loader);
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = tape_name, .param1 = a.origin},
                   program.binary);
  return serialize_tap(tape);
}

std::vector<uint8_t> zx48_snapshot(const z80::BuiltProgram& program) {
  const z80::Zx48Addresses a = z80::zx48_addresses(program);
  const std::vector<uint8_t> loader = zx48_loader(program);
  Zx48State state = loader_state({.program = loader,
                                  .ramtop = static_cast<uint16_t>(a.origin - 1),
                                  .usr_return = kRomStart,
                                  .error_return = kRomStart});
  state.load(a.origin, program.binary);
  state.pc = a.snapshot_entry;
  return encode_z80_snapshot(state);
}

std::vector<uint8_t> zx48_file_for(const z80::BuiltProgram& program, std::string_view path) {
  const std::string ext = lower_extension(path);
  if (ext == ".tap") return zx48_tap(program, path);
  if (ext == ".z80") return zx48_snapshot(program);
  throw Error(fmt::format("{}: a zx48 program is written as a .tap (tape with a BASIC loader) or a .z80 "
                          "(snapshot), not '{}'",
                          path, ext),
              "name the output CHAT.TAP or CHAT.z80");
}

std::string zx48_summary(const z80::BuiltProgram& program) {
  const z80::Zx48Addresses a = z80::zx48_addresses(program);
  const uint32_t contended = a.origin < kContendedEnd ? std::min(a.end, kContendedEnd) - a.origin : 0;
  std::string out =
      fmt::format("loader: 10 CLEAR {}: LOAD \"\" CODE : RANDOMIZE USR {}\n", a.origin - 1, a.entry);
  out += fmt::format("code: {} bytes at {:04X}h; with buffers and stack the program uses {:04X}h-{:04X}h",
                     program.binary.size(), a.origin, a.origin, a.end - 1);
  out += contended == 0 ? std::string(" (no contended memory)\n")
                        : fmt::format(" ({} bytes in contended memory below 8000h: model data)\n", contended);
  out += fmt::format("snapshot entry: {:04X}h; {} bytes left below the UDGs at {:04X}h\n", a.snapshot_entry,
                     kUdg - a.end, kUdg);
  return out;
}

}  // namespace z80lm::zx
