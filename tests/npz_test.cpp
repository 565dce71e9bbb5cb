// Import of the original's numpy archives, including every malformed shape we can think of.
#include <fmt/core.h>
#include <zlib.h>

#include <sys/resource.h>

#include <algorithm>
#include <map>

#include "infer/reference.h"
#include "model/npz.h"
#include "test_models.h"
#include "test_support.h"
#include "util/error.h"

namespace z80lm {
using namespace z80lm::test;

namespace {

std::string npy(const std::string& descr, const std::string& shape, const std::string& data, int version = 1) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  uint32_t n = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < (version == 1 ? 2u : 4u); ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

void put(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// One member as it sits in the archive: packed bytes, method, CRC and declared size.
struct RawMember {
  std::string name, packed;
  uint16_t method = 0;
  uint32_t crc = 0, size = 0;
};

// A minimal ZIP writer: local headers, central directory, EOCD.
std::string zip_raw(const std::vector<RawMember>& members) {
  std::string out, central;
  for (const RawMember& m : members) {
    uint32_t offset = static_cast<uint32_t>(out.size());
    put(out, 0x04034b50, 4), put(out, 20, 2), put(out, 0, 2), put(out, m.method, 2), put(out, 0, 4);
    put(out, m.crc, 4), put(out, static_cast<uint32_t>(m.packed.size()), 4), put(out, m.size, 4);
    put(out, static_cast<uint32_t>(m.name.size()), 2), put(out, 0, 2);
    out += m.name + m.packed;
    put(central, 0x02014b50, 4), put(central, 20, 2), put(central, 20, 2), put(central, 0, 2);
    put(central, m.method, 2), put(central, 0, 4), put(central, m.crc, 4);
    put(central, static_cast<uint32_t>(m.packed.size()), 4), put(central, m.size, 4);
    put(central, static_cast<uint32_t>(m.name.size()), 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 2);
    put(central, 0, 2), put(central, 0, 4), put(central, offset, 4);
    central += m.name;
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  put(out, 0x06054b50, 4), put(out, 0, 2), put(out, 0, 2), put(out, static_cast<uint32_t>(members.size()), 2);
  put(out, static_cast<uint32_t>(members.size()), 2), put(out, static_cast<uint32_t>(central.size()), 4);
  put(out, cd_offset, 4), put(out, 0, 2);
  return out;
}

std::vector<RawMember> raw_members(const std::map<std::string, std::string>& members, bool use_deflate) {
  std::vector<RawMember> raw;
  for (const auto& [name, data] : members) {
    std::string packed = data;
    if (use_deflate) {
      z_stream zs{};
      deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      packed.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      zs.avail_in = static_cast<uInt>(data.size());
      zs.next_out = reinterpret_cast<Bytef*>(packed.data());
      zs.avail_out = static_cast<uInt>(packed.size());
      ::deflate(&zs, Z_FINISH);
      packed.resize(zs.total_out);
      deflateEnd(&zs);
    }
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    raw.push_back({name, packed, static_cast<uint16_t>(use_deflate ? 8 : 0), crc, static_cast<uint32_t>(data.size())});
  }
  return raw;
}

std::string zip(const std::map<std::string, std::string>& members, bool use_deflate) {
  return zip_raw(raw_members(members, use_deflate));
}

std::map<std::string, std::string> members_of(const Model& m, int npy_version = 1) {
  std::map<std::string, std::string> mem;
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& l = m.layers[k];
    std::string w(l.w.begin(), l.w.end()), b;
    for (int16_t v : l.b) put(b, static_cast<uint16_t>(v), 2);
    mem[fmt::format("fc{}_weight.npy", k + 1)] = npy("|i1", fmt::format("({}, {})", l.n_out, l.n_in), w, npy_version);
    mem[fmt::format("fc{}_bias.npy", k + 1)] = npy("<i2", fmt::format("({},)", l.n_out), b, npy_version);
  }
  mem["_charset.npy"] = npy(fmt::format("|S{}", m.charset.size()), "()", m.charset, npy_version);
  std::string hidden;
  for (int h : m.hidden_sizes()) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
  std::string arch = fmt::format(R"({{"input_size": 256, "hidden_sizes": [{}], "num_classes": {}}})", hidden,
                                 m.output_size());
  mem["_architecture.npy"] = npy(fmt::format("|S{}", arch.size()), "()", arch, npy_version);
  return mem;
}

std::string import_error(const std::string& bytes) {
  try {
    import_npz_bytes(bytes, "m.npz");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return {};
}

bool same_weights(const Model& a, const Model& b) {
  if (a.layers.size() != b.layers.size() || a.charset != b.charset) return false;
  for (size_t k = 0; k < a.layers.size(); ++k)
    if (a.layers[k].w != b.layers[k].w || a.layers[k].b != b.layers[k].b) return false;
  return true;
}

}  // namespace

TEST(Npz, StoredAndDeflatedMembersAndNpyV2Import) {
  Model m = random_model(3, {10, 9}, "HIYES");
  EXPECT_TRUE(same_weights(import_npz_bytes(zip(members_of(m), false), "m.npz"), m));
  EXPECT_TRUE(same_weights(import_npz_bytes(zip(members_of(m), true), "m.npz"), m));
  EXPECT_TRUE(same_weights(import_npz_bytes(zip(members_of(m, 2), true), "m.npz"), m));
}

TEST(Npz, LayerOrderIsNumericNotLexicographic) {
  // fc10 sorts before fc2 as a string; the original's builders mis-ordered such models.
  Model m = random_model(4, {9, 8, 7, 6, 5, 4, 3, 3, 3, 3}, "AB");
  ASSERT_EQ(m.layers.size(), 11u);
  Model back = import_npz_bytes(zip(members_of(m), false), "m.npz");
  EXPECT_TRUE(same_weights(back, m));
}

TEST(Npz, MissingMembersNamed) {
  Model m = random_model(5, {8}, "AB");
  auto mem = members_of(m);
  mem.erase("fc2_bias.npy");
  EXPECT_NE(import_error(zip(mem, false)).find("fc2_bias.npy is missing"), std::string::npos);
  mem = members_of(m);
  mem.erase("_charset.npy");
  EXPECT_NE(import_error(zip(mem, false)).find("_charset.npy is missing"), std::string::npos);
  mem = members_of(random_model(5, {8, 8}, "AB"));
  mem.erase("fc2_weight.npy"), mem.erase("fc2_bias.npy");
  EXPECT_NE(import_error(zip(mem, false)).find("layer fc2 is missing"), std::string::npos);
  EXPECT_NE(import_error(zip({{"x.npy", npy("<i2", "(1,)", "ab")}}, false)).find("no fcN_weight"), std::string::npos);
}

TEST(Npz, MistypedMembersNamed) {
  Model m = random_model(6, {8}, "AB");
  auto mem = members_of(m);
  mem["fc1_bias.npy"] = npy("<f4", "(8,)", std::string(32, '\0'));
  EXPECT_NE(import_error(zip(mem, false)).find("dtype '<f4' is not supported"), std::string::npos);
  mem = members_of(m);
  mem["fc1_bias.npy"] = npy("|i1", "(8,)", std::string(8, '\0'));
  EXPECT_NE(import_error(zip(mem, false)).find("fc1_bias.npy must be a 1-d int16"), std::string::npos);
  mem = members_of(m);
  mem["fc1_weight.npy"] = npy("|i1", "(8, 256)", std::string(100, '\0'));
  EXPECT_NE(import_error(zip(mem, false)).find("data bytes"), std::string::npos);
  mem = members_of(m);
  std::string w(8 * 256, '\0');
  w[5] = 3;  // not a 2-bit code
  mem["fc1_weight.npy"] = npy("|i1", "(8, 256)", w);
  EXPECT_NE(import_error(zip(mem, false)).find("is 3, expected -2..+1"), std::string::npos);
}

TEST(Npz, ArchitectureMismatchRefused) {
  Model m = random_model(6, {8}, "AB");
  auto mem = members_of(m);
  std::string arch = R"({"input_size": 256, "hidden_sizes": [9], "num_classes": 3})";
  mem["_architecture.npy"] = npy(fmt::format("|S{}", arch.size()), "()", arch);
  EXPECT_NE(import_error(zip(mem, false)).find("hidden sizes [9]"), std::string::npos);
}

TEST(Npz, TruncatedAndGarbageArchivesRefused) {
  std::string good = zip(members_of(random_model(8, {8}, "AB")), true);
  for (size_t n : {size_t{0}, size_t{10}, good.size() / 2, good.size() - 1}) EXPECT_FALSE(import_error(good.substr(0, n)).empty()) << n;
  std::string garbage(5000, '\0');
  uint64_t s = 1;
  for (char& c : garbage) c = static_cast<char>(splitmix64(s));
  EXPECT_NE(import_error(garbage).find("not a ZIP archive"), std::string::npos);
  std::string flipped = good;
  size_t inside = good.find("fc1_weight.npy") + 14 + 20;  // inside that member's deflated data
  flipped[inside] = static_cast<char>(flipped[inside] ^ 0x10);
  EXPECT_FALSE(import_error(flipped).empty());
}

// Issue 14 item 1: a 30,000-byte .npy header crashed import with a stack overflow (std::regex
// recursed once per byte). Now a hand parser refuses it with a located error.
TEST(Npz, LongNpyHeaderDoesNotOverflowTheStack) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  std::string huge = "{'descr': '|S3', 'fortran_order': False, 'shape': (), " + std::string(30000, ' ') + "}";
  std::string v1 = "\x93NUMPY";
  v1 += '\x01';
  v1 += '\0';
  put(v1, static_cast<uint32_t>(huge.size()), 2);
  mem["_charset.npy"] = v1 + huge + std::string("AB\0", 3);
  const std::string e = import_error(zip(mem, true));
  EXPECT_NE(e.find("_charset.npy: byte 8: .npy header of 30055 bytes is longer than the 10000 allowed"), std::string::npos) << e;
  // A header just under the limit, mostly spaces, still parses.
  std::string padded = "{'descr': '|S3', 'fortran_order': False, 'shape': (), " + std::string(9000, ' ') + "}\n";
  std::string ok = "\x93NUMPY\x01";
  ok += '\0';
  put(ok, static_cast<uint32_t>(padded.size()), 2);
  mem["_charset.npy"] = ok + padded + std::string("AB\0", 3);
  EXPECT_EQ(import_error(zip(mem, true)), "");
}

TEST(Npz, NpyHeaderSyntaxErrorsAreLocated) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  auto with_header = [&](const std::string& header) {
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    put(out, static_cast<uint32_t>(header.size()), 2);
    mem["_charset.npy"] = out + header + std::string("AB\0", 3);
    return import_error(zip(mem, false));
  };
  EXPECT_NE(with_header("{'descr': '|S3' 'shape': ()}").find("_charset.npy: .npy header byte 26: expected ',' or '}'"),
            std::string::npos)
      << with_header("{'descr': '|S3' 'shape': ()}");
  EXPECT_NE(with_header("{'descr': '|S3', 'shape': (), 'x': 1}").find("unexpected or repeated key 'x'"), std::string::npos);
  EXPECT_NE(with_header("{'descr': '|S3', 'shape': (1,2,3,4,5,6,7,8,9)}").find("more than 8 dimensions"), std::string::npos);
  EXPECT_NE(with_header("{'descr': '|S3', 'shape': ()").find("expected ',' or '}'"), std::string::npos);
}

// Issue 14 item 11: bare `stoull` / `stoi` errors for a bytes dtype without a size, a 23-digit
// dimension, a huge layer number; a shape whose element count overflows imported as a layer.
TEST(Npz, UnparseableNumbersInMembersAreNamed) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  auto charset_backup = mem["_charset.npy"];
  mem["_charset.npy"] = npy("|Sx", "()", std::string("AB\0", 3));
  std::string e = import_error(zip(mem, false));
  EXPECT_NE(e.find("_charset.npy: dtype '|Sx' is not a bytes type of 1..65536 bytes"), std::string::npos) << e;
  mem["_charset.npy"] = charset_backup;
  mem["fc1_bias.npy"] = npy("<i2", "(12345678901234567890123,)", "");
  e = import_error(zip(mem, false));
  EXPECT_NE(e.find("fc1_bias.npy: .npy header byte"), std::string::npos) << e;
  EXPECT_NE(e.find("dimension 12345678901234567890123 is too large"), std::string::npos) << e;
  auto mem2 = members_of(random_model(4, {8}, "AB"));
  mem2["fc99999999999999999999_weight.npy"] = npy("|i1", "(1, 1)", "a");
  e = import_error(zip(mem2, false));
  EXPECT_NE(e.find("member fc99999999999999999999_weight.npy: layer number 99999999999999999999 is not in 1..16"),
            std::string::npos)
      << e;
}

