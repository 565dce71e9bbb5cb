#include "data/query_neighbors.h"

#include <algorithm>
#include <cstdlib>

#include "util/rng.h"

namespace z80lm {

namespace {

// One random 64-bit word per bucket; a code hashes to Σ hits(b) · kBucketKeys[b] (mod 2^64),
// so removing one hit from bucket b subtracts kBucketKeys[b].
struct BucketKeys {
  uint64_t key[kMaxQueryBuckets];
  BucketKeys() {
    uint64_t state = 0x5A80AB5EEDull;
    for (auto& k : key) k = splitmix64(state);
  }
};
const BucketKeys kKeys;

uint64_t code_hash(const QueryCode& c) {
  uint64_t h = 0;
  for (int b = 0; b < kMaxQueryBuckets; ++b) h += static_cast<uint64_t>(c[b] / kHitValue) * kKeys.key[b];
  return h;
}

struct Keyed {
  uint64_t key;
  uint32_t id;
  bool operator<(const Keyed& o) const { return key != o.key ? key < o.key : id < o.id; }
};

// Open-addressing map from a key to its run [begin, end) in a vector<Keyed> sorted by key.
// Keys are Zobrist hashes, already uniform: the top bits pick the slot.
class RunIndex {
 public:
  explicit RunIndex(const std::vector<Keyed>& sorted) : sorted_(sorted) {
    while ((size_t{1} << bits_) < 2 * sorted.size() + 2) ++bits_;
    slots_.assign(size_t{1} << bits_, {0, kEmpty});
    for (uint32_t i = 0; i < sorted.size(); ++i)
      if (i == 0 || sorted[i].key != sorted[i - 1].key) {
        size_t s = slot_of(sorted[i].key);
        while (slots_[s].second != kEmpty) s = (s + 1) & (slots_.size() - 1);
        slots_[s] = {sorted[i].key, i};
      }
  }
  // Calls f(id) for every entry with this key.
  template <typename F>
  void for_each(uint64_t key, F f) const {
    for (size_t s = slot_of(key); slots_[s].second != kEmpty; s = (s + 1) & (slots_.size() - 1))
      if (slots_[s].first == key) {
        for (uint32_t i = slots_[s].second; i < sorted_.size() && sorted_[i].key == key; ++i)
          f(sorted_[i].id);
        return;
      }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  size_t slot_of(uint64_t key) const { return static_cast<size_t>(key >> (64 - bits_)); }
  const std::vector<Keyed>& sorted_;
  int bits_ = 1;
  std::vector<std::pair<uint64_t, uint32_t>> slots_;
};

}  // namespace

int code_distance_hits(const QueryCode& x, const QueryCode& y, int limit) {
  int hits = 0;
  for (int b = 0; b < kMaxQueryBuckets; ++b) {
    hits += std::abs(x[b] - y[b]) / kHitValue;
    if (hits > limit) return hits;
  }
  return hits;
}

std::vector<CodePair> near_code_pairs_brute(const std::vector<QueryCode>& codes, int max_hits) {
  std::vector<CodePair> out;
  for (uint32_t a = 0; a < codes.size(); ++a)
    for (uint32_t b = a + 1; b < codes.size(); ++b) {
      int d = code_distance_hits(codes[a], codes[b], max_hits);
      if (d <= max_hits) out.push_back({a, b, d});
    }
  return out;
}

std::vector<CodePair> near_code_pairs(const std::vector<QueryCode>& codes, int max_hits) {
  // 1. Distinct codes: sort the indices by hash; equal hashes with equal vectors are one code.
  std::vector<Keyed> by_hash(codes.size());
  for (uint32_t i = 0; i < codes.size(); ++i) by_hash[i] = {code_hash(codes[i]), i};
  std::sort(by_hash.begin(), by_hash.end());
  std::vector<uint32_t> first_of;              // distinct code → an index holding it
  std::vector<std::vector<uint32_t>> members;  // distinct code → all indices holding it
  std::vector<Keyed> distinct;                 // (hash, distinct code), sorted by hash
  for (size_t i = 0; i < by_hash.size(); ++i) {
    uint32_t found = UINT32_MAX;
    for (size_t d = distinct.size(); d > 0 && distinct[d - 1].key == by_hash[i].key; --d)
      if (codes[first_of[distinct[d - 1].id]] == codes[by_hash[i].id]) found = distinct[d - 1].id;
    if (found == UINT32_MAX) {
      found = static_cast<uint32_t>(first_of.size());
      first_of.push_back(by_hash[i].id);
      members.emplace_back();
      distinct.push_back({by_hash[i].key, found});
    }
    members[found].push_back(by_hash[i].id);
  }
  std::sort(distinct.begin(), distinct.end());

  // 2. Candidate pairs of distinct codes within max_hits (checked on the vectors below).
  std::vector<std::pair<uint32_t, uint32_t>> candidates;
  auto add = [&](uint32_t u, uint32_t v) {
    if (u != v) candidates.emplace_back(std::min(u, v), std::max(u, v));
  };
  if (max_hits >= 1) {
    RunIndex exact(distinct);
    std::vector<Keyed> one_deletion;  // (hash of code minus one hit, distinct code)
    std::vector<int> occupied;
    for (const Keyed& d : distinct) {
      const uint64_t hash = d.key;
      const uint32_t u = d.id;  // a plain variable: lambdas cannot capture a structured binding in C++20
      const QueryCode& c = codes[first_of[u]];
      occupied.clear();
      for (int b = 0; b < kMaxQueryBuckets; ++b)
        if (c[b] > 0) occupied.push_back(b);
      for (size_t i = 0; i < occupied.size(); ++i) {
        const uint64_t minus_one = hash - kKeys.key[occupied[i]];
        exact.for_each(minus_one, [&](uint32_t v) { add(u, v); });  // the other code has one hit less
        if (max_hits < 2) continue;
        one_deletion.push_back({minus_one, u});
        if (c[occupied[i]] >= 2 * kHitValue)
          exact.for_each(minus_one - kKeys.key[occupied[i]], [&](uint32_t v) { add(u, v); });
        for (size_t j = i + 1; j < occupied.size(); ++j)  // two hits less
          exact.for_each(minus_one - kKeys.key[occupied[j]], [&](uint32_t v) { add(u, v); });
      }
    }
    // One hit moved: both codes lose one hit and meet.
    std::sort(one_deletion.begin(), one_deletion.end());
    for (size_t i = 0; i < one_deletion.size();) {
      size_t end = i + 1;
      while (end < one_deletion.size() && one_deletion[end].key == one_deletion[i].key) ++end;
      for (size_t x = i; x < end; ++x)
        for (size_t y = x + 1; y < end; ++y) add(one_deletion[x].id, one_deletion[y].id);
      i = end;
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  // 3. Expand distinct codes back to indices.
  std::vector<CodePair> out;
  for (auto& m : members) {
    std::sort(m.begin(), m.end());
    for (size_t i = 0; i < m.size(); ++i)
      for (size_t j = i + 1; j < m.size(); ++j) out.push_back({m[i], m[j], 0});
  }
  for (const auto& [u, v] : candidates) {
    int d = code_distance_hits(codes[first_of[u]], codes[first_of[v]], max_hits);
    if (d > max_hits) continue;  // a hash coincidence
    for (uint32_t a : members[u])
      for (uint32_t b : members[v]) out.push_back({std::min(a, b), std::max(a, b), d});
  }
  std::sort(out.begin(), out.end(),
            [](const CodePair& x, const CodePair& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  return out;
}

}  // namespace z80lm
