#include "z80/fast_records.h"

#include <fmt/core.h>

namespace z80lm::z80 {

namespace {

int8_t weight(const Layer& layer, int o, int i) {
  return layer.w[static_cast<size_t>(o) * layer.n_in + i];
}

}  // namespace

uint8_t fast_count_byte(int entries) {
  if (entries == 0) return 0;
  const int passes = (entries + kFastPass - 1) / kFastPass;
  return static_cast<uint8_t>((passes * kFastPass - entries) << 4 | passes);
}

int fast_count_entries(uint8_t count_byte) {
  const int passes = count_byte & 15;
  return passes == 0 ? 0 : passes * kFastPass - (count_byte >> 4);
}

int fast_plus_entries(const Layer& layer, int i) {
  int entries = 0;
  for (int o = 0; o < layer.n_out; ++o) entries += weight(layer, o, i) == 1;
  return entries;
}

int fast_minus_entries(const Layer& layer, int i) {
  int entries = 0;
  for (int o = 0; o < layer.n_out; ++o) entries += weight(layer, o, i) < 0 ? -weight(layer, o, i) : 0;
  return entries;
}

std::vector<uint8_t> fast_records(const Layer& layer, int first, int count) {
  std::vector<uint8_t> out;
  const int base = 256 - layer.n_out;
  for (int i = first; i < first + count; ++i) {
    std::vector<uint8_t> plus, minus;
    for (int o = 0; o < layer.n_out; ++o) {
      const int8_t w = weight(layer, o, i);
      const auto offset = static_cast<uint8_t>(base + o);
      if (w == 1) plus.push_back(offset);
      for (int k = 0; k < -w; ++k) minus.push_back(offset);
    }
    out.push_back(static_cast<uint8_t>(kFastRecordHeaderBytes + plus.size() + minus.size()));
    out.push_back(fast_count_byte(static_cast<int>(minus.size())));
    out.push_back(fast_count_byte(static_cast<int>(plus.size())));
    out.insert(out.end(), plus.begin(), plus.end());
    out.insert(out.end(), minus.begin(), minus.end());
  }
  return out;
}

uint32_t fast_records_bytes(const Layer& layer, int first, int count) {
  uint32_t bytes = 0;
  for (int i = first; i < first + count; ++i)
    bytes += static_cast<uint32_t>(kFastRecordHeaderBytes + fast_plus_entries(layer, i) +
                                   fast_minus_entries(layer, i));
  return bytes;
}

std::string fast_records_problem(const Model& m) {
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& layer = m.layers[k];
    for (int i = 0; i < layer.n_in; ++i) {
      const int plus = fast_plus_entries(layer, i), minus = fast_minus_entries(layer, i);
      if (plus > kFastMaxListEntries || minus > kFastMaxListEntries ||
          kFastRecordHeaderBytes + plus + minus > kFastMaxRecordBytes)
        return fmt::format(
            "layer {} input {} has {} +1 and {} negative weight entries (a -2 counts twice); the fast "
            "engine allows {} per sign and {} in all (the compact engine has no such limit)",
            k + 1, i, plus, minus, kFastMaxListEntries, kFastMaxRecordBytes - kFastRecordHeaderBytes);
    }
  }
  return {};
}

std::vector<int8_t> fast_records_weights(std::span<const uint8_t> records, int n_out, int count) {
  std::vector<int8_t> w(static_cast<size_t>(n_out) * count, 0);
  const int base = 256 - n_out;
  size_t at = 0;
  for (int i = 0; i < count && at + kFastRecordHeaderBytes <= records.size(); ++i) {
    const size_t end = at + records[at];
    const size_t plus_end =
        at + kFastRecordHeaderBytes + static_cast<size_t>(fast_count_entries(records[at + 2]));
    for (size_t k = at + kFastRecordHeaderBytes; k < end && k < records.size(); ++k) {
      if (records[k] < base) continue;  // not an output of this layer: left for the caller to notice
      int8_t& cell = w[static_cast<size_t>(records[k] - base) * count + i];
      cell = static_cast<int8_t>(k < plus_end ? 1 : cell - 1);
    }
    at = end;
  }
  return w;
}

}  // namespace z80lm::z80
