#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace z80lm {

float lr_at(const Schedule& s, double progress) {
  if (progress < s.warmup_epochs) return static_cast<float>(s.lr * progress / s.warmup_epochs);
  const double d = std::min(1.0, (progress - s.warmup_epochs) / std::max(1e-9, double(s.decay_epochs)));
  const double f = s.lr_final + (1.0 - s.lr_final) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * d));
  return static_cast<float>(s.lr * f);
}

float quant_t_at(const Schedule& s, double progress) {
  if (s.quant_ramp_epochs <= 0.f || progress >= s.quant_ramp_epochs) return 1.f;
  return static_cast<float>(s.quant_start + (1.0 - s.quant_start) * progress / s.quant_ramp_epochs);
}

double sparsity_at(const Schedule& s, double target, double progress) {
  if (s.quant_ramp_epochs <= 0.f || progress >= s.quant_ramp_epochs) return target;
  const double rest = 1.0 - progress / s.quant_ramp_epochs;
  return target * (1.0 - rest * rest * rest);
}

}  // namespace z80lm
