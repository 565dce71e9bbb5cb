// engine_fast.h — the `fast` Z80 engine: index lists, the query half of layer 1 cached, exact.
//
//   AsmPart part = FastEngine().generate(model);   // see engine.h; docs/engine-fast.md
//
// Per response NET_QUERY computes layer 1's accumulators over the query block (NET_IN: 128
// buckets in encoding v1, 256 in v2; v3: NET_IN's 256 then NET_IN2's 256) plus the biases
// once, into a cache; per character
// NET_RUN copies the cache and adds only the context buckets the chat core lists (CTX_LIST,
// engine.h; FX_CPTR finds their records). Every layer is input-major over index lists
// (fast_records.h): a ReLU-zeroed hidden value skips its record with one add, and a nonzero input
// x adds x to the accumulators of its +1 outputs and subtracts it from those of its -1 (-2: twice)
// outputs. Hidden layers are never stored: the walk over layer k's accumulators tests each one
// (>= 4 after ReLU and >> 2 means nonzero) and feeds layer k+1 at once; the output layer's
// accumulators are left for ARGMAX (OUT_STEP = 4). Hidden biases that share one high byte are
// stored as low bytes only (the high bytes filled). Walks within a budget of pointer tables
// (W<k>_T, 2 bytes per input, 1,024 bytes in all) find their records through them instead of
// skipping records (such records drop their L byte).
// Inner loop per visit (x < 256), portable flavour: LD E,(HL) / INC HL / LD A,(DE) / ADD A,C /
// LD (DE),A / JR C = 38 T-states, a carry into the high byte out of line; 16 slots per pass.
// Invariants: exact 16-bit modular arithmetic for any int16 inputs (x >= 256 or negative takes
// a slower two-pass path); the portable flavour keeps IY and SP, leaves interrupts alone (the
// Spectrum); a target that allows it (EngineTarget::may_disable_interrupts: CP/M) gets the
// SP-streaming flavour instead, 34 T-states a visit, with interrupts off during NET_RUN.
// Limits: the shapes of model/z80_limits.h; index lists take a byte per nonzero weight (a -2
// twice), so dense models need far more memory than with the compact engine.
// Not modelled: a layout for dense models (the compact engine's packed columns).
#pragma once
#include <cstdint>

#include "z80/engine.h"

namespace z80lm::z80 {

// Bytes the hidden walks' pointer tables may take by default (engine_fast.cpp, tabled_walks):
// the examples' three walks. 0: no tables (the smaller, slower layout).
inline constexpr int kFastTableBudget = 1024;

class FastEngine : public Engine {
 public:
  explicit FastEngine(int table_budget = kFastTableBudget) : table_budget_(table_budget) {}
  std::string_view name() const override { return "fast"; }
  std::string_view too_large_hint() const override {
    return "the fast engine stores a byte per nonzero weight: train with `z80lm train --sparsity 0.75` "
           "(or higher), or export with --engine compact";
  }
  std::string_view description() const override {
    return "index lists, query half of layer 1 cached per response: fastest, exact";
  }
  std::string problem(const Model& m) const override;
  uint32_t model_bytes(const Model& m) const override;
  AsmPart generate(const Model& m) const override;  // portable: no DI, SP stays the stack
  AsmPart generate(const Model& m, const EngineTarget& target) const override;

 private:
  AsmPart generate_flavor(const Model& m, bool sp_streaming) const;
  int table_budget_;
};

}  // namespace z80lm::z80
