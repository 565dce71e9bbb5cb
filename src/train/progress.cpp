#include "train/progress.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace z80lm {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(std::max(0.0, seconds) + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string Progress::status(const ProgressView& v) const {
  double eta = -1, fraction = -1;
  if (v.max_epochs > 0) {
    fraction = std::min(1.0, v.progress / v.max_epochs);
    if (v.run_progress > 0) eta = (v.max_epochs - v.progress) * v.run_seconds / v.run_progress;
  }
  if (v.time_limit > 0) {
    const double left = std::max(0.0, v.time_limit - v.run_seconds);
    const double time_fraction = std::min(1.0, v.run_seconds / v.time_limit);
    if (eta < 0 || left < eta) {
      eta = left;
      fraction = std::max(fraction, time_fraction);
    }
  }
  std::string out;
  if (tty_ && fraction >= 0) {
    constexpr int kBar = 20;
    const int filled = static_cast<int>(fraction * kBar);
    out += "[" + std::string(filled, '#') + std::string(kBar - filled, '.') +
           fmt::format("] {:3.0f}% ", 100 * fraction);
  }
  out += v.max_epochs ? fmt::format("epoch {:.0f}/{}", std::floor(v.progress), v.max_epochs)
                      : fmt::format("epoch {:.0f}", std::floor(v.progress));
  out += " " + format_duration(v.total_seconds);
  if (eta >= 0) out += " ETA " + format_duration(eta);
  if (v.last) out += fmt::format(" | CE {:.4f} Acc {:.2f}%", v.last->ce, 100 * v.last->acc);
  if (v.last_measured)
    out += fmt::format(" | IntAcc {:.2f}% best {:.2f}% @{}", 100 * v.last_measured->int_acc,
                       100 * v.best_int_acc, v.best_epoch);
  return out;
}

void Progress::update(const ProgressView& v) {
  if (tty_) {
    if (v.run_seconds - last_draw_ < 0.1 && !v.epoch_end) return;
    last_draw_ = v.run_seconds;
    fmt::print(out_, "\r\033[K{}", status(v));
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  if (!v.epoch_end) return;
  pending_ = status(v);
  if (v.run_seconds - last_draw_ >= 1.0) {
    last_draw_ = v.run_seconds;
    fmt::print(out_, "{}\n", pending_);
    std::fflush(out_);
    pending_.clear();
  }
}

void Progress::message(const std::string& line) {
  if (tty_ && drawn_) fmt::print(out_, "\r\033[K");
  drawn_ = false;
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

void Progress::finish() {
  if (tty_ && drawn_) fmt::print(out_, "\n");
  if (!tty_ && !pending_.empty()) fmt::print(out_, "{}\n", pending_);
  pending_.clear();
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace z80lm
