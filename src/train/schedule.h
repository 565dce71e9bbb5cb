// schedule.h — learning rate and quantization temperature as functions of training progress.
//
//   float lr = z80lm::lr_at(sched, epoch_progress);     // epoch_progress: 2.5 = middle of epoch 3
//   float t  = z80lm::quant_t_at(sched, epoch_progress); // 1 = fully quantized
//
// Both depend only on progress (fractional epochs), never on wall time or on --epochs, so a
// run stopped early, resumed or given a time limit follows the same trajectory as any other
// run with the same settings.
// lr: linear warm-up from 0 over warmup_epochs, then cosine from lr to lr·lr_final over
// decay_epochs, then constant lr·lr_final.
// Temperature: quant_start at progress 0, linear to 1 at quant_ramp_epochs (the original
// ramps 0.3 -> 1 over 80% of its run; 1 from the start = plain straight-through training).
// Sparsity (the fraction of each layer forced to zero) grows over the same epochs, cubically
// (fast at first, gently at the end: Zhu & Gupta's gradual pruning), to its target.
#pragma once

namespace z80lm {

struct Schedule {
  float lr = 0.002f;
  float lr_final = 0.05f;  // fraction of lr reached at the end of the decay
  float warmup_epochs = 1.f;
  float decay_epochs = 60.f;
  float quant_start = 0.5f;
  float quant_ramp_epochs = 10.f;
};

float lr_at(const Schedule& s, double progress);
float quant_t_at(const Schedule& s, double progress);
double sparsity_at(const Schedule& s, double target, double progress);

}  // namespace z80lm
