// engine_compact.h — the `compact` Z80 engine: 2-bit weights, 4 per byte, input-major, exact.
//
//   std::vector<uint8_t> packed = pack_compact_columns(model.layers[0]);   // what goes in the image
//   AsmPart part = CompactEngine().generate(model);                       // see engine.h
//
// Packed format (per layer, (n_in, compact_column_bytes(n_out)) bytes): one column per input
// i, holding the codes of all outputs for that input, so a zero input skips its whole column.
// Layer 1 walks its inputs' blocks in input order (engine.h): NET_IN's 256 (v1: queries and
// context), or v2 NET_IN then NET_CTX; the columns continue. Encoding v3 packs only layer 1's
// 128 context columns: its 512 query columns are nibble-coded (fast_query_columns.h, L1_QCOL)
// and NET_QUERY adds them into QCACHE once per response (query_columns_code.h); NET_RUN
// copies QCACHE into layer 1's accumulators and walks NET_CTX's columns only.
// Column bytes g = 0..G-1 hold slots 4g..4g+3, slot 4g+j in bits 7-2j..6-2j (first slot in
// the top bits); slot s is output s - pad with pad = 4G - n_out leading empty slots (code 0).
// Codes: 00 = 0, 01 = +1, 10 = -1, 11 = -2 (a zero byte = four zero weights).
// Biases: n_out low bytes, then n_out high bytes. Image size per layer: n_in*G + 2*n_out bytes,
// plus a 15-byte descriptor (v3 layer 1: 128*G packed + its query columns' nibble bytes); the
// engine's code is 352 bytes (v3: 529, with NET_QUERY's decoder and the cache copy; QCACHE takes
// 512 bytes of RAM).
//
// Cost (T-states, Zilog timing; docs/export.md has the loop): a zero input skips its column
// for 74; a nonzero input costs ~115 plus, per column byte, 13 to load it and per slot:
// 33 for a zero weight, 100 for +1, 93 for -1, 155 for -2 (two exact subtractions); once the
// codes left in a byte are all zero the byte ends (four zero weights: 73 in all).
// Invariants: exact 16-bit modular arithmetic (the original's -2 borrow bug cannot happen:
// every subtraction starts with SUB, not SBC); any width 1..256 per layer.
// Not modelled: caching of the query half in encodings v1 and v2 (their programs are those of
// before v3's cache, byte for byte).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "z80/engine.h"

namespace z80lm::z80 {

inline constexpr int kCompactCodesPerByte = 4;
inline constexpr int kDescriptorBytes = 15;  // per layer: DSC_* fields read with (IX+d)

// 2-bit code of a weight in {-2,-1,0,+1}.
uint8_t compact_code(int8_t weight);

// Bytes per column: ceil(n_out / 4).
inline int compact_column_bytes(int n_out) {
  return (n_out + kCompactCodesPerByte - 1) / kCompactCodesPerByte;
}

// layer.w is (n_out, n_in); returns (n_in - first_input, compact_column_bytes(n_out)) bytes:
// the columns of inputs first_input..n_in-1.
std::vector<uint8_t> pack_compact_columns(const Layer& layer, int first_input = 0);

// The weight of output o for input i, read back from a packed layer (for tests and tools).
int8_t compact_weight(std::span<const uint8_t> packed, int n_out, int o, int i);

class CompactEngine : public Engine {
 public:
  std::string_view name() const override { return "compact"; }
  std::string_view description() const override {
    return "2-bit packed weights (4 per byte), zero inputs skipped: smallest image";
  }
  std::string problem(const Model& m) const override;
  uint32_t model_bytes(const Model& m) const override;
  AsmPart generate(const Model& m) const override;
};

}  // namespace z80lm::z80
