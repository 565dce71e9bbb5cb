// fast_records.h — the `fast` engine's weights: per input, the accumulators it adds to and
// subtracts from, as index lists (so a visit costs nothing for a zero weight or a zero input).
//
//   std::vector<uint8_t> r = fast_records(model.layers[1], 0, model.layers[1].n_in);
//   // r holds one record per input, in input order; the Z80 walks them in step with the inputs.
//
// Record of input i (bytes): [L] [Mc] [Pc], then P plus entries, then M minus entries, where
//   L  = 3 + P + M, the record's size (a zero input skips its record with one add),
//   Pc, Mc = fast_count_byte(P), fast_count_byte(M): the counts pre-decoded for the unrolled
//       loop, (slots to skip in the first pass) << 4 | (passes of kFastPass entries),
//   plus entries = the outputs o with w[o][i] = +1 as offsets 256 - n_out + o into a split
//       accumulator page (ascending); minus entries likewise for -1 and, listed twice, -2.
// Subtracting x twice for a -2 weight is exact: every accumulation is modulo 2^16.
// An input whose lists do not fit (a list over kFastMaxListEntries, or L over 255) gets a far
// record instead: [5] [0] [kFastFarMarker] [offset low] [offset high], the offset (from the far
// record's first byte) leading to its body after all the block's records: the plus entries in
// chunks of [count byte] + up to kFastMaxListEntries entries, then a 0 byte, then the minus
// entries likewise. kFastFarMarker is no count byte (passes 0, slots to skip 14).
// Not modelled: how the Z80 code reads the records (engine_fast.cpp, docs/engine-fast.md).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"

namespace z80lm::z80 {

inline constexpr int kFastRecordHeaderBytes = 3;
inline constexpr int kFastMaxRecordBytes = 255;  // L is one byte
inline constexpr int kFastPass = 16;             // entries per pass of the unrolled loop
inline constexpr int kFastMaxListEntries = 15 * kFastPass;
inline constexpr uint8_t kFastFarMarker = 0xE0;  // in a record's Pc: a far record
inline constexpr int kFastFarRecordBytes = 5;

// 0 for no entries, else (16*passes - entries) << 4 | passes with passes = ceil(entries / 16).
uint8_t fast_count_byte(int entries);
// The inverse: the entries a count byte stands for.
int fast_count_entries(uint8_t count_byte);

// Entries of input i: the plus list (+1 weights) and the minus list (-1 once, -2 twice).
int fast_plus_entries(const Layer& layer, int i);
int fast_minus_entries(const Layer& layer, int i);

// The records of inputs first .. first+count-1 of `layer`, concatenated, then the far bodies.
std::vector<uint8_t> fast_records(const Layer& layer, int first, int count);

// Bytes fast_records(layer, first, count) takes.
uint32_t fast_records_bytes(const Layer& layer, int first, int count);

// Reads records back into weights: w is (n_out, count) for inputs first..first+count-1; for tests.
std::vector<int8_t> fast_records_weights(std::span<const uint8_t> records, int n_out, int count);

}  // namespace z80lm::z80
