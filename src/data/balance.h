// balance.h — equalising the answer classes of query|response data.
//
//   z80lm::BalanceResult r = z80lm::balance_pairs(set.pairs, {.target = 5000, .oversample = true, .seed =
//   42}); std::string text = z80lm::format_pairs(r.pairs);
//
// Classes are the responses (as parsed: upper-cased). The target per class is `target`
// or, when absent, the size of the smallest class. A class above the target keeps `target`
// pairs drawn without replacement; a class below it is kept whole, and with `oversample`
// topped up to exactly `target` by draws with replacement (every original pair survives).
// The result is shuffled. Deterministic: classes are visited in byte order of their
// response and all randomness comes from one z80lm::Rng(seed) stream, so a seed gives
// the same output on every platform.
// Not modelled: deduplication (see `z80lm data analyze`), weighting instead of copying.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "text/pairs.h"

namespace z80lm {

struct BalanceOptions {
  std::optional<int64_t> target;  // per class; absent = smallest class size
  bool oversample = false;
  uint64_t seed = 42;
};

struct ClassBalance {
  std::string response;
  int64_t before = 0;
  int64_t after = 0;
};

struct BalanceResult {
  std::vector<Pair> pairs;
  std::vector<ClassBalance> classes;  // by `before` descending, then response
  int64_t target = 0;
};

// Precondition: target, when given, is >= 1.
BalanceResult balance_pairs(const std::vector<Pair>& pairs, const BalanceOptions& options);

// The before/after table printed by `--stats`.
std::string format_balance_stats(const BalanceResult& result);

// "query|RESPONSE\n" per pair: parse_pairs reads it back to the same pairs.
std::string format_pairs(const std::vector<Pair>& pairs);

}  // namespace z80lm
