#include "model/npz.h"

#include <fmt/core.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "util/error.h"
#include "util/file_io.h"

namespace z80lm {

namespace {

constexpr const char* kNpzHint = "export the model with the original's exportmodel.py (numpy .npz), or check the file";

uint32_t le(std::string_view b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}
uint64_t le64(std::string_view b, size_t at) { return le(b, at, 4) | (static_cast<uint64_t>(le(b, at + 4, 4)) << 32); }

[[noreturn]] void fail(const std::string& what) { throw Error(what, kNpzHint); }

std::string inflate_raw(std::string_view in, uint64_t out_size, const std::string& where) {
  if (out_size > (1ull << 30)) fail(where + ": member larger than 1 GiB");
  std::string out(out_size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(where + ": cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != out_size) fail(where + ": deflate data is corrupt");
  return out;
}

}  // namespace

std::map<std::string, std::string> read_zip(std::string_view a, const std::string& name) {
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  if (a.size() < 22) fail(fmt::format("{}: {} bytes is too small to be a .npz (ZIP) archive", name, a.size()));
  size_t eocd = std::string_view::npos;
  size_t lowest = a.size() > 22 + 65535 ? a.size() - 22 - 65535 : 0;
  for (size_t i = a.size() - 22 + 1; i-- > lowest;)
    if (le(a, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string_view::npos) fail(name + ": not a ZIP archive (no end-of-central-directory record)");
  uint64_t entries = le(a, eocd + 10, 2);
  uint64_t cd_offset = le(a, eocd + 16, 4);
  if (cd_offset == 0xFFFFFFFF || entries == 0xFFFF) {
    // ZIP64: locator just before the EOCD points at the ZIP64 EOCD record.
    if (eocd < 20 || le(a, eocd - 20, 4) != 0x07064b50) fail(name + ": ZIP64 locator missing");
    uint64_t z64 = le64(a, eocd - 20 + 8);
    if (z64 + 56 > a.size() || le(a, z64, 4) != 0x06064b50) fail(name + ": ZIP64 end record missing");
    entries = le64(a, z64 + 32);
    cd_offset = le64(a, z64 + 48);
  }
  std::map<std::string, std::string> members;
  size_t p = cd_offset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (p + 46 > a.size() || le(a, p, 4) != 0x02014b50)
      fail(fmt::format("{}: byte {}: central directory entry {} is damaged", name, p, e));
    uint32_t method = le(a, p + 10, 2), crc = le(a, p + 16, 4);
    uint64_t csize = le(a, p + 20, 4), usize = le(a, p + 24, 4), local = le(a, p + 42, 4);
    size_t name_len = le(a, p + 28, 2), extra_len = le(a, p + 30, 2), comment_len = le(a, p + 32, 2);
    if (p + 46 + name_len + extra_len + comment_len > a.size())
      fail(fmt::format("{}: byte {}: central directory entry {} runs past the end", name, p, e));
    std::string member(a.substr(p + 46, name_len));
    // ZIP64 extra field: the 0xFFFFFFFF fields follow in the order usize, csize, offset.
    for (size_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;) {
      uint32_t id = le(a, x, 2), len = le(a, x + 2, 2);
      if (id == 1) {
        size_t f = x + 4;
        if (usize == 0xFFFFFFFF && f + 8 <= x + 4 + len) usize = le64(a, f), f += 8;
        if (csize == 0xFFFFFFFF && f + 8 <= x + 4 + len) csize = le64(a, f), f += 8;
        if (local == 0xFFFFFFFF && f + 8 <= x + 4 + len) local = le64(a, f);
      }
      x += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;
    std::string where = fmt::format("{}: member {}", name, member);
    if (local + 30 > a.size() || le(a, local, 4) != 0x04034b50) fail(where + ": local header is damaged");
    size_t data = local + 30 + le(a, local + 26, 2) + le(a, local + 28, 2);
    if (data > a.size() || csize > a.size() - data) fail(where + ": data runs past the end of the archive (truncated?)");
    std::string_view packed = a.substr(data, csize);
    std::string bytes;
    if (method == 0) {
      if (csize != usize) fail(where + ": stored member has inconsistent sizes");
      bytes = std::string(packed);
    } else if (method == 8) {
      bytes = inflate_raw(packed, usize, where);
    } else {
      fail(fmt::format("{}: compression method {} is not supported (stored or deflate only)", where, method));
    }
    uint32_t actual = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
    if (actual != crc) fail(fmt::format("{}: CRC mismatch (stored {:08x}, computed {:08x})", where, crc, actual));
    members[member] = std::move(bytes);
  }
  return members;
}

NpyArray parse_npy(std::string_view b, const std::string& name) {
  if (b.size() < 10 || b.substr(0, 6) != std::string_view("\x93NUMPY", 6)) fail(name + ": not a .npy array (bad magic)");
  int major = static_cast<uint8_t>(b[6]);
  size_t header_len, start;
  if (major == 1) header_len = le(b, 8, 2), start = 10;
  else if (major == 2 || major == 3) {
    if (b.size() < 12) fail(name + ": truncated .npy header");
    header_len = le(b, 8, 4), start = 12;
  } else fail(fmt::format("{}: .npy format version {} is not supported (1, 2 or 3)", name, major));
  if (start + header_len > b.size()) fail(name + ": truncated .npy header");
  std::string header(b.substr(start, header_len));
  std::smatch m;
  NpyArray arr;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')"))) fail(name + ": .npy header has no descr");
  arr.descr = m[1];
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*True)")))
    fail(name + ": Fortran-ordered arrays are not supported");
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) fail(name + ": .npy header has no shape");
  std::string dims = m[1];
  static const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    arr.shape.push_back(std::stoull(it->str()));
  size_t item = 0;
  if (arr.descr == "|i1" || arr.descr == "i1" || arr.descr == "<i1") item = 1;
  else if (arr.descr == "<i2") item = 2;
  else if (arr.descr.size() > 2 && arr.descr.substr(0, 2) == "|S") item = std::stoull(arr.descr.substr(2));
  else fail(fmt::format("{}: dtype '{}' is not supported (int8, little-endian int16 or bytes)", name, arr.descr));
  size_t count = 1;
  for (size_t d : arr.shape) count *= d;
  size_t need = count * item;
  if (b.size() - start - header_len != need)
    fail(fmt::format("{}: has {} data bytes, shape and dtype '{}' need {}", name, b.size() - start - header_len, arr.descr, need));
  arr.data = std::string(b.substr(start + header_len));
  return arr;
}

Model import_npz_bytes(std::string_view archive, const std::string& name) {
  auto members = read_zip(archive, name);
  std::map<int, std::pair<const std::string*, const std::string*>> layers;  // N -> (weight, bias)
  std::regex layer_re(R"(fc(\d+)_(weight|bias)\.npy)");
  for (const auto& [member, bytes] : members) {
    std::smatch m;
    if (!std::regex_match(member, m, layer_re)) continue;
    int n = std::stoi(m[1]);
    (m[2] == "weight" ? layers[n].first : layers[n].second) = &member;
  }
  if (layers.empty()) fail(name + ": no fcN_weight / fcN_bias members: not a Z80-μLM model archive");
  Model model;
  int expected = 1;
  for (const auto& [n, wb] : layers) {
    if (n != expected) fail(fmt::format("{}: layer fc{} is missing (found fc{})", name, expected, n));
    if (!wb.first) fail(fmt::format("{}: member fc{}_weight.npy is missing", name, n));
    if (!wb.second) fail(fmt::format("{}: member fc{}_bias.npy is missing", name, n));
    ++expected;
    NpyArray w = parse_npy(members[*wb.first], name + ": " + *wb.first);
    NpyArray b = parse_npy(members[*wb.second], name + ": " + *wb.second);
    if (w.data.size() != (w.shape.size() == 2 ? w.shape[0] * w.shape[1] : 0) || w.descr.find("i1") == std::string::npos)
      fail(fmt::format("{}: {} must be a 2-d int8 array, is '{}' with {} dimensions", name, *wb.first, w.descr, w.shape.size()));
    if (b.descr != "<i2" || b.shape.size() != 1)
      fail(fmt::format("{}: {} must be a 1-d int16 ('<i2') array, is '{}' with {} dimensions", name, *wb.second, b.descr,
                       b.shape.size()));
    Layer l;
    l.n_out = static_cast<int>(w.shape[0]);
    l.n_in = static_cast<int>(w.shape[1]);
    if (b.shape[0] != w.shape[0])
      fail(fmt::format("{}: fc{} has {} neurons but {} biases", name, n, w.shape[0], b.shape[0]));
    l.w.assign(w.data.begin(), w.data.end());
    l.b.resize(l.n_out);
    for (int i = 0; i < l.n_out; ++i) l.b[i] = static_cast<int16_t>(le(b.data, 2 * static_cast<size_t>(i), 2));
    model.layers.push_back(std::move(l));
  }
  auto cs = members.find("_charset.npy");
  if (cs == members.end()) fail(name + ": member _charset.npy is missing");
  NpyArray charset = parse_npy(cs->second, name + ": _charset.npy");
  if (charset.descr.substr(0, 2) != "|S" || !charset.shape.empty())
    fail(fmt::format("{}: _charset.npy must be a 0-d bytes array, is '{}'", name, charset.descr));
  model.charset = charset.data;  // raw buffer, trailing NUL included
  nlohmann::json prov = {{"source", "import"}, {"format", "npz"}, {"file", name}};
  if (auto arch = members.find("_architecture.npy"); arch != members.end()) {
    NpyArray a = parse_npy(arch->second, name + ": _architecture.npy");
    std::string text = a.data.substr(0, a.data.find('\0'));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) fail(name + ": _architecture.npy is not valid JSON");
    std::vector<int> hidden = model.hidden_sizes();
    if (j.contains("hidden_sizes") && j["hidden_sizes"] != nlohmann::json(hidden))
      fail(fmt::format("{}: _architecture says hidden sizes {}, the weights have {}", name, j["hidden_sizes"].dump(),
                       nlohmann::json(hidden).dump()));
    if (j.contains("num_classes") && j["num_classes"] != model.output_size())
      fail(fmt::format("{}: _architecture says {} classes, the output layer has {}", name, j["num_classes"].dump(),
                       model.output_size()));
    prov["architecture"] = j;
  }
  model.provenance = prov.dump();
  if (std::string p = model_problem(model); !p.empty()) fail(name + ": " + p);
  return model;
}

Model import_npz(const std::string& path) { return import_npz_bytes(read_file(path), path); }

}  // namespace z80lm
