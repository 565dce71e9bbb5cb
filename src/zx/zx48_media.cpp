#include "zx/zx48_media.h"

#include <filesystem>

#include "zx/basic_program.h"
#include "zx/tap_file.h"
#include "zx/z80_snapshot.h"
#include "zx/zx48_machine_state.h"

namespace z80lm::zx {

std::string tape_name_for(std::string_view path) {
  std::string stem = std::filesystem::path(path).stem().string();
  if (stem.size() > kTapNameChars) stem.resize(kTapNameChars);
  for (char& c : stem)
    if (c < 0x20 || c > 0x7E) c = '?';
  return stem.empty() ? "CHAT" : stem;
}

std::vector<uint8_t> zx48_loader(const z80::Zx48Program& program) {
  return autorun_loader({.clear = static_cast<uint16_t>(program.placement.origin - 1), .usr = program.entry});
}

std::vector<uint8_t> zx48_tap(const z80::Zx48Program& program, std::string_view name) {
  const std::string tape_name = tape_name_for(name);
  const std::vector<uint8_t> loader = zx48_loader(program);
  std::vector<TapBlock> tape;
  append_tape_file(tape,
                   {.type = TapeFileType::kProgram,
                    .name = tape_name,
                    .param1 = kLoaderLine,
                    .param2 = static_cast<uint16_t>(loader.size())},
                   loader);
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = tape_name, .param1 = program.placement.origin},
                   program.binary);
  return serialize_tap(tape);
}

std::vector<uint8_t> zx48_snapshot(const z80::Zx48Program& program) {
  const std::vector<uint8_t> loader = zx48_loader(program);
  Zx48State state = loader_state({.program = loader,
                                  .ramtop = static_cast<uint16_t>(program.placement.origin - 1),
                                  .usr_return = kRomStart,
                                  .error_return = kRomStart});
  state.load(program.placement.origin, program.binary);
  state.pc = program.snapshot_entry;
  return encode_z80_snapshot(state);
}

}  // namespace z80lm::zx
