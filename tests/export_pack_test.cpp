// export_pack_test.cpp — the compact engine's packed format, the CP/M memory map and the asm text
// helpers, on the host (no emulator).
#include <gtest/gtest.h>

#include "export_test_support.h"
#include "z80/asm_part.h"
#include "z80/cpm_memory_map.h"
#include "z80/engine_compact.h"

namespace z80lm {
namespace {

TEST(CompactPack, CodesAreTwoBitsWithZeroAsZero) {
  EXPECT_EQ(z80::compact_code(0), 0b00);
  EXPECT_EQ(z80::compact_code(1), 0b01);
  EXPECT_EQ(z80::compact_code(-1), 0b10);
  EXPECT_EQ(z80::compact_code(-2), 0b11);
}

TEST(CompactPack, GoldenBytesOfASmallLayer) {
  // 5 outputs x 2 inputs: columns of 2 bytes, 3 leading empty slots.
  Layer l;
  l.n_in = 2;
  l.n_out = 5;
  l.w = {1,  0,    // output 0
         -1, 0,    // output 1
         -2, 1,    // output 2
         0,  -1,   // output 3
         1,  -2};  // output 4
  l.b.assign(5, 0);
  // Column 0: slots 0..7 = _,_,_,+1,-1,-2,0,+1 -> 00 00 00 01 | 10 11 00 01
  // Column 1: slots 0..7 = _,_,_,0,0,+1,-1,-2  -> 00 00 00 00 | 00 01 10 11
  EXPECT_EQ(z80::pack_compact_columns(l), (std::vector<uint8_t>{0x01, 0xB1, 0x00, 0x1B}));
}

TEST(CompactPack, RoundTripsEveryWidth) {
  for (int n_out : {1, 2, 3, 4, 5, 37, 40, 255, 256}) {
    Layer l;
    l.n_in = kInputSizeV1;
    l.n_out = n_out;
    l.w.resize(static_cast<size_t>(kInputSizeV1) * n_out);
    export_testing::Rng rng(static_cast<uint64_t>(n_out));
    export_testing::draw_weights(l, {10, 20, 20}, rng);
    std::vector<uint8_t> packed = z80::pack_compact_columns(l);
    ASSERT_EQ(packed.size(), static_cast<size_t>(l.n_in) * static_cast<size_t>((n_out + 3) / 4)) << n_out;
    for (int o = 0; o < n_out; ++o)
      for (int i = 0; i < l.n_in; ++i)
        ASSERT_EQ(z80::compact_weight(packed, n_out, o, i), l.w[static_cast<size_t>(o) * l.n_in + i])
            << "n_out " << n_out << " o " << o << " i " << i;
  }
}

TEST(CpmMemoryMap, UnalignedBuffersFillTheGapThenPagesThenStack) {
  z80::CpmMemoryMap map = z80::plan_cpm_memory(
      0x1234, {{"VEC", 512, true, "a vector"}, {"SMALL", 8, false, "bytes"}, {"VEC2", 512, true, "another"}});
  EXPECT_EQ(map.image_end, 0x1334u);
  ASSERT_EQ(map.buffers.size(), 3u);
  EXPECT_EQ(map.buffers[0].block.label, "SMALL");
  EXPECT_EQ(map.buffers[0].address, 0x1334u);
  EXPECT_EQ(map.buffers[1].block.label, "VEC");
  EXPECT_EQ(map.buffers[1].address, 0x1400u);
  EXPECT_EQ(map.buffers[2].address, 0x1600u);
  EXPECT_EQ(map.stack_bottom, 0x1800u);
  EXPECT_EQ(map.stack_top, 0x1800u + z80::kStackBytes);
  EXPECT_EQ(z80::cpm_memory_problem(map, 0x1880), "");
  EXPECT_EQ(
      z80::cpm_memory_problem(map, 0x187F),
      "the program needs memory up to 1880h (4660 bytes of image + 1228 bytes of buffers + 128 bytes of "
      "stack from 0100h) but the TPA may end at 187Fh (1 bytes short)");
  const std::string equs = z80::cpm_memory_equs(map);
  EXPECT_NE(equs.find("VEC             EQU  01400h"), std::string::npos) << equs;
  EXPECT_NE(equs.find("STACK_TOP       EQU  01880h"), std::string::npos) << equs;
}

TEST(AsmText, LiteralsAndDataLines) {
  EXPECT_EQ(z80::hex8(0xA3), "0A3h");
  EXPECT_EQ(z80::hex16(0x0100), "00100h");
  const uint8_t bytes[] = {1, 2, 0xFF};
  EXPECT_EQ(z80::db_lines(bytes, "TBL", 2), "TBL:    DB   001h,002h\n        DB   0FFh\n");
  EXPECT_EQ(z80::db_text(std::string("Hi, \"you\";\r\n$", 13)),
            "        DB   \"Hi\",02Ch,\" \",022h,\"you\",022h,03Bh,00Dh,00Ah,024h\n");
  EXPECT_EQ(z80::db_text(std::string("AB\0", 3)), "        DB   \"AB\",000h\n");
}

}  // namespace
}  // namespace z80lm
