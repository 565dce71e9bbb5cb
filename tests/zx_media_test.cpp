// Spectrum file formats and the 48K memory map: .TAP blocks, tokenized BASIC, .z80 snapshots,
// the machine state after the loader, the screen as PNG/text. External tools (tzxlist,
// listbasic, snapconv from fuse-emulator-utils) check our files when they are installed.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "test_models.h"
#include "test_support.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/rng.h"
#include "zx/basic_program.h"
#include "zx/tap_file.h"
#include "zx/z80_snapshot.h"
#include "zx/zx48_machine_state.h"
#include "zx/zx48_memory_map.h"
#include "zx/zx48_screen.h"

namespace z80lm::zx {
namespace {

std::string as_text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(splitmix64(seed));
  return out;
}

// Runs a shell command; its stdout, or std::nullopt when the tool is not installed.
std::optional<std::string> tool_output(const std::string& tool, const std::string& args, int* exit_code) {
  if (!std::filesystem::exists("/usr/bin/" + tool)) return std::nullopt;
  FILE* p = ::popen(("/usr/bin/" + tool + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// ------------------------------------------------------------------ BASIC

TEST(ZxBasic, NumberIsDigitsThenTheHiddenIntegerForm) {
  EXPECT_EQ(basic_number(24063),
            (std::vector<uint8_t>{'2', '4', '0', '6', '3', 0x0E, 0x00, 0x00, 0xFF, 0x5D, 0x00}));
  EXPECT_EQ(basic_number(0), (std::vector<uint8_t>{'0', 0x0E, 0, 0, 0, 0, 0}));
}

TEST(ZxBasic, LoaderIsOneAutorunLineWithClearLoadCodeAndUsr) {
  const std::vector<uint8_t> loader = autorun_loader({.clear = 24063, .usr = 24320});
  std::vector<uint8_t> body = {kTokenClear};
  for (uint8_t b : basic_number(24063)) body.push_back(b);
  body.insert(body.end(), {':', kTokenLoad, '"', '"', kTokenCode, ':', kTokenRandomize, kTokenUsr});
  for (uint8_t b : basic_number(24320)) body.push_back(b);
  std::vector<uint8_t> expected = {0, 10, static_cast<uint8_t>(body.size() + 1), 0};
  expected.insert(expected.end(), body.begin(), body.end());
  expected.push_back(0x0D);
  EXPECT_EQ(loader, expected);
  EXPECT_EQ(loader.size(), 36u);
}

TEST(ZxBasic, ParsedLoaderGivesClearAndUsr) {
  const std::vector<uint8_t> loader = autorun_loader({.clear = 0x61FF, .usr = 0xF464});
  const std::vector<BasicLine> lines = parse_basic_program(loader, "loader");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].number, kLoaderLine);
  EXPECT_EQ(number_after_token(lines, kTokenClear), 0x61FF);
  EXPECT_EQ(number_after_token(lines, kTokenUsr), 0xF464);
  EXPECT_EQ(number_after_token(lines, kTokenRandomize), 0xF464);  // the first number after it
  EXPECT_EQ(number_after_token(lines, 0xF5 /* PRINT */), std::nullopt);
}

TEST(ZxBasic, HiddenBytesThatLookLikeATokenAreNotOne) {
  // 192 = C0h = USR's token value, inside the hidden form of CLEAR's number.
  const std::vector<uint8_t> loader = autorun_loader({.clear = 192, .usr = 30000});
  EXPECT_EQ(number_after_token(parse_basic_program(loader, "loader"), kTokenUsr), 30000);
}

TEST(ZxBasic, DamagedProgramsNameTheByte) {
  std::vector<uint8_t> loader = autorun_loader({.clear = 24063, .usr = 24320});
  std::vector<uint8_t> cut(loader.begin(), loader.end() - 3);
  EXPECT_THROW(parse_basic_program(cut, "x"), Error);
  loader.back() = 0x00;
  try {
    parse_basic_program(loader, "loader.bas");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loader.bas: BASIC line 10 at byte 0 does not end in 0Dh"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(encode_basic_line({10000, {}}), Error);
}

// ------------------------------------------------------------------ TAP

TEST(ZxTap, HeaderBlockAndChecksumAreTheRomFormat) {
  std::vector<TapBlock> tape;
  const std::vector<uint8_t> loader = autorun_loader({.clear = 25087, .usr = 62564});
  append_tape_file(tape, {.type = TapeFileType::kProgram, .name = "CHAT", .param1 = 10, .param2 = 36},
                   loader);
  const std::vector<uint8_t> bytes = serialize_tap(tape);
  // length 19, flag 00, type 0, "CHAT" + 6 spaces, length 36, line 10, program length 36, checksum
  const std::vector<uint8_t> header = {19,  0,   0x00, 0,  'C', 'H', 'A', 'T', ' ', ' ', ' ',
                                       ' ', ' ', ' ',  36, 0,   10,  0,   36,  0,   0x14};
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 21), header);  // 0x14 as tzxlist reports
  EXPECT_EQ(bytes[21], 38);  // data block: 36 bytes + flag + checksum
  EXPECT_EQ(bytes[23], kTapDataFlag);
  EXPECT_EQ(bytes.back(), tap_checksum(kTapDataFlag, loader));
}

TEST(ZxTap, ParseInvertsSerialize) {
  std::vector<TapBlock> tape;
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = "0123456789", .param1 = 0x6000},
                   random_bytes(1000, 3));
  tape.push_back({0x42, random_bytes(5, 4)});  // a headerless block with an odd flag
  const std::vector<uint8_t> bytes = serialize_tap(tape);
  const std::vector<TapBlock> back = parse_tap(bytes, "t.tap");
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(serialize_tap(back), bytes);
  const std::vector<TapeFile> files = tape_files(back, "t.tap");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].header.name, "0123456789");
  EXPECT_EQ(files[0].header.param1, 0x6000);
  EXPECT_EQ(files[0].header.param2, kCodeParam2);
  EXPECT_EQ(files[0].data, random_bytes(1000, 3));
  EXPECT_EQ(describe_tape_header(files[0].header), "Bytes: 0123456789  (6000h, 1000 bytes)");
}

