// query_columns_code.h — the Z80 decoder of nibble-coded query columns (fast_query_columns.h),
// shared by the fast engine and (encoding v3) the compact engine: their NET_QUERY adds layer 1's
// query inputs into a cache of accumulators once per response.
//
//   out += copy of the biases into the cache;            // the engine's own layout
//   out += query_columns_code({.columns = "L1_QCOL", .cache = "QCACHE", .n_out = n1,
//                              .query_inputs = 512, .x = "FX_X", .minus_x = "FX_N"});
//
// The text walks NET_IN's inputs (v3: then NET_IN2's) in order; a zero input skips its column,
// a nonzero x adds +x, -x or -2x to the accumulators its nibbles name; then RET. It defines the
// labels NQ_LOOP, NQ_SKIP, NQ_NEXT, QCOL, QC_NIB, QC_SKIP, QC_MINUS and QC_ACC.
// Invariants: exact 16-bit modular arithmetic for any int16 x; the cache is split pages (low
// bytes, then high bytes 256 higher) with output o at offset 256 - n_out + o; uses the stack.
// Not modelled: the bias copy (each engine stores its biases its own way); small, not fast.
#pragma once
#include <string>
#include <string_view>

namespace z80lm::z80 {

struct QueryColumnsCode {
  std::string_view columns;  // label of the nibble columns (fast_query_columns)
  std::string_view cache;    // page-aligned 512-byte accumulator buffer, biases already in it
  int n_out = 0;             // layer 1's outputs, 1..256
  int query_inputs = 0;      // 128 (v1), 256 (v2) or 512 (v3: NET_IN then NET_IN2)
  std::string_view x;        // a 2-byte variable for x
  std::string_view minus_x;  // a 2-byte variable for -x
};

std::string query_columns_code(const QueryColumnsCode& c);

}  // namespace z80lm::z80
