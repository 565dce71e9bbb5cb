#include "z80/fast_records.h"

#include <fmt/core.h>

namespace z80lm::z80 {

namespace {

int8_t weight(const Layer& layer, int o, int i) {
  return layer.w[static_cast<size_t>(o) * layer.n_in + i];
}

}  // namespace

int fast_record_entries(const Layer& layer, int i) {
  int entries = 0;
  for (int o = 0; o < layer.n_out; ++o) {
    const int8_t w = weight(layer, o, i);
    entries += w == -2 ? 2 : w != 0 ? 1 : 0;
  }
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
    out.push_back(static_cast<uint8_t>(plus.size()));
    out.insert(out.end(), plus.begin(), plus.end());
    out.insert(out.end(), minus.begin(), minus.end());
  }
  return out;
}

std::string fast_records_problem(const Model& m) {
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const Layer& layer = m.layers[k];
    for (int i = 0; i < layer.n_in; ++i) {
      const int entries = fast_record_entries(layer, i);
      if (kFastRecordHeaderBytes + entries > kFastMaxRecordBytes)
        return fmt::format(
            "layer {} input {} has {} nonzero weight entries (a -2 counts twice); the fast engine allows {}",
            k + 1, i, entries, kFastMaxRecordBytes - kFastRecordHeaderBytes);
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
    const size_t plus_end = at + kFastRecordHeaderBytes + records[at + 1];
    for (size_t k = at + kFastRecordHeaderBytes; k < end && k < records.size(); ++k) {
      int8_t& cell = w[static_cast<size_t>(records[k] - base) * count + i];
      cell = static_cast<int8_t>(k < plus_end ? 1 : cell - 1);
    }
    at = end;
  }
  return w;
}

}  // namespace z80lm::z80
