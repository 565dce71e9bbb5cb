// progress.h — what a person watching `z80lm train` sees on stderr.
//
//   z80lm::Progress bar(stderr, isatty(2));
//   bar.update(view);            // often; redraws at most 10 times a second
//   bar.message("checkpoint");   // a line above the bar
//   bar.finish();
//
// On a terminal: one line redrawn in place with a bar, the epoch, elapsed time, ETA and live
// CE / Acc / IntAcc / best. Otherwise (a log file, a pipe): the same fields as plain lines,
// one per completed epoch but at most one per second (the last epoch is always shown).
// ETA: the sooner of --epochs (from this run's epoch rate) and --time-limit.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "train/trainer.h"

namespace z80lm {

struct ProgressView {
  double progress = 0;                         // fractional epochs completed
  double run_progress = 0;                     // of which in this run
  uint32_t max_epochs = 0;                     // 0 = no epoch limit
  double run_seconds = 0;                      // wall time of this run
  double time_limit = 0;                       // 0 = none
  double total_seconds = 0;                    // over all runs
  const EpochRecord* last = nullptr;           // latest completed epoch, if any
  const EpochRecord* last_measured = nullptr;  // latest with an IntAcc
  double best_int_acc = 0;
  uint32_t best_epoch = 0;
  bool epoch_end = false;
};

class Progress {
 public:
  Progress(std::FILE* out, bool tty) : out_(out), tty_(tty) {}
  void update(const ProgressView& v);
  void message(const std::string& line);
  void finish();

 private:
  std::string status(const ProgressView& v) const;
  std::FILE* out_;
  bool tty_;
  bool drawn_ = false;
  double last_draw_ = -1e9;
  std::string pending_;  // plain mode: latest epoch line not yet printed
};

std::string format_duration(double seconds);  // "1:05", "1:02:03"

}  // namespace z80lm