TEST(ZxTap, DamageIsReportedWithBlockAndOffset) {
  std::vector<TapBlock> tape;
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = "X", .param1 = 0x8000}, random_bytes(10, 1));
  std::vector<uint8_t> bytes = serialize_tap(tape);
  std::vector<uint8_t> bad = bytes;
  bad[25] ^= 1;  // a data byte of block 2, which starts at byte 21
  try {
    parse_tap(bad, "c.tap");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.tap: block 2 at byte 21: checksum"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_tap(std::vector<uint8_t>(bytes.begin(), bytes.end() - 1), "t.tap"), Error);
  EXPECT_THROW(parse_tap(std::vector<uint8_t>{}, "t.tap"), Error);
  EXPECT_THROW(parse_tap(std::vector<uint8_t>{1, 0, 0}, "t.tap"), Error);  // length 1
  // A header without its data block, and one whose data block has the wrong length.
  EXPECT_THROW(tape_files(std::vector<TapBlock>{tape[0]}, "t.tap"), Error);
  std::vector<TapBlock> short_data = tape;
  short_data[1].data.pop_back();
  EXPECT_THROW(tape_files(short_data, "t.tap"), Error);
}

TEST(ZxTap, NamesAreAtMostTenPrintableCharacters) {
  EXPECT_THROW(encode_tape_header({.name = "ELEVENCHARS"}), Error);
  EXPECT_THROW(encode_tape_header({.name = "TAB\t"}), Error);
  EXPECT_EQ(encode_tape_header({.name = "AB"}).size(), kTapHeaderBytes);
}

