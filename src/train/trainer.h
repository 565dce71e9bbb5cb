// trainer.h — quantization-aware training of the integer model, one mini-batch at a time.
//
//   z80lm::Trainer tr(config, examples, charset);      // fresh state from config.seed
//   while (tr.state().epoch < 100)
//     if (tr.step()) { z80lm::EpochRecord r = tr.end_epoch(); ... }
//   z80lm::Model best = tr.state().best.model;          // highest exact IntAcc seen
//
// A step: shuffle at the start of each epoch (Rng in the state); optionally drop query
// trigram hits of the batch's examples (augmentation for unseen phrasings); per-layer scales
// (fixed at initialisation, or recomputed every step); per-layer zero bands for --sparsity
// (recomputed every step along a ramp; the saved model has the full target); effective parameters at the
// scheduled temperature (qat_net.h); forward and backward of the batch split into
// config.threads fixed slices (qat_forward.h); slice gradients summed in slice order;
// straight-through to the latent weights (÷ scale), plus the grid-pull term; AdamW; with
// config.ema, an exponential moving average of the parameters, which models are then made of
// (0.5 to 1.8 points better on the examples' validation splits: docs/train.md). Every
// eval_every epochs, end_epoch() measures the exact integer model on ALL examples
// (int_eval.h) and keeps it when it beats the best IntAcc and no accumulator wrapped.
// Invariants: everything is a function of (config, examples, state): no clock, no global
// RNG; the same config and data give the same bytes, and restoring a saved TrainState
// continues bit for bit (also mid-epoch).
// Not modelled: I/O (files, progress, signals): see session.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "text/examples.h"
#include "train/int_eval.h"
#include "train/qat_forward.h"
#include "train/qat_net.h"
#include "train/sparse_inputs.h"
#include "train/thread_pool.h"
#include "train/train_config.h"
#include "util/rng.h"

namespace z80lm {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

struct EpochRecord {
  uint32_t epoch = 0;  // 1-based number of the epoch just completed
  uint64_t step = 0;
  double elapsed = 0;  // training seconds at the end of the epoch (over all runs)
  float lr = 0, quant_t = 0;
  double ce = 0, acc = 0, penalty = 0, grid_gap = 0;  // float model, averaged over the epoch
  double int_acc = kNotMeasured;                      // exact integer model, all examples
  size_t int_correct = 0;
  std::vector<int32_t> max_abs_acc;  // per layer, largest |accumulator| on the training set
  size_t wrapped = 0;
  bool best = false;
  double val_int_acc = kNotMeasured, val_greedy = kNotMeasured;
};

struct BestModel {
  bool valid = false;
  double int_acc = 0;
  size_t correct = 0, examples = 0;
  uint32_t epoch = 0;
  std::vector<int32_t> max_abs_acc;
  Model model;  // provenance left empty: the session fills it when saving
};

struct TrainState {
  std::vector<float> params, adam_m, adam_v;  // (shape.total) each
  std::vector<float> ema;                     // (shape.total) moving average of params; empty when config.ema is 0
  std::vector<float> scales;                  // per layer
  uint64_t step = 0;                          // optimiser steps taken
  uint32_t epoch = 0;                         // completed epochs
  uint32_t batch_in_epoch = 0;                // batches done in the current epoch
  std::vector<uint32_t> order;                // example order of the current epoch
  Rng rng;
  BatchStats partial;  // float-model statistics of the current epoch so far
  double elapsed = 0;  // seconds (not part of any result; for logs, plots and ETA)
  BestModel best;
  std::vector<EpochRecord> history;
};

class Trainer {
 public:
  // examples must outlive the trainer.
  Trainer(const TrainConfig& config, const ExampleSet& examples, const std::string& charset);

  const TrainConfig& config() const { return config_; }
  const NetShape& shape() const { return shape_; }
  const SparseInputs& inputs() const { return inputs_; }
  const std::string& charset() const { return charset_; }
  size_t batches_per_epoch() const;
  TrainState& state() { return state_; }
  const TrainState& state() const { return state_; }
  // Continues from a saved state (checkpoint.h); throws z80lm::Error when it does not fit.
  void restore(TrainState s);

  // One optimiser step on the next mini-batch; true when it completed an epoch.
  bool step();
  // Float-model statistics of the last step's mini-batch (measured before the update).
  const BatchStats& last_batch() const { return last_batch_; }
  // After step() returned true: summarise the epoch, measure and maybe keep the integer model.
  EpochRecord end_epoch();
  // The integer model of the current parameters.
  Model current_model() const;
  // Exact integer evaluation of `m` on this trainer's examples.
  IntEvalStats evaluate(const Model& m);

 private:
  void begin_epoch();
  // Copies rows[0..n) into dropped_ without the query hits the RNG drops.
  void drop_query_hits(const uint32_t* rows, size_t n);
  void apply_gradient(float lr);
  void update_average();
  // The parameters models are made of: the moving average with config.ema, else params.
  const float* model_params() const;
  // Each layer's sparsity target at this progress (epochs) of the ramp (schedule.h).
  std::vector<double> sparsity_targets(double progress) const;
  // Per-layer zero bands for the sparsity targets at this progress (none: plain rounding).
  std::vector<float> zero_bands(double progress) const;

  TrainConfig config_;
  const ExampleSet& examples_;
  std::string charset_;
  NetShape shape_;
  SparseInputs inputs_;
  std::vector<uint32_t> trainable_;  // examples with a target (the rest cannot be learned)
  TrainState state_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<float> eff_;
  std::vector<float> bands_;               // this step's zero bands (per layer)
  std::vector<std::vector<float>> grads_;  // per slice
  std::vector<Workspace> work_;
  std::vector<BatchStats> slice_stats_;
  SparseInputs dropped_;  // the batch with query hits dropped (query_dropout)
  std::vector<uint32_t> dropped_rows_;
  std::vector<int32_t> dropped_targets_;
  BatchStats last_batch_;
};

// Empty while training is sound; otherwise one line saying what went non-finite after the last
// step (the batch's loss or a parameter): the run has diverged and nothing it holds may be
// saved. Checked by the session after every step.
std::string divergence_problem(const Trainer& tr);

// Σ_layers mean (w/s - code)^2: how far the latent weights are from the grid (the pull's loss).
// bands: per-layer zero bands (quantize.h), or null for plain rounding.
double grid_gap(const NetShape& shape, const float* params, const float* scales,
                const float* bands = nullptr);

}  // namespace z80lm
