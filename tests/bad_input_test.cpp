// What z80lm promises on bad input (docs/bad-input.md), for the readers and messages of
// issue 14 items 9 and 11: untrusted bytes are escaped, and every unclear error is clear.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "data/ascii_text.h"
#include "data/template.h"
#include "emu/z80_cpu.h"
#include "emu_test_support.h"
#include "model/model_file.h"
#include "test_models.h"
#include "test_support.h"
#include "text/pairs.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/printable.h"
#include "zx/tap_file.h"

namespace z80lm {
namespace {

using test::run_cli;
using test::TempDir;
using test::write_text;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Printable, EscapesEveryByteOutsidePrintableAscii) {
  EXPECT_EQ(printable("plain text 123 {}"), "plain text 123 {}");
  EXPECT_EQ(printable(std::string("a\x1b[2Jb\0c\x7f\xff\\", 11)), "a\\x1b[2Jb\\x00c\\x7f\\xff\\\\");
  EXPECT_EQ(printable("abcdef", 3), "abc... (6 bytes)");
  EXPECT_TRUE(is_printable("ok"));
  EXPECT_FALSE(is_printable("\x1b"));
}

// Issue 14 item 9: LLM server replies were printed with their ESC bytes.
TEST(Printable, LlmReplyExcerptsAreEscaped) {
  EXPECT_EQ(one_line_excerpt("\x1b]0;title\x07 hi\nthere", 100), "\\x1b]0;title\\x07 hi there");
}

// Issue 14 item 9: .TAP header names reached `run` messages raw.
TEST(Printable, TapHeaderNamesAreEscaped) {
  zx::TapeHeader h;
  h.type = zx::TapeFileType::kCode;
  h.name = "\x1b[31mRED";
  h.data_length = 3;
  h.param1 = 0x8000;
  const std::string text = zx::describe_tape_header(h);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("\\x1b[31mRED"), std::string::npos) << text;
}

std::string model_with_provenance(const std::string& provenance) {
  Model m = test::random_model(1, {4}, "AB");
  m.provenance = "{}";
  std::string bytes = serialize_model(m);
  // Replace the two provenance bytes "{}" (size field before them) and fix the CRC.
  const size_t at = bytes.find("{}");
  uint32_t size = static_cast<uint32_t>(provenance.size());
  bytes.replace(at - 4, 6, std::string(reinterpret_cast<const char*>(&size), 4) + provenance);
  bytes.resize(bytes.size() - 4);
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  return bytes;
}

// Issue 14 item 9: a NUL in the provenance let raw bytes past the JSON check into `info`.
TEST(ModelFileHostile, ProvenanceWithNulRefused) {
  const std::string bytes = model_with_provenance(std::string("{}\0\x1b[2J", 7));
  const std::string e = error_of([&] { parse_model(bytes, "m.zlm"); });
  EXPECT_NE(e.find("provenance contains a NUL byte"), std::string::npos) << e;
  EXPECT_EQ(parse_model(model_with_provenance(R"({"note":"ok"})"), "m.zlm").provenance, R"({"note":"ok"})");
}

// Issue 14 item 11: provenance that is JSON but not an object was accepted.
TEST(ModelFileHostile, NonObjectProvenanceRefused) {
  for (const char* p : {"[1,2]", "\"text\"", "42", "null"}) {
    const std::string e = error_of([&] { parse_model(model_with_provenance(p), "m.zlm"); });
    EXPECT_NE(e.find("provenance is JSON but not an object"), std::string::npos) << p << ": " << e;
  }
}

