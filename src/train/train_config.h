// train_config.h — every setting that shapes a training run's result, and its JSON form.
//
//   z80lm::TrainConfig c;                       // defaults reach the tinychat goals
//   c.hidden = {64, 32};
//   if (std::string p = z80lm::config_problem(c, charset_size); !p.empty()) throw ...;
//   nlohmann::json j = z80lm::config_json(c);   // stored in checkpoints and provenance
//
// Invariants: two runs with equal configs on equal data produce identical models (bit for
// bit), whatever their --epochs, --time-limit or interruptions. Options that only decide
// WHEN to stop or WHERE to write are not part of the config.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "text/encoder.h"
#include "train/qat_forward.h"
#include "train/schedule.h"

namespace z80lm {

struct TrainConfig {
  Encoding encoding = kDefaultEncoding;  // the network's inputs (text/encoder.h)
  std::vector<int> hidden = {256, 192, 128};
  uint64_t seed = 1;
  int threads = 1;  // the batch is split into this many fixed slices
  int batch = 128;  // examples per optimiser step
  Schedule schedule;
  float bias_lr = 4.f;        // bias learning rate = lr · bias_lr (biases are in accumulator units)
  float weight_decay = 0.f;   // decoupled (AdamW), weights only
  float grid_pull = 0.5f;     // weight of Σ_layers mean (w/s - q)^2 (pulls weights to the grid)
  float query_dropout = 0.f;  // each query trigram hit of a training example is dropped with this probability
  float ema = 0.f;  // models are made from an exponential moving average of the weights with this decay (0: off)
  double scale_quantile = 0.95;
  // At least this fraction of a weight layer's weights is 0 (zero band): one value for every
  // layer, or one per layer (first layer first). JSON: a number, or an array when per layer.
  std::vector<double> sparsity = {0.0};
  bool scale_per_step = false;  // false: each layer's scale is fixed at initialisation
  int eval_every = 1;           // epochs between exact IntAcc evaluations (best-model candidates)
  LossOptions loss;
};

// The largest values the float options accept (absurd beyond; NaN and infinities never):
inline constexpr double kMaxLearningRate = 1.0;     // --lr (Adam steps are about this size)
inline constexpr double kMaxEpochOption = 1e6;      // --warmup-epochs, --decay-epochs, --quant-ramp-epochs
inline constexpr double kMaxLossWeight = 1000.0;    // --bias-lr, --grid-pull, --overflow-weight
inline constexpr double kMaxWeightDecay = 10.0;     // --weight-decay (and lr × decay < 1)
inline constexpr double kMaxLogitScale = 10.0;      // --logit-scale (default 0.02)
inline constexpr double kMaxActivityPenalty = 1.0;  // --activity-penalty (typical 0.0001)

// The sparsity target of weight layer k (0-based): c.sparsity's only value, or its k-th.
double layer_sparsity(const TrainConfig& c, int k);
bool any_sparsity(const TrainConfig& c);

// Empty when usable with a charset of this size (checks z80_shape_problem too); otherwise one
// line naming the option, its value and the accepted range.
std::string config_problem(const TrainConfig& c, int charset_size);

nlohmann::json config_json(const TrainConfig& c);
// A float as the shortest decimal that reads back as the same float (0.03, not 0.029999999329).
double float_json(float v);
TrainConfig config_from_json(const nlohmann::json& j);  // throws nlohmann::json exceptions

}  // namespace z80lm
