// plot_svg.h — a self-contained SVG chart of a training run (no plotting library).
//
//   std::string svg = z80lm::plot_svg(state.history, "tinychat.zlm");
//   z80lm::write_file_atomic("tinychat.zlm.svg", svg);
//
// Two panels sharing the epoch axis (with elapsed wall time under the epoch ticks):
// accuracy in percent (exact integer IntAcc, float-model Acc, held-out IntAcc and greedy
// exact-match when measured; the best epoch marked) and cross-entropy of the float model.
// Invariants: a pure function of its input; valid SVG for any history (also empty).
#pragma once
#include <string>
#include <vector>

#include "train/trainer.h"

namespace z80lm {

std::string plot_svg(const std::vector<EpochRecord>& history, const std::string& title);

}  // namespace z80lm
