// rng.h — the trainer's one source of randomness: xoshiro256** with a 4-word state.
//
//   z80lm::Rng rng(42);
//   double g = rng.normal();            // N(0, 1)
//   z80lm::shuffle(order, rng);         // Fisher-Yates
//
// Invariants: the output sequence is a pure function of the seed, identical on every
// platform and standard library (no std::*_distribution, which are implementation-defined);
// the whole state is the four words `s`, so a checkpoint restores it exactly.
// Not modelled: cryptographic quality.
#pragma once
#include <cstdint>
#include <vector>

namespace z80lm {

struct Rng {
  uint64_t s[4];

  explicit Rng(uint64_t seed = 0);
  uint64_t next();
  double uniform();            // [0, 1), 53 random bits
  uint32_t below(uint32_t n);  // uniform in [0, n), unbiased; n >= 1
  double normal();             // Box-Muller from two uniforms (the second value is discarded)
};

// Fisher-Yates from the back, like the textbook; v is permuted in place.
void shuffle(std::vector<uint32_t>& v, Rng& rng);

}  // namespace z80lm
