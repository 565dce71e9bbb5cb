// rng.h — the one seeded PRNG of z80lm (data tools, trainer): the same stream on every platform.
//
//   z80lm::Rng rng(42);
//   uint64_t i = rng.below(10);          // uniform in [0, 10)
//   z80lm::shuffle(rng, items);           // Fisher-Yates, deterministic for a seed
//   double g = rng.normal();              // N(0, 1)
//
// Invariants: xoshiro256** seeded through splitmix64 (Blackman & Vigna); `below(n)` is
// unbiased (rejection on the top bits, never `%` of a biased range); `shuffle` walks from
// the back and draws `below(i + 1)`. Identical seeds give identical streams with any
// compiler and standard library, unlike std::shuffle / std::uniform_int_distribution,
// whose outputs are implementation-defined. The whole state is the four words `s`, so a
// checkpoint restores a stream exactly. Not modelled: cryptographic strength.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace z80lm {

// One step of splitmix64: advances `state` and returns the next output.
uint64_t splitmix64(uint64_t& state);

struct Rng {
  uint64_t s[4];

  explicit Rng(uint64_t seed = 0);
  uint64_t next();             // 64 uniform bits
  uint64_t below(uint64_t n);  // uniform in [0, n); n > 0
  double unit();               // uniform in [0, 1), 53 bits
  double normal();             // Box-Muller from two uniforms (the second value is discarded)
};

template <typename T>
void shuffle(Rng& rng, std::vector<T>& items) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

}  // namespace z80lm
