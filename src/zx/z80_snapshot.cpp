#include "zx/z80_snapshot.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>

#include "util/error.h"

namespace z80lm::zx {

namespace {

constexpr uint8_t kEd = 0xED;
constexpr size_t kMinRun = 5;  // shorter runs of other bytes are stored as they are
constexpr size_t kMaxRun = 255;
constexpr size_t kPageBytes = 0x4000;
constexpr uint16_t kRawPage = 0xFFFF;  // v2/v3 page length meaning "16384 bytes, not compressed"
constexpr uint8_t kFlagsCompressed = 0x20;
constexpr std::array<uint8_t, 4> kV1EndMarker = {0x00, kEd, kEd, 0x00};

uint16_t word_at(std::span<const uint8_t> b, size_t offset) {
  return static_cast<uint16_t>(b[offset] | (b[offset + 1] << 8));
}

void put_word(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value & 0xFF));
  out.push_back(static_cast<uint8_t>(value >> 8));
}

// Where a 48K page of a version 2/3 file goes: page 8 = 4000h, 4 = 8000h, 5 = C000h.
int page_address(uint8_t page) {
  switch (page) {
    case 8:
      return 0x4000;
    case 4:
      return 0x8000;
    case 5:
      return 0xC000;
    default:
      return -1;
  }
}

Error damaged(std::string_view name, size_t offset, std::string what) {
  return Error(fmt::format("{}: byte {}: {}", name, offset, what),
               "the snapshot is damaged; export it again");
}

}  // namespace

std::vector<uint8_t> z80_compress(std::span<const uint8_t> ram) {
  std::vector<uint8_t> out;
  size_t i = 0;
  while (i < ram.size()) {
    const uint8_t b = ram[i];
    size_t run = 1;
    while (i + run < ram.size() && run < kMaxRun && ram[i + run] == b) ++run;
    if (run >= kMinRun || (b == kEd && run >= 2)) {
      out.insert(out.end(), {kEd, kEd, static_cast<uint8_t>(run), b});
      i += run;
      continue;
    }
    out.push_back(b);
    ++i;
    // A byte right after a single EDh is stored as it is, so ED never meets ED ED.
    if (b == kEd && i < ram.size()) out.push_back(ram[i++]);
  }
  return out;
}

std::vector<uint8_t> z80_decompress(std::span<const uint8_t> data, size_t size, std::string_view name,
                                    size_t base_offset) {
  std::vector<uint8_t> out;
  out.reserve(size);
  size_t i = 0;
  while (out.size() < size) {
    if (i >= data.size())
      throw damaged(name, base_offset + i,
                    fmt::format("compressed memory ends after {} of {} bytes", out.size(), size));
    if (data[i] == kEd && i + 1 < data.size() && data[i + 1] == kEd) {
      if (i + 3 >= data.size()) throw damaged(name, base_offset + i, "a run (ED ED count byte) is cut off");
      const size_t count = data[i + 2];
      if (out.size() + count > size)
        throw damaged(name, base_offset + i,
                      fmt::format("a run of {} bytes overflows the {}-byte memory block", count, size));
      out.insert(out.end(), count, data[i + 3]);
      i += 4;
    } else {
      out.push_back(data[i++]);
    }
  }
  return out;
}

std::vector<uint8_t> encode_z80_snapshot(const Zx48State& s) {
  if (s.pc == 0)
    throw Error("a version 1 .z80 snapshot cannot start at PC = 0000h",
                "start the snapshot at the program's entry");
  if (s.ram.size() != kRamBytes)
    throw Error(fmt::format("snapshot RAM has {} bytes, expected {}", s.ram.size(), kRamBytes),
                "internal error");
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(s.af >> 8));
  out.push_back(static_cast<uint8_t>(s.af & 0xFF));
  put_word(out, s.bc);
  put_word(out, s.hl);
  put_word(out, s.pc);
  put_word(out, s.sp);
  out.push_back(s.i);
  out.push_back(s.r & 0x7F);
  out.push_back(static_cast<uint8_t>((s.r >> 7) | ((s.border & 7) << 1) | kFlagsCompressed));
  put_word(out, s.de);
  put_word(out, s.alt_bc);
  put_word(out, s.alt_de);
  put_word(out, s.alt_hl);
  out.push_back(static_cast<uint8_t>(s.alt_af >> 8));
  out.push_back(static_cast<uint8_t>(s.alt_af & 0xFF));
  put_word(out, s.iy);
  put_word(out, s.ix);
  out.push_back(s.iff1 ? 1 : 0);
  out.push_back(s.iff2 ? 1 : 0);
  out.push_back(s.interrupt_mode & 3);
  const std::vector<uint8_t> memory = z80_compress(s.ram);
  out.insert(out.end(), memory.begin(), memory.end());
  out.insert(out.end(), kV1EndMarker.begin(), kV1EndMarker.end());
  return out;
}

