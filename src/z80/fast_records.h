// fast_records.h — the `fast` engine's weights: per input, the accumulators it adds to and
// subtracts from, as index lists (so a visit costs nothing for a zero weight or a zero input).
//
//   std::vector<uint8_t> r = fast_records(model.layers[1], 0, model.layers[1].n_in);
//   // r holds one record per input, in input order; the Z80 walks them in step with the inputs.
//
// Record of input i (bytes): [L] [P] then P plus offsets then M minus offsets, where
//   L = 2 + P + M (the record's size, so that a zero input skips it with one add),
//   P = the outputs o with w[o][i] = +1, as offsets 256 - n_out + o into a split accumulator
//       page (ascending), M = the outputs with w[o][i] = -1 and, listed twice, -2 (ascending).
// Subtracting x twice for a -2 weight is exact: every accumulation is modulo 2^16.
// Invariants: L <= kFastMaxRecordBytes (fast_records_problem names any input beyond it).
// Not modelled: how the Z80 code reads the records (engine_fast.cpp, docs/engine-fast.md).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/model.h"

namespace z80lm::z80 {

inline constexpr int kFastRecordHeaderBytes = 2;
inline constexpr int kFastMaxRecordBytes = 255;  // L is one byte

// Entries of input i's record: the +1 and -1 weights once, the -2 weights twice.
int fast_record_entries(const Layer& layer, int i);

// The records of inputs first .. first+count-1 of `layer`, concatenated.
std::vector<uint8_t> fast_records(const Layer& layer, int first, int count);

// Empty when every record of `m` fits a byte-sized L, else one line naming the layer and input.
std::string fast_records_problem(const Model& m);

// Reads records back into weights: w is (n_out, count) for inputs first..first+count-1; for tests.
std::vector<int8_t> fast_records_weights(std::span<const uint8_t> records, int n_out, int count);

}  // namespace z80lm::z80