TEST(ZxTap, TzxlistAndListbasicAcceptTheLoaderTape) {
  test::TempDir dir;
  std::vector<TapBlock> tape;
  const std::vector<uint8_t> loader = autorun_loader({.clear = 24063, .usr = 24320});
  append_tape_file(tape,
                   {.type = TapeFileType::kProgram,
                    .name = "CHAT",
                    .param1 = kLoaderLine,
                    .param2 = static_cast<uint16_t>(loader.size())},
                   loader);
  append_tape_file(tape, {.type = TapeFileType::kCode, .name = "CHAT", .param1 = 24064},
                   random_bytes(300, 9));
  write_file_atomic(dir.file("CHAT.TAP"), as_text(serialize_tap(tape)));
  int code = -1;
  const auto listing = tool_output("tzxlist", "'" + dir.file("CHAT.TAP") + "'", &code);
  if (!listing) GTEST_SKIP() << "tzxlist (fuse-emulator-utils) is not installed";
  EXPECT_EQ(code, 0) << *listing;
  size_t passes = 0;
  for (size_t at = 0; (at = listing->find("(PASS)", at)) != std::string::npos; ++at) ++passes;
  EXPECT_EQ(passes, 4u) << *listing;
  EXPECT_EQ(listing->find("FAIL"), std::string::npos) << *listing;
  EXPECT_NE(listing->find("Program: \"CHAT      \" LINE 10"), std::string::npos) << *listing;
  EXPECT_NE(listing->find("Bytes: \"CHAT      \" CODE  24064, 300"), std::string::npos) << *listing;
  const auto basic = tool_output("listbasic", "'" + dir.file("CHAT.TAP") + "'", &code);
  ASSERT_TRUE(basic.has_value());
  EXPECT_EQ(code, 0);
  EXPECT_EQ(*basic, "   10 CLEAR 24063: LOAD \"\"CODE : RANDOMIZE USR 24320\n");
}

// ------------------------------------------------------------------ .z80

TEST(ZxSnapshot, CompressionFollowsTheFormatsRules) {
  const std::vector<uint8_t> four = {7, 7, 7, 7};
  EXPECT_EQ(z80_compress(four), four);  // runs shorter than 5 stay
  EXPECT_EQ(z80_compress(std::vector<uint8_t>(5, 7)), (std::vector<uint8_t>{0xED, 0xED, 5, 7}));
  EXPECT_EQ(z80_compress(std::vector<uint8_t>{0xED, 0xED}), (std::vector<uint8_t>{0xED, 0xED, 2, 0xED}));
  // A byte right after a single ED is never the start of a run.
  EXPECT_EQ(z80_compress(std::vector<uint8_t>{0xED, 0, 0, 0, 0, 0, 0}),
            (std::vector<uint8_t>{0xED, 0, 0xED, 0xED, 5, 0}));
  // Runs longer than 255 are split.
  EXPECT_EQ(z80_compress(std::vector<uint8_t>(300, 0)),
            (std::vector<uint8_t>{0xED, 0xED, 255, 0, 0xED, 0xED, 45, 0}));
}

TEST(ZxSnapshot, DecompressInvertsCompress) {
  std::vector<uint8_t> data = random_bytes(5000, 11);
  for (size_t i = 100; i < 400; ++i) data[i] = 0xED;
  for (size_t i = 1000; i < 1300; ++i) data[i] = 0;
  data[2000] = 0xED;
  EXPECT_EQ(z80_decompress(z80_compress(data), data.size(), "x", 0), data);
  EXPECT_THROW(z80_decompress(std::vector<uint8_t>{0xED, 0xED, 10, 1}, 5, "x", 0), Error);  // overflow
  EXPECT_THROW(z80_decompress(std::vector<uint8_t>{1, 2}, 5, "x", 0), Error);               // runs out
}

Zx48State sample_state() {
  Zx48State s = loader_state({.program = autorun_loader({.clear = 0x61FF, .usr = 0x7000}), .ramtop = 0x61FF});
  s.load(0x6200, random_bytes(8000, 5));
  s.af = 0x1234;
  s.bc = 0x2345;
  s.de = 0x3456;
  s.hl = 0x4567;
  s.ix = 0x5678;
  s.alt_af = 0x6789;
  s.alt_bc = 0x789A;
  s.alt_de = 0x89AB;
  s.alt_hl = 0x9ABC;
  s.r = 0x85;
  s.border = 5;
  s.pc = 0x7000;
  return s;
}

void expect_same_state(const Zx48State& a, const Zx48State& b) {
  EXPECT_EQ(a.ram, b.ram);
  EXPECT_EQ(std::tie(a.af, a.bc, a.de, a.hl, a.ix, a.iy, a.sp, a.pc),
            std::tie(b.af, b.bc, b.de, b.hl, b.ix, b.iy, b.sp, b.pc));
  EXPECT_EQ(std::tie(a.alt_af, a.alt_bc, a.alt_de, a.alt_hl),
            std::tie(b.alt_af, b.alt_bc, b.alt_de, b.alt_hl));
  EXPECT_EQ(std::tie(a.i, a.r, a.iff1, a.iff2, a.interrupt_mode, a.border),
            std::tie(b.i, b.r, b.iff1, b.iff2, b.interrupt_mode, b.border));
}

