#include "z80/fast_records.h"

#include <algorithm>

namespace z80lm::z80 {

namespace {

int8_t weight(const Layer& layer, int o, int i) {
  return layer.w[static_cast<size_t>(o) * layer.n_in + i];
}

// The plus and minus entries of input i.
struct Lists {
  std::vector<uint8_t> plus, minus;

  bool fit() const {
    return static_cast<int>(plus.size()) <= kFastMaxListEntries &&
           static_cast<int>(minus.size()) <= kFastMaxListEntries &&
           kFastRecordHeaderBytes + plus.size() + minus.size() <= static_cast<size_t>(kFastMaxRecordBytes);
  }
};

Lists lists_of(const Layer& layer, int i) {
  Lists l;
  const int base = 256 - layer.n_out;
  for (int o = 0; o < layer.n_out; ++o) {
    const int8_t w = weight(layer, o, i);
    const auto offset = static_cast<uint8_t>(base + o);
    if (w == 1) l.plus.push_back(offset);
    for (int k = 0; k < -w; ++k) l.minus.push_back(offset);
  }
  return l;
}

// A far body's list: chunks of [count byte][entries], then 0.
void append_chunks(std::vector<uint8_t>& out, const std::vector<uint8_t>& entries) {
  for (size_t at = 0; at < entries.size(); at += kFastMaxListEntries) {
    const size_t n = std::min(entries.size() - at, static_cast<size_t>(kFastMaxListEntries));
    out.push_back(fast_count_byte(static_cast<int>(n)));
    out.insert(out.end(), entries.begin() + static_cast<ptrdiff_t>(at),
               entries.begin() + static_cast<ptrdiff_t>(at + n));
  }
  out.push_back(0);
}

// Reads one list (count byte at `at`) or a far body's chunks back into weights.
void read_entries(std::span<const uint8_t> bytes, size_t at, size_t n, int sign, int base, int count, int i,
                  std::vector<int8_t>& w) {
  for (size_t k = at; k < at + n && k < bytes.size(); ++k) {
    if (bytes[k] < base) continue;  // not an output of this layer: left for the caller to notice
    int8_t& cell = w[static_cast<size_t>(bytes[k] - base) * count + i];
    cell = static_cast<int8_t>(sign > 0 ? 1 : cell - 1);
  }
}

size_t read_chunks(std::span<const uint8_t> bytes, size_t at, int sign, int base, int count, int i,
                   std::vector<int8_t>& w) {
  while (at < bytes.size() && bytes[at] != 0) {
    const auto n = static_cast<size_t>(fast_count_entries(bytes[at]));
    read_entries(bytes, at + 1, n, sign, base, count, i, w);
    at += 1 + n;
  }
  return at + 1;
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
  return static_cast<int>(lists_of(layer, i).plus.size());
}

int fast_minus_entries(const Layer& layer, int i) {
  return static_cast<int>(lists_of(layer, i).minus.size());
}

std::vector<uint8_t> fast_records(const Layer& layer, int first, int count) {
  std::vector<Lists> all;
  size_t records_bytes = 0;
  for (int i = first; i < first + count; ++i) {
    all.push_back(lists_of(layer, i));
    records_bytes += all.back().fit()
                         ? kFastRecordHeaderBytes + all.back().plus.size() + all.back().minus.size()
                         : static_cast<size_t>(kFastFarRecordBytes);
  }
  std::vector<uint8_t> out, bodies;
  for (const Lists& l : all) {
    if (l.fit()) {
      out.push_back(static_cast<uint8_t>(kFastRecordHeaderBytes + l.plus.size() + l.minus.size()));
      out.push_back(fast_count_byte(static_cast<int>(l.minus.size())));
      out.push_back(fast_count_byte(static_cast<int>(l.plus.size())));
      out.insert(out.end(), l.plus.begin(), l.plus.end());
      out.insert(out.end(), l.minus.begin(), l.minus.end());
      continue;
    }
    const size_t offset = records_bytes + bodies.size() - out.size();
    out.insert(out.end(), {static_cast<uint8_t>(kFastFarRecordBytes), 0, kFastFarMarker,
                           static_cast<uint8_t>(offset & 0xFF), static_cast<uint8_t>(offset >> 8)});
    append_chunks(bodies, l.plus);
    append_chunks(bodies, l.minus);
  }
  out.insert(out.end(), bodies.begin(), bodies.end());
  return out;
}

uint32_t fast_records_bytes(const Layer& layer, int first, int count) {
  return static_cast<uint32_t>(fast_records(layer, first, count).size());
}

std::vector<int8_t> fast_records_weights(std::span<const uint8_t> records, int n_out, int count) {
  std::vector<int8_t> w(static_cast<size_t>(n_out) * count, 0);
  const int base = 256 - n_out;
  size_t at = 0;
  for (int i = 0; i < count && at + kFastRecordHeaderBytes <= records.size(); ++i) {
    if (records[at + 2] == kFastFarMarker && at + kFastFarRecordBytes <= records.size()) {
      const size_t body = at + (records[at + 3] | records[at + 4] << 8);
      read_chunks(records, read_chunks(records, body, +1, base, count, i, w), -1, base, count, i, w);
    } else {
      const auto plus = static_cast<size_t>(fast_count_entries(records[at + 2]));
      const auto minus = static_cast<size_t>(fast_count_entries(records[at + 1]));
      read_entries(records, at + kFastRecordHeaderBytes, plus, +1, base, count, i, w);
      read_entries(records, at + kFastRecordHeaderBytes + plus, minus, -1, base, count, i, w);
    }
    at += records[at];
  }
  return w;
}

}  // namespace z80lm::z80
