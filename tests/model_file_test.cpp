// The .zlm model file: round trip, and every kind of damage refused with a one-line error.
#include "model/model_file.h"

#include <zlib.h>

#include <cstring>

#include "test_models.h"
#include "test_support.h"
#include "util/error.h"

namespace z80lm {
using namespace z80lm::test;

namespace {
Model small_model() {
  return random_model(7, {12, 6}, "ABC");
}

std::string error_of(std::string_view bytes) {
  try {
    parse_model(bytes, "m.zlm");
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST(ModelFile, RoundTripIsExact) {
  Model m = small_model();
  std::string bytes = serialize_model(m);
  Model back = parse_model(bytes, "m.zlm");
  EXPECT_EQ(serialize_model(back), bytes);
  EXPECT_EQ(back.charset, m.charset);
  EXPECT_EQ(back.layers[1].w, m.layers[1].w);
  EXPECT_EQ(back.layers[2].b, m.layers[2].b);
  EXPECT_EQ(back.provenance, m.provenance);
}

TEST(ModelFile, SaveIsAtomicAndLoadReadsIt) {
  TempDir dir;
  save_model(dir.file("m.zlm"), small_model());
  EXPECT_EQ(serialize_model(load_model(dir.file("m.zlm"))), serialize_model(small_model()));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path))
    EXPECT_EQ(entry.path().filename(), "m.zlm");  // no temp file left behind
}

TEST(ModelFile, EveryTruncationIsRefusedWithByteOffset) {
  std::string bytes = serialize_model(small_model());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string e = error_of(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(e.empty()) << "truncated to " << n << " bytes was accepted";
    ASSERT_NE(e.find("m.zlm: byte "), std::string::npos) << e;
    ASSERT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(ModelFile, EverySingleBitFlipIsRefused) {
  std::string bytes = serialize_model(small_model());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      std::string e = error_of(damaged);
      ASSERT_FALSE(e.empty()) << "flip of bit " << bit << " at byte " << i << " was accepted";
      ASSERT_NE(e.find("m.zlm: byte "), std::string::npos) << e;
    }
  }
}

TEST(ModelFile, TrailingBytesRefused) {
  std::string e = error_of(serialize_model(small_model()) + "x");
  EXPECT_NE(e.find("1 unexpected bytes after the checksum"), std::string::npos) << e;
}

TEST(ModelFile, WrongMagicAndVersionExplained) {
  std::string bytes = serialize_model(small_model());
  std::string npz = bytes;
  std::memcpy(npz.data(), "PK\3\4", 4);
  EXPECT_NE(error_of(npz).find("bad magic"), std::string::npos);
  std::string v3 = bytes;
  v3[8] = 3;
  EXPECT_NE(error_of(v3).find("format version 3 is not supported"), std::string::npos);
}

TEST(ModelFile, EncodingV2RoundTripsAndIsRecorded) {
  Model m = random_model(3, {10}, "AB", Encoding::v2);
  ASSERT_EQ(model_problem(m), "");
  const std::string bytes = serialize_model(m);
  EXPECT_EQ(bytes[10], 2);  // the encoding field
  Model back = parse_model(bytes, "m.zlm");
  EXPECT_EQ(back.encoding, Encoding::v2);
  EXPECT_EQ(back.input_size(), 384);
  EXPECT_EQ(serialize_model(back), bytes);
}

// A version-1 file (z80lm 0.1: no encoding field) is the same bytes without offsets 10..11.
TEST(ModelFile, Version1FileLoadsAsEncodingV1) {
  const Model m = small_model();
  std::string bytes = serialize_model(m);
  bytes.erase(10, 2);
  bytes[8] = 1;
  bytes.resize(bytes.size() - 4);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>((crc >> (8 * i)) & 0xFF);
  Model back = parse_model(bytes, "old.zlm");
  EXPECT_EQ(back.encoding, Encoding::v1);
  EXPECT_EQ(back.layers[0].w, m.layers[0].w);
}

TEST(ModelFile, UnknownEncodingAndMismatchedInputSizeNamed) {
  std::string bytes = serialize_model(small_model());
  std::string unknown = bytes;
  unknown[10] = 7;
  EXPECT_NE(error_of(unknown).find("byte 10: query encoding 7 is not known"), std::string::npos)
      << error_of(unknown);
  std::string mismatch = bytes;
  mismatch[10] = 2;  // v2 needs 384 inputs, the file says 256
  EXPECT_NE(error_of(mismatch).find("input size 256 does not match encoding v2"), std::string::npos)
      << error_of(mismatch);
}

TEST(ModelFile, CodeOutOfRangeNamesItsOffsetEvenWithValidChecksum) {
  Model m = small_model();
  std::string bytes = serialize_model(m);
  size_t first_code = bytes.size() - 4 -
                      (m.parameter_count() * 1 + m.layers[0].b.size() + m.layers[1].b.size() +
                       m.layers[2].b.size());  // codes are 1 byte, biases 2
  bytes[first_code] = 5;
  std::string e = error_of(bytes);
  EXPECT_NE(e.find("byte " + std::to_string(first_code) + ": weight code 5"), std::string::npos) << e;
}

TEST(ModelFile, InvalidModelCannotBeSaved) {
  Model m = small_model();
  m.layers[0].w[3] = 2;
  EXPECT_THROW(serialize_model(m), Error);
}

}  // namespace z80lm
