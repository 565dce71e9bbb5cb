// Import of the original's numpy archives, including every malformed shape we can think of.
#include <fmt/core.h>
#include <zlib.h>

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

// A minimal ZIP writer: stored or raw-deflated members, central directory, EOCD.
std::string zip(const std::map<std::string, std::string>& members, bool use_deflate) {
  std::string out, central;
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
    uint32_t offset = static_cast<uint32_t>(out.size());
    put(out, 0x04034b50, 4), put(out, 20, 2), put(out, 0, 2), put(out, use_deflate ? 8 : 0, 2), put(out, 0, 4);
    put(out, crc, 4), put(out, static_cast<uint32_t>(packed.size()), 4), put(out, static_cast<uint32_t>(data.size()), 4);
    put(out, static_cast<uint32_t>(name.size()), 2), put(out, 0, 2);
    out += name + packed;
    put(central, 0x02014b50, 4), put(central, 20, 2), put(central, 20, 2), put(central, 0, 2);
    put(central, use_deflate ? 8 : 0, 2), put(central, 0, 4), put(central, crc, 4);
    put(central, static_cast<uint32_t>(packed.size()), 4), put(central, static_cast<uint32_t>(data.size()), 4);
    put(central, static_cast<uint32_t>(name.size()), 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 2);
    put(central, 0, 2), put(central, 0, 4), put(central, offset, 4);
    central += name;
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  put(out, 0x06054b50, 4), put(out, 0, 2), put(out, 0, 2), put(out, static_cast<uint32_t>(members.size()), 2);
  put(out, static_cast<uint32_t>(members.size()), 2), put(out, static_cast<uint32_t>(central.size()), 4);
  put(out, cd_offset, 4), put(out, 0, 2);
  return out;
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

TEST(Npz, OriginalTinychatModelImports) {
  Z80LM_REQUIRE_SHARED(npz, "conformance/tinychat-model.npz");
  Model m = import_npz(npz);
  EXPECT_EQ(m.hidden_sizes(), (std::vector<int>{256, 192, 128}));
  EXPECT_EQ(m.charset, std::string(" ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678!/?") + '\0');
  EXPECT_EQ(m.nonzero_weights(), 39362u);  // reference §3.3
}

}  // namespace z80lm
