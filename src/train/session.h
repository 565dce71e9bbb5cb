// session.h — a whole `z80lm train` run: data, trainer, checkpoints, logs, plot, model.
//
//   z80lm::SessionOptions o;
//   o.data = {"tinychat.txt"};  o.model_path = "tinychat.zlm";  o.max_epochs = 100;
//   z80lm::SessionResult r = z80lm::run_training_session(o, &stop_flag);   // stop_flag: SIGINT
//
// Files (defaults beside the model): MODEL (the best integer model, .zlm with provenance),
// MODEL.ckpt (checkpoint.h), MODEL.metrics.jsonl (metrics_log.h), MODEL.svg (plot_svg.h).
// The checkpoint and model are written every checkpoint_every seconds, at the end, and when
// `stop` becomes true (checked after every mini-batch); all writes are atomic.
// Resume: the checkpoint's config is used; training options given again must agree with it
// (explicit_options names them); --epochs counts all epochs, so a split run ends with the
// same model bytes as an unsplit one. Provenance deliberately holds nothing that depends on
// timing or on the split (no dates, no durations, the command line without --resume).
// Output: the parameter table and the final summary on `out`, progress on `err`.
// Exit codes: 0 done (epochs, steps, time limit or target reached), 130 stopped by `stop` (SIGINT)
// after saving; errors throw z80lm::Error.
#pragma once
#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "infer/evaluate.h"
#include "train/train_config.h"
#include "train/trainer.h"

namespace z80lm {

inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT, the shell convention

struct SessionOptions {
  std::vector<std::string> data;  // files, "-" = stdin
  std::vector<std::string> val;   // held-out files (optional)
  std::string model_path;
  std::string checkpoint_path;  // "" = MODEL.ckpt
  std::string log_path;         // "" = MODEL.metrics.jsonl
  std::string plot_path;        // "" = MODEL.svg
  bool resume = false;
  bool force = false;  // a new run may overwrite an existing checkpoint
  bool strict = false;
  uint32_t max_epochs = 0;       // total over all runs; 0 = no limit
  uint64_t max_steps = 0;        // optimiser steps, total over all runs; 0 = no limit
  double time_limit = 0;         // seconds of this run; 0 = none
  double target_int_acc = 0;     // stop once the best IntAcc reaches this (0..1); 0 = never
  double checkpoint_every = 30;  // seconds
  int val_every = 5;             // epochs between held-out evaluations
  std::string command;           // for provenance
  TrainConfig config;
  std::vector<std::string> explicit_options;  // config_json keys given on the command line
  bool progress_tty = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

struct SessionResult {
  int exit_code = 0;
  std::string stop_reason;  // "epochs", "steps", "time limit", "target", "interrupted"
  BestModel best;
  std::vector<EpochRecord> history;
  EvalReport train_report;  // the saved model on the training data (evaluate.h)
  bool has_val = false;
  EvalReport val_report;
};

SessionResult run_training_session(const SessionOptions& options, const std::atomic<bool>* stop);

// FNV-1a (64-bit) of the parsed pairs, one `query|response\n` per pair: what the trainer saw.
uint64_t pairs_fnv1a64(const std::vector<Pair>& pairs);

}  // namespace z80lm
