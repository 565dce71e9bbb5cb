#include "model/model_file.h"

#include <fmt/core.h>
#include <zlib.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "util/printable.h"

namespace z80lm {

namespace {

constexpr const char* kCorruptHint = "the file is damaged or not a z80lm model; re-export or re-train it";

void put_u16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint32_t crc32_of(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Reads little-endian fields, naming the byte offset of anything wrong.
class Reader {
 public:
  Reader(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  size_t offset() const { return pos_; }
  [[noreturn]] void fail(size_t at, const std::string& what, const std::string& hint = kCorruptHint) const {
    throw Error(fmt::format("{}: byte {}: {}", name_, at, what), hint);
  }
  void need(size_t n, const char* what) const {
    if (bytes_.size() - pos_ < n)
      fail(pos_,
           fmt::format(
               "truncated file: it ends while reading {} (needs {} more bytes, {} left; file is {} bytes)",
               what, n, bytes_.size() - pos_, bytes_.size()),
           "the file is truncated; re-export or re-train it");
  }
  std::string_view take(size_t n, const char* what) {
    need(n, what);
    auto v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  uint16_t u16(const char* what) {
    auto v = take(2, what);
    return static_cast<uint16_t>(static_cast<uint8_t>(v[0]) | (static_cast<uint8_t>(v[1]) << 8));
  }
  uint32_t u32(const char* what) {
    auto v = take(4, what);
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(static_cast<uint8_t>(v[i])) << (8 * i);
    return r;
  }

 private:
  std::string_view bytes_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace

std::string serialize_model(const Model& m) {
  if (std::string p = model_problem(m); !p.empty()) throw Error("cannot save an invalid model: " + p);
  std::string out(kModelMagic, sizeof kModelMagic);
  put_u16(out, kModelVersion);
  put_u16(out, static_cast<uint16_t>(m.encoding));
  put_u16(out, static_cast<uint16_t>(m.layers.size()));
  put_u16(out, static_cast<uint16_t>(m.input_size()));
  for (const auto& l : m.layers) put_u16(out, static_cast<uint16_t>(l.n_out));
  put_u16(out, static_cast<uint16_t>(m.charset.size()));
  out += m.charset;
  std::string prov = m.provenance.empty() ? "{}" : m.provenance;
  put_u32(out, static_cast<uint32_t>(prov.size()));
  out += prov;
  for (const auto& l : m.layers) {
    out.append(reinterpret_cast<const char*>(l.w.data()), l.w.size());
    for (int16_t b : l.b) put_u16(out, static_cast<uint16_t>(b));
  }
  put_u32(out, crc32_of(out));
  return out;
}

Model parse_model(std::string_view bytes, const std::string& name) {
  Reader r(bytes, name);
  auto magic = r.take(sizeof kModelMagic, "the magic");
  if (std::memcmp(magic.data(), kModelMagic, sizeof kModelMagic) != 0)
    r.fail(0, "not a z80lm model (bad magic)",
           "models are .zlm files written by `z80lm train` or `z80lm import`; import a numpy .npz with "
           "`z80lm import`");
  size_t at = r.offset();
  uint16_t version = r.u16("the version");
  if (version != kModelVersion && version != kModelVersionNoEncoding)
    r.fail(at,
           fmt::format("format version {} is not supported (this z80lm reads versions {} and {})", version,
                       kModelVersionNoEncoding, kModelVersion),
           "re-export the model with this z80lm version");
  Model m;
  if (version >= 2) {
    at = r.offset();
    const uint16_t encoding = r.u16("the encoding");
    if (!encoding_is_known(encoding))
      r.fail(at, fmt::format("query encoding {} is not known (1 = v1, 2 = v2, 3 = v3)", encoding),
             "the file may come from a newer z80lm: upgrade, or re-train with this one");
    m.encoding = static_cast<Encoding>(encoding);
  }
  at = r.offset();
  uint16_t n_layers = r.u16("the layer count");
  if (n_layers < 1 || n_layers > kMaxLayers)
    r.fail(at, fmt::format("layer count {} is not in 1..{}", n_layers, kMaxLayers));
  at = r.offset();
  uint16_t stored_inputs = r.u16("the input size");
  if (stored_inputs != z80lm::input_size(m.encoding))
    r.fail(at, fmt::format("input size {} does not match encoding {} ({} inputs)", stored_inputs,
                           encoding_name(m.encoding), z80lm::input_size(m.encoding)));
  m.layers.resize(n_layers);
  int n_in = stored_inputs;
  for (auto& l : m.layers) {
    at = r.offset();
    l.n_in = n_in;
    l.n_out = r.u16("a layer size");
    if (l.n_out < 1 || l.n_out > kMaxLayerWidth)
      r.fail(at, fmt::format("layer size {} is not in 1..{}", l.n_out, kMaxLayerWidth));
    n_in = l.n_out;
  }
  at = r.offset();
  uint16_t charset_size = r.u16("the charset size");
  if (charset_size != m.layers.back().n_out)
    r.fail(at, fmt::format("charset size {} differs from the output layer size {}", charset_size,
                           m.layers.back().n_out));
  at = r.offset();
  m.charset = std::string(r.take(charset_size, "the charset"));
  at = r.offset();
  uint32_t prov_size = r.u32("the provenance size");
  if (prov_size > limits::kProvenanceBytes)
    r.fail(at, fmt::format("provenance size {} exceeds {}", prov_size, limits::kProvenanceBytes));
  const size_t prov_at = r.offset();
  m.provenance = std::string(r.take(prov_size, "the provenance"));
  for (auto& l : m.layers) {
    at = r.offset();
    auto codes = r.take(static_cast<size_t>(l.n_in) * l.n_out, "weight codes");
    l.w.assign(codes.begin(), codes.end());
    for (size_t i = 0; i < l.w.size(); ++i)
      if (l.w[i] < -2 || l.w[i] > 1) r.fail(at + i, fmt::format("weight code {} is not in -2..+1", l.w[i]));
    l.b.resize(l.n_out);
    for (auto& b : l.b) b = static_cast<int16_t>(r.u16("biases"));
  }
  size_t crc_at = r.offset();
  uint32_t stored = r.u32("the checksum");
  if (r.offset() != bytes.size())
    r.fail(r.offset(), fmt::format("{} unexpected bytes after the checksum", bytes.size() - r.offset()));
  uint32_t computed = crc32_of(bytes.substr(0, crc_at));
  if (stored != computed)
    r.fail(crc_at, fmt::format("checksum mismatch (stored {:08x}, computed {:08x}): the file is corrupted",
                               stored, computed));
  if (size_t nul = m.provenance.find('\0'); nul != std::string::npos)
    r.fail(prov_at + nul, "provenance contains a NUL byte");
  const auto provenance = nlohmann::json::parse(m.provenance, nullptr, false);
  if (provenance.is_discarded()) r.fail(prov_at, "provenance is not valid JSON");
  if (!provenance.is_object())
    r.fail(prov_at, fmt::format("provenance is JSON but not an object: {}", printable(m.provenance, 60)));
  if (std::string p = model_problem(m); !p.empty()) r.fail(0, p);
  return m;
}

Model load_model(const std::string& path) {
  return parse_model(read_file(path, limits::kModelFileBytes), path);
}

void save_model(const std::string& path, const Model& m) {
  write_file_atomic(path, serialize_model(m));
}

}  // namespace z80lm
