// Tests for the pasmo wrapper: bytes, origin, symbols, listing and error reporting.
#include <gtest/gtest.h>

#include "util/error.h"
#include "z80/pasmo.h"

namespace z80lm::z80 {
namespace {

TEST(Pasmo, AssemblesBytesOriginAndSymbols) {
  const AssembleResult r = assemble(R"(
        org 100h
BDOS    equ 5
start:  ld c,9
        ld de,msg
        call BDOS
        ret
msg:    db "hi$"
)");
  const std::vector<uint8_t> expected = {0x0E, 0x09, 0x11, 0x09, 0x01, 0xCD, 0x05, 0x00, 0xC9, 'h', 'i', '$'};
  EXPECT_EQ(r.binary, expected);
  EXPECT_EQ(r.origin, 0x0100);
  EXPECT_EQ(r.symbols.at("start"), 0x0100);
  EXPECT_EQ(r.symbols.at("msg"), 0x0109);
  EXPECT_EQ(r.symbols.at("BDOS"), 0x0005);
  EXPECT_TRUE(r.listing.empty());
}

TEST(Pasmo, ListingWhenRequested) {
  const AssembleResult r = assemble(" org 100h\nstart: ld a,1\n ret\n", {.want_listing = true});
  EXPECT_NE(r.listing.find("0100:3E01"), std::string::npos) << r.listing;
}

TEST(Pasmo, DefinesAreVisibleToTheSource) {
  const AssembleResult r = assemble(" org 200h\n db VALUE\n", {.defines = {"VALUE=42"}});
  EXPECT_EQ(r.origin, 0x0200);
  EXPECT_EQ(r.binary, std::vector<uint8_t>{42});
}

TEST(Pasmo, ErrorNamesSourceLineAndText) {
  try {
    assemble(" org 100h\n ld a,1\n jp nowhere\n", {.source_name = "chat.asm"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "assembly failed: chat.asm line 3: Symbol 'nowhere' is undefined: `jp nowhere`");
    EXPECT_FALSE(e.hint().empty());
  }
  try {
    assemble(" org 100h\n ld q,1\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "assembly failed: source.asm line 2: Invalid operand: `ld q,1`");
  }
}

TEST(Pasmo, ParsesSymbolFiles) {
  const auto symbols = parse_pasmo_symbols("CONST\t\tEQU 01234H\nmsg\t\tEQU 00109H\n\nz EQU 0FFFFH\n");
  ASSERT_EQ(symbols.size(), 3u);
  EXPECT_EQ(symbols.at("CONST"), 0x1234);
  EXPECT_EQ(symbols.at("msg"), 0x0109);
  EXPECT_EQ(symbols.at("z"), 0xFFFF);
  try {
    parse_pasmo_symbols("a EQU 1H\nnot a symbol line\n", "x.sym");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x.sym: line 2: not a pasmo symbol line (NAME EQU 0ABCDH): `not a symbol line`");
  }
  EXPECT_THROW(parse_pasmo_symbols("big EQU 10000H\n"), Error);
}

}  // namespace
}  // namespace z80lm::z80