TEST(ZxSnapshot, Version1HeaderThenCompressedRamThenEndMarker) {
  const Zx48State s = sample_state();
  const std::vector<uint8_t> file = encode_z80_snapshot(s);
  EXPECT_EQ(file[0], 0x12);                     // A
  EXPECT_EQ(file[1], 0x34);                     // F
  EXPECT_EQ(file[6] | (file[7] << 8), 0x7000);  // PC != 0: version 1
  EXPECT_EQ(file[8] | (file[9] << 8), 0x61FF - 5);
  EXPECT_EQ(file[10], 0x3F);
  EXPECT_EQ(file[11], 0x05);                    // R bits 0-6
  EXPECT_EQ(file[12], 0x01 | (5 << 1) | 0x20);  // R bit 7, border 5, compressed
  EXPECT_EQ(file[23] | (file[24] << 8), kIy);
  EXPECT_EQ(file[27], 1);
  EXPECT_EQ(file[29] & 3, 1);
  EXPECT_EQ(std::vector<uint8_t>(file.end() - 4, file.end()), (std::vector<uint8_t>{0, 0xED, 0xED, 0}));
  expect_same_state(decode_z80_snapshot(file, "s.z80"), s);
  Zx48State at_zero = s;
  at_zero.pc = 0;
  EXPECT_THROW(encode_z80_snapshot(at_zero), Error);
}

// A version 2/3 file, built by hand as the format describes.
std::vector<uint8_t> version3(const Zx48State& s, uint8_t hardware, const std::vector<uint8_t>& pages) {
  Zx48State copy = s;
  std::vector<uint8_t> file = encode_z80_snapshot(copy);
  file.resize(kZ80V1HeaderBytes);
  file[6] = file[7] = 0;  // PC 0: version 2 or 3
  file[12] &= ~0x20;
  file.insert(file.end(),
              {54, 0, static_cast<uint8_t>(s.pc & 0xFF), static_cast<uint8_t>(s.pc >> 8), hardware});
  file.resize(kZ80V1HeaderBytes + 2 + 54, 0);
  for (uint8_t page : pages) {
    const uint16_t base = page == 8 ? 0x4000 : page == 4 ? 0x8000 : 0xC000;
    std::vector<uint8_t> data(s.ram.begin() + (base - 0x4000), s.ram.begin() + (base - 0x4000) + 0x4000);
    if (page == 4) {  // stored raw
      file.insert(file.end(), {0xFF, 0xFF, page});
      file.insert(file.end(), data.begin(), data.end());
    } else {
      const std::vector<uint8_t> packed = z80_compress(data);
      file.insert(file.end(), {static_cast<uint8_t>(packed.size() & 0xFF),
                               static_cast<uint8_t>(packed.size() >> 8), page});
      file.insert(file.end(), packed.begin(), packed.end());
    }
  }
  return file;
}

TEST(ZxSnapshot, ReadsVersion3Pages) {
  const Zx48State s = sample_state();
  expect_same_state(decode_z80_snapshot(version3(s, 0, {8, 4, 5}), "v3.z80"), s);
  EXPECT_THROW(decode_z80_snapshot(version3(s, 4, {8, 4, 5}), "128.z80"), Error);  // a 128K
  EXPECT_THROW(decode_z80_snapshot(version3(s, 0, {8, 5}), "v3.z80"), Error);      // page 4 missing
  std::vector<uint8_t> cut = version3(s, 0, {8, 4, 5});
  cut.resize(cut.size() - 100);
  EXPECT_THROW(decode_z80_snapshot(cut, "v3.z80"), Error);
  EXPECT_THROW(decode_z80_snapshot(std::vector<uint8_t>(20, 0), "tiny.z80"), Error);
}

TEST(ZxSnapshot, FuseUtilsReadOurSnapshot) {
  test::TempDir dir;
  write_file_atomic(dir.file("s.z80"), as_text(encode_z80_snapshot(sample_state())));
  int code = -1;
  const auto dump = tool_output("snapdump", "'" + dir.file("s.z80") + "'", &code);
  if (!dump) GTEST_SKIP() << "snapdump (fuse-emulator-utils) is not installed";
  EXPECT_EQ(code, 0) << *dump;
  EXPECT_NE(dump->find("Spectrum 48K"), std::string::npos) << *dump;
  EXPECT_NE(dump->find("PC:  0x7000"), std::string::npos) << *dump;
  EXPECT_NE(dump->find("IY:  0x5C3A"), std::string::npos) << *dump;
}

