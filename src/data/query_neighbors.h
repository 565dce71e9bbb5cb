// query_neighbors.h — pairs of query encodings that are identical or nearly identical.
//
//   std::vector<z80lm::QueryCode> codes = ...;           // encode_query of each distinct query
//   for (auto p : z80lm::near_code_pairs(codes, 2)) ...  // p.a < p.b, p.hits = L1 / 32
//
// "Near" is measured in trigram hits: the L1 distance between two query encodings divided
// by kHitValue (32), i.e. how many single hits must be added or removed to turn one bucket
// vector into the other. hits 0 = identical inputs (the network cannot tell them apart at
// all); 1 = one extra trigram hit on one side; 2 = one hit moved to another bucket, or two
// extra hits. `max_hits` is 0, 1 or 2.
// near_code_pairs is exact, not approximate: it hashes each code with a linear (Zobrist)
// hash, so the hashes of all codes with one or two hits removed cost O(1) each; identical
// codes share a hash, codes one hit apart meet when one code's one-hit deletion equals the
// other, codes two hits apart meet through a two-hit deletion or a shared one-hit deletion
// (a sorted list). Every candidate is checked on the real vectors. Cost: O(n·h²) look-ups
// in an open-addressing table for h distinct buckets per code (h <= 61), plus sorting n·h
// one-hit deletions. Measured on 30,000 synthetic 20-questions lines (23,112 distinct
// queries, max_hits 2): 0.17 s, against 7.1 s for the brute-force reference.
// near_code_pairs_brute is the obviously-correct O(n²·256) reference the tests hold it to.
// Preconditions: every value is a non-negative multiple of kHitValue (what encode_query
// produces). Result: every index pair (a < b) within max_hits, sorted by (a, b), once.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "text/encoder.h"

namespace z80lm {

// encode_query output of either encoding; v1 leaves buckets 128..255 at 0.
using QueryCode = std::array<int16_t, kMaxQueryBuckets>;

struct CodePair {
  uint32_t a = 0, b = 0;  // indices into the codes, a < b
  int hits = 0;           // L1 distance / kHitValue
  bool operator==(const CodePair&) const = default;
};

// L1 distance in hits; stops counting (returns > limit) once it exceeds `limit`.
int code_distance_hits(const QueryCode& x, const QueryCode& y, int limit);

std::vector<CodePair> near_code_pairs(const std::vector<QueryCode>& codes, int max_hits);
std::vector<CodePair> near_code_pairs_brute(const std::vector<QueryCode>& codes, int max_hits);

}  // namespace z80lm