TEST(ModelFileHostile, InfoEscapesProvenance) {
  Model m = test::random_model(1, {4}, "AB");
  m.provenance = R"({"note":"\u001b[2J"})";  // a JSON escape: harmless text, and stays so
  EXPECT_EQ(describe_model(m).find('\x1b'), std::string::npos);
  m.provenance =
      "{\"note\":\"\xc2\x9b"
      "2J\"}";  // U+009B (8-bit CSI) as UTF-8
  const std::string d = describe_model(m);
  EXPECT_EQ(d.find('\x9b'), std::string::npos) << d;
  EXPECT_NE(d.find("\\xc2\\x9b2J"), std::string::npos) << d;
}

// Issue 14 item 11: a directory given as data said "basic_filebuf::underflow".
TEST(FileIoHostile, DirectoryGivenAsDataIsNamed) {
  TempDir dir;
  const std::string e = error_of([&] { load_pairs({dir.path.string()}); });
  EXPECT_NE(e.find(dir.path.string() + ": is a directory, not a file"), std::string::npos) << e;
  auto r = run_cli("train '" + dir.path.string() + "' -o '" + dir.file("m.zlm") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out.find("underflow"), std::string::npos) << r.out;
}

// Issue 14 item 11: a UTF-8 BOM silently became part of the first query.
TEST(PairsHostile, Utf8BomOnFirstLineIsDropped) {
  const PairSet set = parse_pairs("\xEF\xBB\xBFhello there|HI\nbye|BYE\n", "d.txt");
  ASSERT_EQ(set.pairs.size(), 2u);
  EXPECT_EQ(set.pairs[0].query, "hello there");
  EXPECT_TRUE(set.issues.empty());
}

// Issue 14 item 11: a query cut from 1 MB to 60 bytes was not reported.
TEST(PairsHostile, QueryCutIsReported) {
  const PairSet set = parse_pairs(std::string(100, 'a') + "|OK\n", "d.txt");
  ASSERT_EQ(set.pairs.size(), 1u);
  ASSERT_EQ(set.cuts.size(), 1u);
  EXPECT_EQ(set.cuts[0].line, 1);
  EXPECT_EQ(set.cuts[0].message, "query cut from 100 to 60 bytes");
  TempDir dir;
  write_text(dir.file("d.txt"),
             std::string(1 << 20, 'a') + "|OK\n" + std::string(70, 'b') + "|OK\nfine|OK\n");
  auto r = run_cli("data analyze '" + dir.file("d.txt") + "'");
  EXPECT_NE(
      r.out.find("d.txt:1: warning: line of 1048579 bytes is longer than the 4096 a data line may have"),
      std::string::npos)
      << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("d.txt:2: note: query cut from 70 to 60 bytes"), std::string::npos)
      << r.out.substr(0, 2000);
}

// Issue 14 item 9: the CP/M console echoed input bytes >= 80h as '^' + (c + 40h) mod 256, which
// printed raw control bytes (0xC0 -> NUL, 0xDB -> ESC) and 8-bit bytes.
TEST(CpmConsoleHostile, HighBytesEchoSafely) {
  const auto run = emu::testing::run_cpm(emu::testing::kEchoProgram, "\xC0\xDB\x9B\xE1\xFF\n\n");
  const std::string echo = run.raw.substr(0, run.raw.find("\r\n", 4));
  for (char c : echo) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE((b >= 0x20 && b < 0x7F) || b == '\r' || b == '\n') << "raw byte " << int(b) << " echoed";
  }
  EXPECT_NE(run.raw.find("^@^[^[^a^?"), std::string::npos) << printable(run.raw);
}

// Found by fuzz_template's first design review: a pattern nesting `(` 100,000 deep overflowed
// the stack of the recursive-descent parser. Nesting is now bounded (limits::kTemplateNesting).
TEST(TemplateHostile, DeepNestingDoesNotOverflowTheStack) {
  const std::string e = error_of([] {
    parse_template("[answer YES]\n" + std::string(100000, '(') + "a" + std::string(100000, ')') + "\n",
                   "t.facts");
  });
  EXPECT_NE(e.find("nested more than"), std::string::npos) << e;
}