Zx48State decode_z80_snapshot(std::span<const uint8_t> b, std::string_view name) {
  if (b.size() < kZ80V1HeaderBytes)
    throw Error(fmt::format("{}: {} bytes is too short for a .z80 snapshot (the header alone is {})", name,
                            b.size(), kZ80V1HeaderBytes),
                "is this really a .z80 file?");
  Zx48State s;
  s.af = static_cast<uint16_t>((b[0] << 8) | b[1]);
  s.bc = word_at(b, 2);
  s.hl = word_at(b, 4);
  s.pc = word_at(b, 6);
  s.sp = word_at(b, 8);
  s.i = b[10];
  const uint8_t flags = b[12] == 0xFF ? 1 : b[12];  // FFh: an old convention for 1
  s.r = static_cast<uint8_t>((b[11] & 0x7F) | ((flags & 1) << 7));
  s.border = (flags >> 1) & 7;
  s.de = word_at(b, 13);
  s.alt_bc = word_at(b, 15);
  s.alt_de = word_at(b, 17);
  s.alt_hl = word_at(b, 19);
  s.alt_af = static_cast<uint16_t>((b[21] << 8) | b[22]);
  s.iy = word_at(b, 23);
  s.ix = word_at(b, 25);
  s.iff1 = b[27] != 0;
  s.iff2 = b[28] != 0;
  s.interrupt_mode = b[29] & 3;
  if (s.interrupt_mode == 3)
    throw Error(fmt::format("{}: byte 29: interrupt mode 3 does not exist", name), "the snapshot is damaged");

  const std::span<const uint8_t> rest = b.subspan(kZ80V1HeaderBytes);
  if (s.pc != 0) {  // version 1: 48K only
    if (flags & kFlagsCompressed) {
      s.ram = z80_decompress(rest, kRamBytes, name, kZ80V1HeaderBytes);
    } else {
      if (rest.size() < kRamBytes)
        throw damaged(name, b.size(), fmt::format("{} bytes of memory, expected {}", rest.size(), kRamBytes));
      s.ram.assign(rest.begin(), rest.begin() + kRamBytes);
    }
    return s;
  }

  // Versions 2 and 3.
  if (b.size() < kZ80V1HeaderBytes + 2 + 4)
    throw damaged(name, b.size(), "the additional header of a version 2/3 snapshot is cut off");
  const size_t extra = word_at(b, 30);
  if (extra != 23 && extra != 54 && extra != 55)
    throw damaged(name, 30, fmt::format("additional header length {} (expected 23, 54 or 55)", extra));
  const size_t pages_start = kZ80V1HeaderBytes + 2 + extra;
  if (b.size() < pages_start) throw damaged(name, b.size(), "the additional header is cut off");
  s.pc = word_at(b, 32);
  const uint8_t hardware = b[34];
  const bool is_48k = extra == 23 ? hardware <= 1 : (hardware <= 1 || hardware == 3);
  if (!is_48k)
    throw Error(fmt::format("{}: byte 34: hardware mode {} is not a 48K Spectrum", name, hardware),
                "z80lm run emulates the 48K only; save the snapshot as a 48K one");
  s.ram.assign(kRamBytes, 0);
  std::array<bool, 3> seen = {false, false, false};
  size_t offset = pages_start;
  while (offset < b.size()) {
    if (b.size() - offset < 3) throw damaged(name, offset, "a memory page header is cut off");
    const uint16_t length = word_at(b, offset);
    const uint8_t page = b[offset + 2];
    const int address = page_address(page);
    if (address < 0)
      throw damaged(name, offset + 2, fmt::format("page {} is not part of a 48K Spectrum's memory", page));
    const size_t data_bytes = length == kRawPage ? kPageBytes : length;
    if (b.size() - offset - 3 < data_bytes)
      throw damaged(name, offset,
                    fmt::format("page {} announces {} bytes but the file ends first", page, data_bytes));
    const std::span<const uint8_t> data = b.subspan(offset + 3, data_bytes);
    const std::vector<uint8_t> expanded = length == kRawPage
                                              ? std::vector<uint8_t>(data.begin(), data.end())
                                              : z80_decompress(data, kPageBytes, name, offset + 3);
    std::copy(expanded.begin(), expanded.end(), s.ram.begin() + (address - kScreen));
    seen[static_cast<size_t>((address - kScreen) / static_cast<int>(kPageBytes))] = true;
    offset += 3 + data_bytes;
  }
  if (!std::all_of(seen.begin(), seen.end(), [](bool v) { return v; }))
    throw damaged(name, b.size(), "the snapshot lacks one of the 48K memory pages 8, 4 and 5");
  return s;
}

}  // namespace z80lm::zx