// ------------------------------------------------------------------ memory map and state

TEST(ZxMemoryMap, SmallProgramsGoToTheTopOfRamUncontended) {
  const Zx48Placement p = place_zx48_program(4000);
  EXPECT_TRUE(p.problem.empty());
  EXPECT_EQ(p.origin, (kUdg - 4000) & 0xFF00);
  EXPECT_EQ(p.origin % 256, 0);
  EXPECT_LE(p.end, kUdg);
  EXPECT_EQ(p.contended_bytes, 0u);
}

TEST(ZxMemoryMap, TheLargestProgramStartsAtTheLowestOriginAndIsRefusedByteExactlyBeyond) {
  const uint32_t room = kUdg - kLowestOrigin;
  const Zx48Placement fits = place_zx48_program(room);
  EXPECT_TRUE(fits.problem.empty());
  EXPECT_EQ(fits.origin, kLowestOrigin);
  EXPECT_EQ(fits.contended_bytes, 0x8000u - kLowestOrigin);
  const Zx48Placement too_big = place_zx48_program(room + 1);
  EXPECT_NE(too_big.problem.find(fmt::format("needs {} bytes", room + 1)), std::string::npos)
      << too_big.problem;
  EXPECT_NE(too_big.problem.find(": 1 bytes too many"), std::string::npos) << too_big.problem;
}

TEST(ZxMachineState, LoaderStateHasTheSystemVariablesTheRomNeeds) {
  const std::vector<uint8_t> loader = autorun_loader({.clear = 0x61FF, .usr = 0x7000});
  const Zx48State s =
      loader_state({.program = loader, .ramtop = 0x61FF, .usr_return = 0x1111, .error_return = 0x2222});
  EXPECT_EQ(s.iy, 0x5C3A);
  EXPECT_EQ(s.interrupt_mode, 1);
  EXPECT_TRUE(s.iff1);
  EXPECT_EQ(s.word(kProgVar), kProg);
  EXPECT_EQ(std::vector<uint8_t>(s.ram.begin() + (kProg - kScreen),
                                 s.ram.begin() + (kProg - kScreen) + loader.size()),
            loader);
  const uint16_t vars = s.word(kVars);
  EXPECT_EQ(vars, kProg + loader.size());
  EXPECT_EQ(s.byte(vars), 0x80);
  EXPECT_EQ(s.word(kELine), vars + 1);
  EXPECT_EQ(s.word(kRamtop), 0x61FF);
  EXPECT_EQ(s.word(kPRamt), 0xFFFF);
  EXPECT_EQ(s.word(kChansVar), kChans);
  const auto channels = sinclair_initial_channels();
  EXPECT_EQ(std::vector<uint8_t>(s.ram.begin() + (kChans - kScreen), s.ram.begin() + (kChans - kScreen) + 21),
            std::vector<uint8_t>(channels.begin(), channels.end()));
  EXPECT_EQ(s.byte(kErrNr), 0xFF);
  EXPECT_EQ(s.byte(kAttributes), 0x38);
  // The stack frame below RAMTOP.
  EXPECT_EQ(s.sp, 0x61FF - 5);
  EXPECT_EQ(s.word(s.sp), 0x1111);
  EXPECT_EQ(s.word(kErrSp), 0x61FF - 3);
  EXPECT_EQ(s.word(s.word(kErrSp)), 0x2222);
  EXPECT_EQ(s.word(0x61FF - 1), 0x3E00);
  // The longest loader (5-digit numbers) leaves BASIC its room below kLowestOrigin; a RAMTOP
  // just above the loader is refused.
  EXPECT_NO_THROW(loader_state({.program = autorun_loader({.clear = 65535, .usr = 65535}),
                                .ramtop = static_cast<uint16_t>(kLowestOrigin - 1)}));
  EXPECT_THROW(loader_state({.program = loader, .ramtop = static_cast<uint16_t>(kProg + loader.size() + 20)}),
               Error);
}