TEST(Npz, OverflowingShapeProductRefused) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  // 2^32 * 2^32 wraps to 0 in 64 bits: with no data bytes it used to pass the size check.
  mem["fc1_weight.npy"] = npy("|i1", "(4294967296, 4294967296)", "");
  std::string e = import_error(zip(mem, false));
  EXPECT_NE(e.find("fc1_weight.npy: shape (4294967296,4294967296,) has more elements than"), std::string::npos) << e;
  mem["fc1_weight.npy"] = npy("|i1", "(4097, 256)", std::string(4097 * 256, '\0'));
  e = import_error(zip(mem, false));
  EXPECT_NE(e.find("has shape (4097,256,); a layer has at most 4096 inputs and outputs"), std::string::npos) << e;
}

// Issue 14 item 2: ZIP64 offsets were checked with additions that wrap (z64 + 56, local + 30),
// so 42- and 94-byte crafted files read before the buffer. Now checked by subtraction.
TEST(Npz, Zip64OffsetsThatWrapAreRefused) {
  // 42 bytes: a ZIP64 locator pointing 50 bytes before the end of the address space, then an
  // EOCD whose central-directory offset says "see ZIP64".
  std::string a;
  put(a, 0x07064b50, 4), put(a, 0, 4), put(a, 0xFFFFFFCE, 4), put(a, 0xFFFFFFFF, 4), put(a, 1, 4);
  put(a, 0x06054b50, 4), put(a, 0, 2), put(a, 0, 2), put(a, 1, 2), put(a, 1, 2), put(a, 46, 4);
  put(a, 0xFFFFFFFF, 4), put(a, 0, 2);
  ASSERT_EQ(a.size(), 42u);
  std::string e = import_error(a);
  EXPECT_NE(e.find("m.npz: byte 0: ZIP64 end record missing (points at byte 18446744073709551566)"), std::string::npos) << e;
  // A central-directory entry whose ZIP64 extra field puts the local header near 2^64.
  std::string b, central;
  put(central, 0x02014b50, 4), put(central, 45, 2), put(central, 45, 2), put(central, 0, 2), put(central, 0, 2);
  put(central, 0, 4), put(central, 0, 4), put(central, 0, 4), put(central, 0, 4);
  put(central, 12, 2), put(central, 12, 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 2);
  put(central, 0, 4), put(central, 0xFFFFFFFF, 4);
  central += "_charset.npy";
  put(central, 1, 2), put(central, 8, 2), put(central, 0xFFFFFFF0, 4), put(central, 0xFFFFFFFF, 4);
  b = central;
  put(b, 0x06054b50, 4), put(b, 0, 2), put(b, 0, 2), put(b, 1, 2), put(b, 1, 2);
  put(b, static_cast<uint32_t>(central.size()), 4), put(b, 0, 4), put(b, 0, 2);
  ASSERT_EQ(b.size(), 92u);
  e = import_error(b);
  EXPECT_NE(e.find("member _charset.npy: local header at byte 18446744073709551600 is damaged"), std::string::npos) << e;
}

