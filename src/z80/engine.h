// engine.h — a Z80 inference engine: the network as assembly code + data, behind a fixed contract.
//
//   std::unique_ptr<Engine> e = make_engine("compact");
//   if (std::string p = e->problem(model); !p.empty()) throw Error(p);
//   AsmPart part = e->generate(model);     // assembled together with the chat core and a shell
//
// The contract between the chat core (chat_core.h) and every engine, in symbols:
//   NET_IN      page address of the query block (the chat core's buffer): N_QUERY int16
//               values (input i at NET_IN+i, its high byte at NET_IN+256+i); they change once
//               per response. N_QUERY = query_buckets(model.encoding): 128 (v1), 256 (v2)
//               or 512 (v3). NET_IN holds at most 256 of them:
//   NET_IN2     v3 only: page address of query inputs 256..511 (input 256+i at NET_IN2+i, high
//               byte 256 higher), a split-page block like NET_IN's.
//   NET_CTX     address of the context block: 128 int16 values, input N_QUERY+j at NET_CTX+j
//               (high byte 256 higher); NET_CTX & 0FFh = 128, so a walk ends when L wraps.
//               v1: NET_CTX = NET_IN+128 (one 256-input vector, as the original had); v2, v3:
//               a page pair of its own. They change once per generated character.
//   CTX_HITS    a byte n (0..128), and CTX_LIST n distinct offsets (128..255, in NET_CTX's page,
//               any order) that include every nonzero context bucket (a listed bucket may be 0):
//               an engine may walk these instead of all 128 buckets. The chat core writes them
//               with NET_CTX (n <= 21: one per context n-gram).
//   NET_QUERY   routine: called after the query half of NET_IN changed (an engine may cache).
//   NET_RUN     routine: runs the whole network on NET_IN.
//   NET_OUT     page address (EQU) of the output vector after NET_RUN: N_OUT int16 values v at
//               offsets OUT_FIRST..255 (OUT_FIRST = 256 - N_OUT), high bytes 256 higher.
//   OUT_STEP    EQU, 1 or 4: the outputs are y = floor(v / OUT_STEP) (4: the output layer's
//               accumulators, y = acc >> 2 left to ARGMAX, which only compares).
//   N_OUT, OUT_FIRST, N_QUERY   EQUs defined by the chat core.
// Both routines may clobber AF, BC, DE, HL, IX and the alternate registers; they preserve IY
// and SP, leave interrupts as they are, and never use SP as a data pointer. Results must equal
// infer/reference.h bit for bit (16-bit wrap, floor shift, ReLU on hidden layers).
// A target may relax this with EngineTarget (generate(m, target)): with may_disable_interrupts,
// NET_RUN may run with interrupts disabled (restoring them as they were before it returns) and
// use SP as a data pointer meanwhile. CP/M allows it; the ZX Spectrum keeps interrupts on.
// Not modelled here: targets (CP/M, ZX Spectrum) and I/O — see program_cpm.h.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"
#include "z80/asm_part.h"

namespace z80lm::z80 {

// What a target allows an engine beyond the portable contract above (all false: portable).
struct EngineTarget {
  bool may_disable_interrupts = false;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  // Empty when this engine can run `m` (shape limits), else one line naming the limit.
  virtual std::string problem(const Model& m) const = 0;
  // Bytes of model data (weights, biases, tables) generate() puts in the image: lets a target
  // refuse a model that cannot fit before assembling anything.
  virtual uint32_t model_bytes(const Model& m) const = 0;
  // What to do when a model does not fit a target's memory with this engine.
  virtual std::string_view too_large_hint() const {
    return "train a smaller model (fewer or narrower hidden layers), or export a sparse one (`z80lm train "
           "--sparsity`) with --engine fast, which stores only the nonzero weights";
  }
  // Code, data and buffers implementing NET_QUERY / NET_RUN / NET_OUT for `m` (valid model).
  virtual AsmPart generate(const Model& m) const = 0;
  // The same for a target that allows more (EngineTarget); by default the portable code.
  virtual AsmPart generate(const Model& m, const EngineTarget& target) const {
    (void)target;
    return generate(m);
  }
};

// Throws z80lm::Error naming the known engines when `name` is not one of them.
std::unique_ptr<Engine> make_engine(std::string_view name);
std::vector<std::string> engine_names();

}  // namespace z80lm::z80
