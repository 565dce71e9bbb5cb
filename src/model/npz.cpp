#include "model/npz.h"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "util/printable.h"

namespace z80lm {

namespace {

constexpr const char* kNpzHint =
    "export the model with the original's exportmodel.py (numpy .npz), or check the file";

// Callers check that [at, at + n) lies inside `b` first.
uint32_t le(std::string_view b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}
uint64_t le64(std::string_view b, size_t at) {
  return le(b, at, 4) | (static_cast<uint64_t>(le(b, at + 4, 4)) << 32);
}

// True when [at, at + n) lies inside a buffer of `size` bytes; never computes at + n.
bool fits(uint64_t size, uint64_t at, uint64_t n) {
  return at <= size && size - at >= n;
}

[[noreturn]] void fail(const std::string& what) {
  throw Error(what, kNpzHint);
}

// Inflates raw deflate data into exactly `out_size` bytes. With `whole`, the stream must end
// there; without, only the first out_size bytes are wanted (a prefix of a longer stream).
std::string inflate_raw(std::string_view in, size_t out_size, uint64_t declared, bool whole,
                        const std::string& where) {
  std::string out(out_size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(where + ": cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, whole ? Z_FINISH : Z_SYNC_FLUSH);
  const uint64_t produced = zs.total_out;
  inflateEnd(&zs);
  if (whole && rc != Z_STREAM_END) {
    if (produced == out_size && (rc == Z_OK || rc == Z_BUF_ERROR))
      fail(fmt::format("{}: deflate data inflates to more than the {} bytes the archive declares", where,
                       out_size));
    fail(where + ": deflate data is corrupt");
  }
  if (!whole && !(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR))
    fail(where + ": deflate data is corrupt");
  if (produced != out_size)
    fail(fmt::format("{}: deflate data ends after {} bytes, the archive declares {}", where, produced,
                     declared));
  return out;
}

std::string where_of(const std::string& name, const std::string& member) {
  return name + ": member " + printable(member, 200);
}

// A tiny reader for the Python dict literal of a .npy header, e.g.
// {'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), }
class NpyDictReader {
 public:
  NpyDictReader(std::string_view text, size_t base, const std::string& name)
      : s_(text), base_(base), name_(name) {}
  [[noreturn]] void fail_here(const std::string& what) const {
    fail(fmt::format("{}: .npy header byte {}: {}", name_, base_ + i_, what));
  }
  void skip_spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool peek(char c) {
    skip_spaces();
    return i_ < s_.size() && s_[i_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail_here(fmt::format("expected '{}'", c));
    ++i_;
  }
  std::string quoted() {
    skip_spaces();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail_here("expected a quoted string");
    const char q = s_[i_++];
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\') fail_here("escapes are not supported in a .npy header");
      ++i_;
    }
    if (i_ >= s_.size()) fail_here("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }
  bool boolean() {
    skip_spaces();
    for (auto [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}})
      if (s_.substr(i_).starts_with(word)) {
        i_ += word.size();
        return value;
      }
    fail_here("expected True or False");
  }
  std::vector<size_t> tuple() {
    std::vector<size_t> dims;
    expect('(');
    while (!peek(')')) {
      if (dims.size() == limits::kNpyDims)
        fail_here(fmt::format("more than {} dimensions", limits::kNpyDims));
      skip_spaces();
      const size_t start = i_;
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), v);
      if (end == s_.data() + start) fail_here("expected a dimension (a whole number)");
      if (ec != std::errc{} || v > (uint64_t{1} << 40))
        fail_here(fmt::format("dimension {} is too large",
                              printable(s_.substr(start, static_cast<size_t>(end - s_.data()) - start), 40)));
      i_ = static_cast<size_t>(end - s_.data());
      if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2 long
      dims.push_back(static_cast<size_t>(v));
      if (peek(','))
        ++i_;
      else if (!peek(')'))
        fail_here("expected ',' or ')' in the shape");
    }
    ++i_;
    return dims;
  }
  void end() {
    skip_spaces();
    if (i_ != s_.size()) fail_here("unexpected text after the header dict");
  }

 private:
  std::string_view s_;
  size_t base_;
  const std::string& name_;
  size_t i_ = 0;
};

size_t item_size_of(const std::string& descr, const std::string& name) {
  if (descr == "|i1" || descr == "i1" || descr == "<i1") return 1;
  if (descr == "<i2") return 2;
  if (descr.size() > 2 && descr.starts_with("|S")) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(descr.data() + 2, descr.data() + descr.size(), n);
    if (ec != std::errc{} || end != descr.data() + descr.size() || n > limits::kArchitectureBytes)
      fail(fmt::format("{}: dtype '{}' is not a bytes type of 1..{} bytes", name, printable(descr, 40),
                       limits::kArchitectureBytes));
    return static_cast<size_t>(n);
  }
  fail(fmt::format("{}: dtype '{}' is not supported (int8, little-endian int16 or bytes)", name,
                   printable(descr, 40)));
}

std::string shape_text(const std::vector<size_t>& shape) {
  std::string out = "(";
  for (size_t d : shape) out += std::to_string(d) + ",";
  return out + ")";
}

// "fc12_weight.npy" -> (12, true); "fc3_bias.npy" -> (3, false); anything else -> n = 0.
std::pair<int, bool> layer_member(const std::string& member, const std::string& name) {
  std::string_view m = member;
  if (!m.starts_with("fc")) return {0, false};
  m.remove_prefix(2);
  size_t digits = 0;
  while (digits < m.size() && m[digits] >= '0' && m[digits] <= '9') ++digits;
  bool weight = m.substr(digits) == "_weight.npy";
  if (digits == 0 || (!weight && m.substr(digits) != "_bias.npy")) return {0, false};
  int n = 0;
  const auto [end, ec] = std::from_chars(m.data(), m.data() + digits, n);
  if (ec != std::errc{} || n < 1 || n > kMaxLayers)
    fail(fmt::format("{}: layer number {} is not in 1..{}", where_of(name, member),
                     printable(m.substr(0, digits), 40), kMaxLayers));
  return {n, weight};
}

}  // namespace

std::vector<ZipEntry> list_zip(std::string_view a, const std::string& name) {
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  if (a.size() < 22)
    fail(fmt::format("{}: {} bytes is too small to be a .npz (ZIP) archive", name, a.size()));
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
    if (eocd < 20 || le(a, eocd - 20, 4) != 0x07064b50)
      fail(fmt::format("{}: byte {}: ZIP64 locator missing", name, eocd));
    uint64_t z64 = le64(a, eocd - 20 + 8);
    if (!fits(a.size(), z64, 56) || le(a, z64, 4) != 0x06064b50)
      fail(fmt::format("{}: byte {}: ZIP64 end record missing (points at byte {})", name, eocd - 20, z64));
    entries = le64(a, z64 + 32);
    cd_offset = le64(a, z64 + 48);
  }
  if (entries > limits::kNpzEntries)
    fail(fmt::format("{}: byte {}: {} archive members, more than the {} z80lm reads", name, eocd, entries,
                     limits::kNpzEntries));
  std::vector<ZipEntry> out;
  uint64_t p = cd_offset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (!fits(a.size(), p, 46) || le(a, p, 4) != 0x02014b50)
      fail(fmt::format("{}: byte {}: central directory entry {} is damaged", name, p, e));
    ZipEntry z;
    z.method = le(a, p + 10, 2);
    z.crc = le(a, p + 16, 4);
    z.packed_size = le(a, p + 20, 4);
    z.size = le(a, p + 24, 4);
    uint64_t local = le(a, p + 42, 4);
    const size_t name_len = le(a, p + 28, 2), extra_len = le(a, p + 30, 2), comment_len = le(a, p + 32, 2);
    if (!fits(a.size(), p + 46, name_len + extra_len + comment_len))
      fail(fmt::format("{}: byte {}: central directory entry {} runs past the end", name, p, e));
    z.name = std::string(a.substr(p + 46, name_len));
    // ZIP64 extra field: the 0xFFFFFFFF fields follow in the order size, packed size, offset.
    const size_t extra_end = p + 46 + name_len + extra_len;
    for (size_t x = p + 46 + name_len; extra_end - x >= 4;) {
      const uint32_t id = le(a, x, 2), len = le(a, x + 2, 2);
      if (len > extra_end - x - 4) break;  // a damaged extra field: the checks below decide
      if (id == 1) {
        size_t f = x + 4, left = len;
        auto take64 = [&](uint64_t& field) {
          if (field == 0xFFFFFFFF && left >= 8) field = le64(a, f), f += 8, left -= 8;
        };
        take64(z.size);
        take64(z.packed_size);
        take64(local);
      }
      x += 4 + len;
    }
    const std::string where = where_of(name, z.name);
    if (!fits(a.size(), local, 30) || le(a, local, 4) != 0x04034b50)
      fail(fmt::format("{}: local header at byte {} is damaged", where, local));
    const uint64_t local_extra = uint64_t{le(a, local + 26, 2)} + le(a, local + 28, 2);
    if (!fits(a.size(), local + 30, local_extra))
      fail(where + ": local header runs past the end of the archive (truncated?)");
    z.data_at = local + 30 + local_extra;
    if (!fits(a.size(), z.data_at, z.packed_size))
      fail(where + ": data runs past the end of the archive (truncated?)");
    if (z.method != 0 && z.method != 8)
      fail(fmt::format("{}: compression method {} is not supported (stored or deflate only)", where,
                       z.method));
    if (z.method == 0 && z.packed_size != z.size) fail(where + ": stored member has inconsistent sizes");
    out.push_back(std::move(z));
    p += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

std::string peek_zip_member(std::string_view a, const ZipEntry& e, size_t n, const std::string& name) {
  const size_t want = static_cast<size_t>(std::min<uint64_t>(n, e.size));
  const std::string_view packed = a.substr(e.data_at, e.packed_size);
  if (e.method == 0) return std::string(packed.substr(0, want));
  return inflate_raw(packed, want, e.size, /*whole=*/false, where_of(name, e.name));
}

std::string read_zip_member(std::string_view a, const ZipEntry& e, uint64_t max_bytes,
                            const std::string& name) {
  const std::string where = where_of(name, e.name);
  if (e.size > max_bytes)
    fail(fmt::format("{}: {} bytes uncompressed, more than the {} it may have", where, e.size, max_bytes));
  const std::string_view packed = a.substr(e.data_at, e.packed_size);
  std::string bytes = e.method == 0 ? std::string(packed)
                                    : inflate_raw(packed, static_cast<size_t>(e.size), e.size, true, where);
  const auto actual = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  if (actual != e.crc)
    fail(fmt::format("{}: CRC mismatch (stored {:08x}, computed {:08x})", where, e.crc, actual));
  return bytes;
}

NpyHeader parse_npy_header(std::string_view b, const std::string& name) {
  if (b.size() < 10 || b.substr(0, 6) != std::string_view("\x93NUMPY", 6))
    fail(name + ": not a .npy array (bad magic)");
  const int major = static_cast<uint8_t>(b[6]);
  size_t header_len = 0, start = 0;
  if (major == 1)
    header_len = le(b, 8, 2), start = 10;
  else if (major == 2 || major == 3) {
    if (b.size() < 12) fail(name + ": truncated .npy header");
    header_len = le(b, 8, 4), start = 12;
  } else
    fail(fmt::format("{}: .npy format version {} is not supported (1, 2 or 3)", name, major));
  if (header_len > limits::kNpyHeaderBytes)
    fail(fmt::format("{}: byte 8: .npy header of {} bytes is longer than the {} allowed", name, header_len,
                     limits::kNpyHeaderBytes));
  if (!fits(b.size(), start, header_len)) fail(name + ": truncated .npy header");
  NpyDictReader r(b.substr(start, header_len), start, name);
  NpyHeader h;
  bool have_descr = false, have_shape = false, have_order = false;
  r.expect('{');
  while (!r.peek('}')) {
    const std::string key = r.quoted();
    r.expect(':');
    if (key == "descr" && !have_descr)
      h.descr = r.quoted(), have_descr = true;
    else if (key == "fortran_order" && !have_order) {
      have_order = true;
      if (r.boolean()) fail(name + ": Fortran-ordered arrays are not supported");
    } else if (key == "shape" && !have_shape)
      h.shape = r.tuple(), have_shape = true;
    else
      r.fail_here(fmt::format("unexpected or repeated key '{}'", printable(key, 40)));
    if (r.peek(','))
      r.expect(',');
    else if (!r.peek('}'))
      r.fail_here("expected ',' or '}'");
  }
  r.expect('}');
  r.end();
  if (!have_descr) fail(name + ": .npy header has no descr");
  if (!have_shape) fail(name + ": .npy header has no shape");
  h.item_size = item_size_of(h.descr, name);
  uint64_t count = 1;
  for (size_t d : h.shape) {
    if (d != 0 && count > limits::kNpzMemberBytes / d)
      fail(fmt::format("{}: shape {} has more elements than the {} bytes a member may hold", name,
                       shape_text(h.shape), limits::kNpzMemberBytes));
    count *= d;
  }
  if (h.item_size != 0 && count > limits::kNpzMemberBytes / h.item_size)
    fail(fmt::format("{}: shape {} of '{}' needs more than the {} bytes a member may hold", name,
                     shape_text(h.shape), h.descr, limits::kNpzMemberBytes));
  h.data_bytes = count * h.item_size;
  h.data_offset = start + header_len;
  return h;
}

NpyArray parse_npy(std::string_view b, const std::string& name) {
  const NpyHeader h = parse_npy_header(b, name);
  if (b.size() - h.data_offset != h.data_bytes)
    fail(fmt::format("{}: has {} data bytes, shape and dtype '{}' need {}", name, b.size() - h.data_offset,
                     h.descr, h.data_bytes));
  return {h.descr, h.shape, std::string(b.substr(h.data_offset))};
}

Model import_npz_bytes(std::string_view archive, const std::string& name) {
  const std::vector<ZipEntry> entries = list_zip(archive, name);
  std::map<std::string, const ZipEntry*> by_name;
  for (const auto& e : entries)
    if (!by_name.emplace(e.name, &e).second)
      fail(fmt::format("{}: appears twice in the archive", where_of(name, e.name)));
  // A member the model uses: its .npy header first (from the first bytes), then, when the
  // header's shape fits `max_data` and agrees with the archive's size, the whole member.
  auto read_array = [&](const ZipEntry& e, uint64_t max_data) {
    const std::string where = name + ": " + printable(e.name, 200);
    const std::string head = peek_zip_member(archive, e, 12 + limits::kNpyHeaderBytes, name);
    const NpyHeader h = parse_npy_header(head, where);
    if (h.data_bytes > max_data)
      fail(fmt::format("{}: shape {} of '{}' needs {} bytes, more than the {} this member may hold", where,
                       shape_text(h.shape), h.descr, h.data_bytes, max_data));
    if (e.size != h.data_offset + h.data_bytes)
      fail(fmt::format("{}: has {} data bytes, shape and dtype '{}' need {}", where,
                       e.size < h.data_offset ? 0 : e.size - h.data_offset, h.descr, h.data_bytes));
    return parse_npy(read_zip_member(archive, e, h.data_offset + h.data_bytes, name), where);
  };
  std::map<int, std::pair<const ZipEntry*, const ZipEntry*>> layers;  // N -> (weight, bias)
  for (const auto& e : entries) {
    const auto [n, weight] = layer_member(e.name, name);
    if (n == 0) continue;
    (weight ? layers[n].first : layers[n].second) = &e;
  }
  if (layers.empty()) fail(name + ": no fcN_weight / fcN_bias members: not a Z80-μLM model archive");
  Model model;
  int expected = 1;
  constexpr uint64_t kMaxWeights = uint64_t{kMaxLayerWidth} * kMaxLayerWidth;
  for (const auto& [n, wb] : layers) {
    if (n != expected) fail(fmt::format("{}: layer fc{} is missing (found fc{})", name, expected, n));
    if (!wb.first) fail(fmt::format("{}: member fc{}_weight.npy is missing", name, n));
    if (!wb.second) fail(fmt::format("{}: member fc{}_bias.npy is missing", name, n));
    ++expected;
    const std::string w_name = wb.first->name, b_name = wb.second->name;
    NpyArray w = read_array(*wb.first, kMaxWeights);
    NpyArray b = read_array(*wb.second, 2 * kMaxLayerWidth);
    if (w.shape.size() != 2 || w.data.size() != w.shape[0] * w.shape[1] ||
        w.descr.find("i1") == std::string::npos)
      fail(fmt::format("{}: {} must be a 2-d int8 array, is '{}' with {} dimensions", name, w_name, w.descr,
                       w.shape.size()));
    if (b.descr != "<i2" || b.shape.size() != 1)
      fail(fmt::format("{}: {} must be a 1-d int16 ('<i2') array, is '{}' with {} dimensions", name, b_name,
                       b.descr, b.shape.size()));
    if (w.shape[0] > kMaxLayerWidth || w.shape[1] > kMaxLayerWidth)
      fail(fmt::format("{}: {} has shape {}; a layer has at most {} inputs and outputs", name, w_name,
                       shape_text(w.shape), kMaxLayerWidth));
    Layer l;
    l.n_out = static_cast<int>(w.shape[0]);
    l.n_in = static_cast<int>(w.shape[1]);
    if (b.shape[0] != w.shape[0])
      fail(fmt::format("{}: fc{} has {} neurons but {} biases", name, n, w.shape[0], b.shape[0]));
    l.w.assign(w.data.begin(), w.data.end());
    l.b.resize(static_cast<size_t>(l.n_out));
    for (int i = 0; i < l.n_out; ++i)
      l.b[static_cast<size_t>(i)] = static_cast<int16_t>(le(b.data, 2 * static_cast<size_t>(i), 2));
    model.layers.push_back(std::move(l));
  }
  auto cs = by_name.find("_charset.npy");
  if (cs == by_name.end()) fail(name + ": member _charset.npy is missing");
  NpyArray charset = read_array(*cs->second, kMaxLayerWidth);
  if (!charset.descr.starts_with("|S") || !charset.shape.empty())
    fail(fmt::format("{}: _charset.npy must be a 0-d bytes array, is '{}'", name, charset.descr));
  model.charset = charset.data;  // raw buffer, trailing NUL included
  nlohmann::json prov = {{"source", "import"}, {"format", "npz"}, {"file", name}};
  if (auto arch = by_name.find("_architecture.npy"); arch != by_name.end()) {
    NpyArray a = read_array(*arch->second, limits::kArchitectureBytes);
    std::string text = a.data.substr(0, a.data.find('\0'));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail(name + ": _architecture.npy is not a JSON object");
    std::vector<int> hidden = model.hidden_sizes();
    if (j.contains("hidden_sizes") && j["hidden_sizes"] != nlohmann::json(hidden))
      fail(fmt::format("{}: _architecture says hidden sizes {}, the weights have {}", name,
                       printable(j["hidden_sizes"].dump(), 200), nlohmann::json(hidden).dump()));
    if (j.contains("num_classes") && j["num_classes"] != model.output_size())
      fail(fmt::format("{}: _architecture says {} classes, the output layer has {}", name,
                       printable(j["num_classes"].dump(), 200), model.output_size()));
    prov["architecture"] = j;
  }
  model.provenance = prov.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (std::string p = model_problem(model); !p.empty()) fail(name + ": " + p);
  return model;
}

Model import_npz(const std::string& path) {
  return import_npz_bytes(read_file(path, limits::kNpzFileBytes), path);
}

}  // namespace z80lm