// ------------------------------------------------------------------ screen

std::vector<uint8_t> test_font() {
  std::vector<uint8_t> font(kFontBytes, 0);
  uint64_t seed = 77;
  for (size_t c = 1; c < 96; ++c)  // glyph 0 (space) stays blank
    for (size_t k = 0; k < 8; ++k) font[c * 8 + k] = static_cast<uint8_t>(splitmix64(seed));
  return font;
}

void draw(std::vector<uint8_t>& screen, const std::vector<uint8_t>& font, size_t row, size_t column, char c,
          bool inverse = false) {
  for (uint32_t k = 0; k < 8; ++k) {
    const uint32_t y = static_cast<uint32_t>(row * 8 + k);
    const size_t at = ((y & 0xC0) << 5) | ((y & 7) << 8) | ((y & 0x38) << 2) | column;
    const uint8_t glyph = font[static_cast<size_t>(c - 0x20) * 8 + k];
    screen[at] = inverse ? static_cast<uint8_t>(~glyph) : glyph;
  }
}

TEST(ZxScreen, TextIsReadBackCellByCell) {
  const std::vector<uint8_t> font = test_font();
  std::vector<uint8_t> screen(kScreenMemoryBytes, 0);
  const std::string hello = "> HELLO";
  for (size_t i = 0; i < hello.size(); ++i) draw(screen, font, 0, i, hello[i]);
  draw(screen, font, 23, 31, 'Z');
  draw(screen, font, 12, 3, 'Q', /*inverse=*/true);
  const uint32_t row13 = 13 * 8;
  screen[((row13 & 0xC0) << 5) | ((row13 & 0x38) << 2)] = 0x81;  // an unknown cell at row 13, column 0
  const std::vector<std::string> lines = screen_text(screen, font);
  ASSERT_EQ(lines.size(), 24u);
  EXPECT_EQ(lines[0], "> HELLO");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[12], "   Q");
  EXPECT_EQ(lines[13], "?");
  EXPECT_EQ(lines[23], std::string(31, ' ') + "Z");
}

TEST(ZxScreen, PngHasTheScreensPixelsInThePalette) {
  std::vector<uint8_t> screen(kScreenMemoryBytes, 0);
  screen[0] = 0x80;                // top-left pixel set
  screen[6144] = 0x01 | (6 << 3);  // cell 0: blue ink on yellow paper
  screen[6144 + 1] = 0x40 | 2;     // cell 1: bright, ink red, paper black
  screen[1] = 0xFF;
  const std::vector<uint8_t> png = screen_png(screen);
  ASSERT_GT(png.size(), 8u + 25 + 12);
  EXPECT_EQ(std::vector<uint8_t>(png.begin(), png.begin() + 8),
            (std::vector<uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}));
  // IDAT starts after the signature (8) and IHDR (4 + 4 + 13 + 4).
  const size_t idat = 8 + 25;
  const uint32_t length = (png[idat] << 24) | (png[idat + 1] << 16) | (png[idat + 2] << 8) | png[idat + 3];
  ASSERT_EQ(std::string(png.begin() + idat + 4, png.begin() + idat + 8), "IDAT");
  std::vector<uint8_t> raw(192 * (1 + 256 * 3));
  uLongf raw_size = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &raw_size, png.data() + idat + 8, length), Z_OK);
  ASSERT_EQ(raw_size, raw.size());
  auto pixel = [&](size_t x, size_t y) {
    const uint8_t* p = &raw[y * (1 + 256 * 3) + 1 + x * 3];
    return std::vector<uint8_t>{p[0], p[1], p[2]};
  };
  EXPECT_EQ(pixel(0, 0), (std::vector<uint8_t>{0, 0, 0xD7}));     // ink: blue
  EXPECT_EQ(pixel(1, 0), (std::vector<uint8_t>{0xD7, 0xD7, 0}));  // paper: yellow
  EXPECT_EQ(pixel(8, 0), (std::vector<uint8_t>{0xFF, 0, 0}));     // bright red ink
  EXPECT_EQ(pixel(8, 1), (std::vector<uint8_t>{0, 0, 0}));        // black paper (row 1 is blank)
  EXPECT_THROW(screen_png(std::vector<uint8_t>(100, 0)), Error);
}

}  // namespace
}  // namespace z80lm::zx
