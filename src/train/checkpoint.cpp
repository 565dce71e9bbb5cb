#include "train/checkpoint.h"

#include <fmt/core.h>
#include <zlib.h>

#include <bit>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>

#include "model/model_file.h"
#include "train/metrics_log.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/limits.h"
#include "util/printable.h"

namespace z80lm {

static_assert(std::endian::native == std::endian::little, "checkpoints store raw little-endian IEEE floats");

namespace {

constexpr const char* kCorruptHint = "the checkpoint is damaged; delete it and train without --resume";

uint32_t crc32_of(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
template <typename T>
void put_array(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// Reads little-endian fields, naming the byte offset of anything wrong.
class Reader {
 public:
  Reader(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  size_t offset() const { return pos_; }
  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw Error(fmt::format("{}: byte {}: {}", name_, at, what), kCorruptHint);
  }
  std::string_view take(size_t n, const char* what) {
    if (bytes_.size() - pos_ < n)
      fail(pos_, fmt::format("file ends while reading {} (needs {} bytes, {} left)", what, n,
                             bytes_.size() - pos_));
    auto v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  template <typename T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what).data(), sizeof(T));
    return v;
  }
  template <typename T>
  std::vector<T> array(size_t n, const char* what) {
    if (n > (bytes_.size() - pos_) / sizeof(T))
      fail(pos_, fmt::format("{} claims {} entries, more than the file holds", what, n));
    std::vector<T> v(n);
    auto bytes = take(n * sizeof(T), what);
    if (n > 0) std::memcpy(v.data(), bytes.data(), n * sizeof(T));  // v.data() may be null when n == 0
    return v;
  }

 private:
  std::string_view bytes_;
  std::string name_;
  size_t pos_ = 0;
};

nlohmann::json header_json(const Checkpoint& c) {
  const TrainState& s = c.state;
  nlohmann::json history = nlohmann::json::array();
  for (const auto& r : s.history) history.push_back(epoch_record_json(r));
  std::vector<int> charset;
  for (char ch : c.charset) charset.push_back(static_cast<uint8_t>(ch));
  return {{"config", config_json(c.config)},
          {"charset", charset},
          {"data_hash", fmt::format("{:016x}", c.data_hash)},
          {"step", s.step},
          {"epoch", s.epoch},
          {"batch_in_epoch", s.batch_in_epoch},
          {"rng",
           {fmt::format("{:016x}", s.rng.s[0]), fmt::format("{:016x}", s.rng.s[1]),
            fmt::format("{:016x}", s.rng.s[2]), fmt::format("{:016x}", s.rng.s[3])}},
          {"partial",
           {{"ce_sum", s.partial.ce_sum},
            {"penalty_sum", s.partial.penalty_sum},
            {"correct", s.partial.correct},
            {"counted", s.partial.counted}}},
          {"elapsed", s.elapsed},
          {"best",
           {{"valid", s.best.valid},
            {"int_acc", s.best.int_acc},
            {"correct", s.best.correct},
            {"examples", s.best.examples},
            {"epoch", s.best.epoch},
            {"max_abs_acc", s.best.max_abs_acc}}},
          {"history", history}};
}

// A header field that is not what the writer writes; `field` is its JSON path ("rng[2]").
struct FieldError {
  std::string field, what;
};

uint64_t hex64(const nlohmann::json& j, const std::string& field) {
  const std::string text = j.is_string() ? j.get<std::string>() : std::string();
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (text.size() != 16 || ec != std::errc{} || end != text.data() + text.size())
    throw FieldError{
        field, fmt::format("{} is not 16 hex digits",
                           printable(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60))};
  return v;
}

std::string describe(const nlohmann::json& j) {
  return printable(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60);
}

// `value` has the kinds of `like` (a header written from a default state): the same keys,
// integers where the writer writes integers (unsigned ones non-negative, signed ones within
// int32), finite numbers below limits::kCheckpointNumber where it writes floats, so that no
// later conversion to int or float is undefined. Extra and missing keys are not checked here.
void check_like(const nlohmann::json& value, const nlohmann::json& like, const std::string& field) {
  auto bad = [&](const std::string& expected) {
    throw FieldError{field, fmt::format("expected {}, found {}", expected, describe(value))};
  };
  if (like.is_object()) {
    if (!value.is_object()) bad("an object");
    for (const auto& [key, sub] : like.items()) {
      const std::string path = field.empty() ? key : field + "." + key;
      // A missing key is left to the reader: some are optional (written by newer versions),
      // and a required one fails there with its name.
      if (value.contains(key)) check_like(value.at(key), sub, path);
    }
  } else if (like.is_array()) {
    if (!value.is_array()) bad("an array");
    if (!like.empty())
      for (size_t i = 0; i < value.size(); ++i)
        check_like(value[i], like[0], fmt::format("{}[{}]", field, i));
  } else if (like.is_boolean()) {
    if (!value.is_boolean()) bad("true or false");
  } else if (like.is_string()) {
    if (!value.is_string()) bad("a string");
  } else if (like.is_number_unsigned()) {
    if (!value.is_number_unsigned()) bad("a whole number >= 0");
  } else if (like.is_number_integer()) {
    if (!value.is_number_integer() || value.get<int64_t>() < INT32_MIN || value.get<int64_t>() > INT32_MAX)
      bad("a whole number within 32 bits");
  } else if (like.is_number_float() || like.is_null()) {
    if (value.is_null() && like.is_null()) return;
    if (!value.is_number() || !std::isfinite(value.get<double>()) ||
        std::fabs(value.get<double>()) > limits::kCheckpointNumber)
      bad(fmt::format("a finite number below {:g}", limits::kCheckpointNumber));
  }
}

uint32_t u32_field(const nlohmann::json& h, const char* key) {
  const uint64_t v = h.at(key).get<uint64_t>();
  if (v > UINT32_MAX) throw FieldError{key, fmt::format("{} does not fit 32 bits", v)};
  return static_cast<uint32_t>(v);
}

// The shape every header must have: written from a default checkpoint with one element in
// each array (so element kinds are known).
const nlohmann::json& header_template() {
  static const nlohmann::json like = [] {
    Checkpoint c;
    c.config.hidden = {1};
    c.config.sparsity = {0.0, 0.0};  // per layer: an array of floats (see read_header)
    c.charset = "a";
    EpochRecord r;
    r.max_abs_acc = {0};
    c.state.history = {r};
    c.state.best.max_abs_acc = {0};
    return header_json(c);
  }();
  return like;
}

void read_header(const nlohmann::json& h, Checkpoint& c) {
  TrainState& s = c.state;
  // config.sparsity is one number (every layer) or an array (per layer): checked as an array.
  const nlohmann::json* config = h.is_object() && h.contains("config") ? &h.at("config") : nullptr;
  if (config && config->is_object() && config->contains("sparsity") && config->at("sparsity").is_number()) {
    nlohmann::json as_array = h;
    as_array["config"]["sparsity"] = nlohmann::json::array({config->at("sparsity")});
    check_like(as_array, header_template(), "");
  } else {
    check_like(h, header_template(), "");
  }
  c.config = config_from_json(h.at("config"));
  c.charset.clear();
  const auto& charset = h.at("charset");
  for (size_t i = 0; i < charset.size(); ++i) {
    const int ch = charset[i].get<int>();
    if (ch < 0 || ch > 255)
      throw FieldError{fmt::format("charset[{}]", i), fmt::format("{} is not a byte (0..255)", ch)};
    c.charset += static_cast<char>(ch);
  }
  c.data_hash = hex64(h.at("data_hash"), "data_hash");
  h.at("step").get_to(s.step);
  s.epoch = u32_field(h, "epoch");
  s.batch_in_epoch = u32_field(h, "batch_in_epoch");
  if (h.at("rng").size() != 4)
    throw FieldError{"rng", fmt::format("has {} words, the generator has 4", h.at("rng").size())};
  for (size_t i = 0; i < 4; ++i) s.rng.s[i] = hex64(h.at("rng").at(i), fmt::format("rng[{}]", i));
  if ((s.rng.s[0] | s.rng.s[1] | s.rng.s[2] | s.rng.s[3]) == 0)
    throw FieldError{"rng", "the state is all zero (the generator would only ever return 0)"};
  const auto& p = h.at("partial");
  p.at("ce_sum").get_to(s.partial.ce_sum);
  p.at("penalty_sum").get_to(s.partial.penalty_sum);
  p.at("correct").get_to(s.partial.correct);
  p.at("counted").get_to(s.partial.counted);
  h.at("elapsed").get_to(s.elapsed);
  const auto& b = h.at("best");
  b.at("valid").get_to(s.best.valid);
  b.at("int_acc").get_to(s.best.int_acc);
  b.at("correct").get_to(s.best.correct);
  b.at("examples").get_to(s.best.examples);
  s.best.epoch = u32_field(b, "epoch");
  b.at("max_abs_acc").get_to(s.best.max_abs_acc);
  for (const auto& r : h.at("history")) s.history.push_back(epoch_record_from_json(r));
}

}  // namespace

std::string serialize_checkpoint(const Checkpoint& c) {
  const TrainState& s = c.state;
  std::string out(kCheckpointMagic, sizeof kCheckpointMagic);
  put<uint16_t>(out, kCheckpointVersion);
  const std::string header = header_json(c).dump();
  put<uint32_t>(out, static_cast<uint32_t>(header.size()));
  out += header;
  put<uint64_t>(out, s.params.size());
  put_array(out, s.params);
  put_array(out, s.adam_m);
  put_array(out, s.adam_v);
  put_array(out, s.ema);  // empty unless config.ema > 0
  put<uint32_t>(out, static_cast<uint32_t>(s.scales.size()));
  put_array(out, s.scales);
  put<uint32_t>(out, s.batch_in_epoch ? static_cast<uint32_t>(s.order.size()) : 0u);
  if (s.batch_in_epoch) put_array(out, s.order);
  const std::string best = s.best.valid ? serialize_model(s.best.model) : std::string();
  put<uint32_t>(out, static_cast<uint32_t>(best.size()));
  out += best;
  put<uint32_t>(out, crc32_of(out));
  return out;
}

Checkpoint parse_checkpoint(std::string_view bytes, const std::string& name) {
  Reader r(bytes, name);
  if (r.take(sizeof kCheckpointMagic, "the magic") !=
      std::string_view(kCheckpointMagic, sizeof kCheckpointMagic))
    throw Error(name + ": byte 0: not a z80lm checkpoint (bad magic)",
                "pass the .ckpt file written by `z80lm train` (--checkpoint)");
  const auto version = r.get<uint16_t>("the version");
  if (version < kCheckpointOldestVersion || version > kCheckpointVersion)
    throw Error(fmt::format("{}: byte 8: checkpoint format version {}, this z80lm reads versions {} to {}",
                            name, version, kCheckpointOldestVersion, kCheckpointVersion),
                "resume with the z80lm that wrote it, or train again without --resume");
  if (bytes.size() >= 4) {
    uint32_t stored;
    std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
    if (stored != crc32_of(bytes.substr(0, bytes.size() - 4)))
      r.fail(bytes.size() - 4, "CRC mismatch: the file is damaged or truncated");
  }
  Checkpoint c;
  const size_t header_at = r.offset();
  const auto header_size = r.get<uint32_t>("the header size");
  if (header_size > limits::kCheckpointHeaderBytes)
    r.fail(header_at, fmt::format("header size {} is more than the {} allowed", header_size,
                                  limits::kCheckpointHeaderBytes));
  const std::string_view header = r.take(header_size, "the header");
  try {
    read_header(nlohmann::json::parse(header), c);
  } catch (const FieldError& e) {
    r.fail(header_at + 4, fmt::format("header field {}: {}", e.field, e.what));
  } catch (const nlohmann::json::exception& e) {
    r.fail(header_at + 4, std::string("bad header: ") + printable(e.what(), 200));
  }
  if (std::string p = config_problem(c.config, static_cast<int>(c.charset.size())); !p.empty())
    r.fail(header_at + 4, "header field config: " + p);
  TrainState& s = c.state;
  const size_t params_at = r.offset();
  const auto n = r.get<uint64_t>("the parameter count");
  s.params = r.array<float>(n, "the parameters");
  s.adam_m = r.array<float>(n, "the Adam first moments");
  s.adam_v = r.array<float>(n, "the Adam second moments");
  if (c.config.ema > 0.f) s.ema = r.array<float>(n, "the moving average of the parameters");
  const size_t expected =
      net_shape(network_widths(c.config.encoding, c.config.hidden, static_cast<int>(c.charset.size()))).total;
  if (n != expected)
    r.fail(params_at, fmt::format("{} parameters, the configured network has {}", n, expected));
  const size_t scales_at = r.offset();
  const auto layers = r.get<uint32_t>("the layer count");
  if (layers != c.config.hidden.size() + 1)
    r.fail(scales_at, fmt::format("{} layer scales for {} layers", layers, c.config.hidden.size() + 1));
  s.scales = r.array<float>(layers, "the layer scales");
  auto check_floats = [&](const std::vector<float>& v, size_t at, const char* field, bool positive) {
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]) || std::fabs(v[i]) > limits::kCheckpointNumber || (positive && !(v[i] > 0.f)))
        r.fail(at + 4 * i,
               fmt::format("field {}[{}] is {}, expected a finite number{}", field, i, v[i],
                           positive ? " > 0" : fmt::format(" below {:g}", limits::kCheckpointNumber)));
  };
  check_floats(s.params, params_at + 8, "params", false);
  check_floats(s.adam_m, params_at + 8 + 4 * n, "adam_m", false);
  check_floats(s.adam_v, params_at + 8 + 8 * n, "adam_v", false);
  check_floats(s.ema, params_at + 8 + 12 * n, "ema", false);
  for (size_t i = 0; i < s.adam_v.size(); ++i)
    if (s.adam_v[i] < 0.f)
      r.fail(params_at + 8 + 8 * n + 4 * i,
             fmt::format("field adam_v[{}] is {}, expected >= 0", i, s.adam_v[i]));
  check_floats(s.scales, scales_at + 4, "scales", true);
  const size_t order_at = r.offset();
  s.order = r.array<uint32_t>(r.get<uint32_t>("the order size"), "the example order");
  if ((s.batch_in_epoch == 0) != s.order.empty())
    r.fail(
        order_at,
        fmt::format("field order has {} entries with batch_in_epoch {} (an epoch in progress has an order, "
                    "a finished one none)",
                    s.order.size(), s.batch_in_epoch));
  const size_t best_at = r.offset();
  const auto best_size = r.get<uint32_t>("the best-model size");
  if ((best_size > 0) != s.best.valid) r.fail(best_at, "best model presence disagrees with the header");
  if (best_size) s.best.model = parse_model(r.take(best_size, "the best model"), name + " (best model)");
  r.get<uint32_t>("the CRC");
  if (r.offset() != bytes.size()) r.fail(r.offset(), "unexpected bytes after the CRC");
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  write_file_atomic(path, serialize_checkpoint(c));
}

Checkpoint load_checkpoint(const std::string& path) {
  return parse_checkpoint(read_file(path, limits::kCheckpointFileBytes), path);
}

}  // namespace z80lm
