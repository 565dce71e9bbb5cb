// qat_forward.h — the float model the optimiser sees, written to BE the Z80's integer model.
//
//   z80lm::Workspace ws;
//   z80lm::BatchStats st = z80lm::forward_backward(shape, eff, x, rows, n, targets, opt,
//                                                  1.f / n, grad, ws);   // grad += dLoss/d(eff)
//
// Per layer k, on effective parameters `eff` (qat_net.h: codes in code units, biases in
// accumulator units) and inputs in Z80 units (32 per hit, exactly as encoded):
//     z_k = c_k · y_{k-1} + b_k          -- the 16-bit accumulator, before wrap-around
//     y_k = floor(z_k / 4)               -- SRA: floor, not truncation
//     y_k = max(y_k, 0)                  -- hidden layers only
// and the loss is   CE(softmax(logit_scale · y_L), target)
//                 + overflow_weight · Σ_k Σ_neurons (max(|z_k| - acc_limit, 0) / acc_limit)^2
//                 + activity_weight · Σ_hidden y_k   (L1 on hidden values: fewer nonzero ones,
//                   so the fast Z80 engine, which skips zero inputs, has less to do).
// At temperature 1 the codes and biases are integers and every z_k is an exact integer in
// float (|z| < 2^24), so z_k IS the Z80 accumulator and y_L the Z80's output (as long as no
// accumulator leaves int16, which the penalty prevents); argmax ties go to the first index,
// as on the Z80. Backward: floor and rounding are straight-through (d floor(z/4)/dz = 1/4);
// ReLU passes where z > 0.
// logit_scale only sets how peaked the softmax is: it does not change the argmax.
// Not modelled: the gradient through the quantizer (see quantize.h; the caller maps the
// gradient w.r.t. eff to the latent parameters).
#pragma once
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "train/qat_net.h"
#include "train/sparse_inputs.h"

namespace z80lm {

inline constexpr float kInt16Limit = 32767.f;

struct LossOptions {
  float logit_scale = 0.02f;    // softmax temperature on the integer outputs
  float acc_limit = 24576.f;    // accumulators beyond +-acc_limit are penalised
  float overflow_weight = 1.f;  // 0 switches the penalty off
  float activity_weight = 0.f;  // L1 on hidden values (0: off)
  float label_smoothing = 0.f;  // CE target: (1 - this) on the right symbol + this spread evenly
  bool floor = true;            // false (identity /4) only for finite-difference tests
};

struct BatchStats {
  double ce_sum = 0;       // Σ cross-entropy over counted rows
  double penalty_sum = 0;  // Σ overflow and activity penalties (weighted) over rows
  size_t correct = 0;      // argmax (first maximum) == target
  size_t counted = 0;      // rows with a target >= 0
  void add(const BatchStats& o) {
    ce_sum += o.ce_sum;
    penalty_sum += o.penalty_sum;
    correct += o.correct;
    counted += o.counted;
  }
};

// Scratch matrices reused between calls (one per thread).
struct Workspace {
  std::vector<Eigen::MatrixXf> z, y;  // per layer (n_out, n)
  Eigen::MatrixXf dz, dy;
};

// rows[0..n) index x and targets (-1 = no target: no loss, not counted). eff is (shape.total).
// When grad is not null it is ACCUMULATED with grad_scale · d(Σ_rows loss)/d(eff).
BatchStats forward_backward(const NetShape& shape, const float* eff, const SparseInputs& x,
                            const uint32_t* rows, size_t n, const int32_t* targets, const LossOptions& opt,
                            float grad_scale, float* grad, Workspace& ws);

}  // namespace z80lm