namespace {

// Raw deflate of `n` zero bytes, streamed (never holds the n bytes).
std::string deflated_zeros(uint64_t n) {
  z_stream zs{};
  deflateInit2(&zs, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  const std::string chunk(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  uint64_t left = n;
  do {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
    left -= take;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    zs.avail_in = static_cast<uInt>(take);
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      ::deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
  } while (left > 0);
  deflateEnd(&zs);
  return out;
}

// `members` (stored) plus a deflated member `name` of `size` zero bytes, CRC left 0: the
// member can only pass if it is never inflated.
std::string with_bomb(const std::map<std::string, std::string>& members, const std::string& name, uint64_t size) {
  std::vector<RawMember> raw = raw_members(members, false);
  raw.push_back({name, deflated_zeros(size), 8, 0, static_cast<uint32_t>(size)});
  return zip_raw(raw);
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

// Issue 14 item 3: every member was inflated, used or not and without a cap, so a 3 MB .npz
// of 1 GiB zero members took gigabytes. Now an unused member is never inflated, and a used
// one is refused before inflating when its .npy header disagrees with its declared size.
TEST(Npz, DecompressionBombIsNotInflated) {
  const Model m = random_model(4, {8}, "AB");
  // An unused member of 512 MiB zeros (with a wrong CRC): import must not touch it.
  const std::string unused = with_bomb(members_of(m), "notes.npy", uint64_t{512} << 20);
  const long before = max_rss_kib();
  EXPECT_EQ(import_error(unused), "");
  EXPECT_LT(max_rss_kib() - before, 128 * 1024) << "the unused member was inflated";
  // A used member declaring 512 MiB: its first bytes are zeros, not a .npy header, so it is
  // refused after inflating a few kilobytes.
  auto mem = members_of(m);
  mem.erase("_charset.npy");
  const std::string used = with_bomb(mem, "_charset.npy", uint64_t{512} << 20);
  EXPECT_NE(import_error(used).find("_charset.npy: not a .npy array (bad magic)"), std::string::npos) << import_error(used);
  EXPECT_LT(max_rss_kib() - before, 128 * 1024) << "the used member was inflated whole";
}

TEST(Npz, MemberBiggerThanItsHeaderSaysIsRefusedBeforeInflating) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  // Stored with extra bytes after the data: the archive size disagrees with the header.
  mem["_charset.npy"] = npy("|S3", "()", std::string("AB\0", 3)) + std::string(100, 'x');
  const std::string e = import_error(zip(mem, true));
  EXPECT_NE(e.find("_charset.npy: has 103 data bytes, shape and dtype '|S3' need 3"), std::string::npos) << e;
}

// Issue 14 item 9: member names reached the terminal raw (ESC sequences included).
TEST(Npz, MemberNamesInErrorsAreEscaped) {
  auto mem = members_of(random_model(4, {8}, "AB"));
  std::string archive = zip(mem, false);
  const std::string evil = "\x1b[2J\x1b]0;owned\x07.npy";
  mem[evil] = "x";
  archive = zip(mem, false);
  // Make that member's compression method unsupported so its name appears in the error.
  const size_t cd = archive.find(std::string("PK\x01\x02"));
  size_t p = cd;
  while (archive.compare(p + 46, evil.size(), evil) != 0) {
    const uint32_t name_len = static_cast<uint8_t>(archive[p + 28]) | (static_cast<uint8_t>(archive[p + 29]) << 8);
    p += 46 + name_len;
  }
  archive[p + 10] = 99;
  const std::string e = import_error(archive);
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  EXPECT_EQ(e.find('\x07'), std::string::npos) << e;
  EXPECT_NE(e.find("member \\x1b[2J\\x1b]0;owned\\x07.npy: compression method 99"), std::string::npos) << e;
}

TEST(Npz, OriginalTinychatModelImports) {
  Z80LM_REQUIRE_SHARED(npz, "conformance/tinychat-model.npz");
  Model m = import_npz(npz);
  EXPECT_EQ(m.hidden_sizes(), (std::vector<int>{256, 192, 128}));
  EXPECT_EQ(m.charset, std::string(" ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678!/?") + '\0');
  EXPECT_EQ(m.nonzero_weights(), 39362u);  // reference §3.3
}

}  // namespace z80lm