// Found by fuzz_tap and fuzz_z80 (timeouts on their seeds): Z80Cpu::set_trap searched the
// whole handler table for a free slot, so the 16K ROM traps of every Spectrum load took
// quadratic time (seconds under the sanitizers). Setting 65535 traps must now be quick.
TEST(ZxMachineHostile, SettingManyTrapsIsLinear) {
  emu::Z80Cpu cpu;
  const auto start = std::chrono::steady_clock::now();
  for (uint32_t a = 0; a < 0xFFFF; ++a)  // the table holds at most 65535 traps (16-bit slots)
    cpu.set_trap(static_cast<uint16_t>(a), [](emu::Z80Cpu&) { return emu::TrapOutcome::kStop; });
  for (uint32_t a = 0; a < 0xFFFF; a += 2) cpu.clear_trap(static_cast<uint16_t>(a));
  for (uint32_t a = 0; a < 0xFFFF; a += 2)
    cpu.set_trap(static_cast<uint16_t>(a), [](emu::Z80Cpu&) { return emu::TrapOutcome::kStop; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);
  EXPECT_TRUE(cpu.has_trap(0) && cpu.has_trap(0xFFFE));
}

// Issue 14 item 11: `run DIR` exited 105 (CLI11's code) instead of the documented 1.
TEST(RunCliHostile, DirectoryAsProgramExitsOne) {
  TempDir dir;
  auto r = run_cli("run '" + dir.path.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("directory"), std::string::npos) << r.out;
}

// Issue 14 item 11: `--max-tstates -1` wrapped to "no limit".
TEST(RunCliHostile, NegativeMaxTstatesRefused) {
  TempDir dir;
  write_text(dir.file("X.COM"), std::string("\xC3\x00\x01", 3));  // JP 0100h forever
  auto r = run_cli("run --max-tstates -1 '" + dir.file("X.COM") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("--max-tstates"), std::string::npos) << r.out;
}

// Issue 14 item 11: `run X.COM some query` left the shell prompt glued to the answer.
TEST(RunCliHostile, OneShotAnswerEndsWithALineEnd) {
  TempDir dir;
  const auto com =
      emu::testing::assemble_com(" org 100h\n ld c,9\n ld de,msg\n call 5\n ret\nmsg: db 'HI$'\n");
  write_text(dir.file("X.COM"), std::string(com.begin(), com.end()));
  auto r = run_cli("run '" + dir.file("X.COM") + "' some query");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "HI\n");
  r = run_cli("run '" + dir.file("X.COM") + "'");  // not one-shot, not a terminal: bytes as printed
  EXPECT_EQ(r.out, "HI");
}

// Issue 14 item 11: a charset mismatch on resume printed two identical data hashes.
TEST(TrainCliHostile, CharsetMismatchOnResumeNamesTheCharsets) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 12; ++i) data += "question " + std::to_string(i) + (i % 2 ? "|YES\n" : "|NO\n");
  write_text(dir.file("d.txt"), data);
  auto r = run_cli("train '" + dir.file("d.txt") + "' -o '" + dir.file("m.zlm") +
                   "' --epochs 1 --hidden 8 --batch 4 --threads 1 --progress lines");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string ckpt = read_file(dir.file("m.zlm.ckpt"));
  uint32_t size;
  std::memcpy(&size, ckpt.data() + 10, 4);
  nlohmann::json h = nlohmann::json::parse(ckpt.substr(14, size));
  h["charset"][1] = static_cast<int>('Z');  // same length, other symbol
  const std::string header = h.dump();
  std::string out = ckpt.substr(0, 10);
  const auto n = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  out += header + ckpt.substr(14 + size, ckpt.size() - 14 - size - 4);
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  out.append(reinterpret_cast<const char*>(&crc), 4);
  write_file_atomic(dir.file("m.zlm.ckpt"), out);
  r = run_cli("train '" + dir.file("d.txt") + "' -o '" + dir.file("m.zlm") +
              "' --resume --epochs 2 --progress lines");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the checkpoint's charset"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("trained on other data"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace z80lm
