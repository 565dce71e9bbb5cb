// int_eval.h — exact 16-bit integer inference over a whole example set, fast.
//
//   z80lm::IntEvaluator ev(model);
//   z80lm::IntEvalStats st = ev.evaluate(x, targets, 0, x.count);
//   double int_acc = double(st.correct) / st.examples;
//
// Same semantics as infer/reference.h, bit for bit (tested against predict_reference):
// acc = bias + Σ w·x wrapped to int16, y = acc >> 2 (floor), ReLU on hidden layers, first
// maximum wins. Why it is fast: codes and activations are small integers, so a float32
// matrix product computes every sum EXACTLY while all partial sums stay below 2^24 — true
// when 2·Σ|x| + 32768 < 2^24 for the inputs and 2·8192·n_in + 32768 < 2^24 for deeper layers
// (post-shift activations are within ±8192). Otherwise it falls back to int64 loops.
// Also reports, per layer, the largest |accumulator| BEFORE wrap-around (> 32767 means the
// Z80 wraps) and how many accumulators wrapped.
// Not modelled: the original's builder quirks (the -2 borrow); those belong to the engines.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "model/model.h"
#include "train/sparse_inputs.h"

namespace z80lm {

class ThreadPool;

struct IntEvalStats {
  size_t examples = 0;
  size_t counted = 0;                // examples with a target >= 0
  size_t correct = 0;                // prediction == target (targets -1 are never correct)
  std::vector<int32_t> max_abs_acc;  // per layer, before wrap-around
  size_t wrapped = 0;                // accumulators outside int16
  void add(const IntEvalStats& o);
  double int_acc() const { return examples ? double(correct) / double(examples) : 0.0; }
};

class IntEvaluator {
 public:
  explicit IntEvaluator(const Model& m);

  // Rows [begin, end) of x; targets is (x.count) or null. When outputs is not null it
  // receives the final layer's int16 values, (end - begin, n_out) row-major.
  IntEvalStats evaluate(const SparseInputs& x, const int32_t* targets, size_t begin, size_t end,
                        int16_t* outputs = nullptr) const;

 private:
  bool exact_in_float(const SparseInputs& x) const;
  IntEvalStats evaluate_int64(const SparseInputs& x, const int32_t* targets, size_t begin, size_t end,
                              int16_t* outputs) const;

  const Model& model_;
  std::vector<Eigen::MatrixXf> codes_;  // per layer (n_out, n_in), column-major
  std::vector<Eigen::VectorXf> bias_;
};

// All rows, split over the pool's threads (the result does not depend on the split).
IntEvalStats int_evaluate(const Model& m, const SparseInputs& x, const int32_t* targets, ThreadPool& pool);

}  // namespace z80lm
