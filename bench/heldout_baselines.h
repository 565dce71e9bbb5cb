// heldout_baselines.h — what simple classifiers get on held-out queries, for train_bench.
//
//   double nn = z80lm::bench::knn_vote_greedy(train, held, 1);          // nearest neighbour
//   double nb = z80lm::bench::naive_bayes_greedy(train, held, z80lm::bench::bucket_features);
//
// Each predicts a WHOLE training response per distinct held-out query (grouped by query_key)
// and counts it right when it is one of that query's held-out answers: the greedy
// exact-match of `z80lm eval`, for models that cannot produce a mixed-up answer. They measure
// how much the query features carry, so that the trained model's held-out figure can be read
// against them:
// - k-NN vote: cosine similarity of the 128 query buckets exactly as the Z80 computes them;
//   the k most similar training queries vote with similarity × answer count (k = 1: the
//   most common answer of the nearest query; ties go to the earlier query_key).
// - naive Bayes (multinomial, Laplace alpha): class = response, prior = response counts;
//   features either the Z80's buckets (hit counts) or the words of the query (which the Z80
//   never sees: an upper reference for what hashing into 128 buckets loses).
// Not modelled: anything tuned on the held-out set (k and alpha are fixed by the caller).
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "text/encoder.h"
#include "text/pairs.h"

namespace z80lm::bench {

using Features = std::map<std::string, int>;  // feature -> count
using FeatureFn = std::function<Features(const std::string& key)>;

// The Z80's query buckets of a query key (encoding v1, as the original): bucket index -> trigram hits.
inline Features bucket_features(const std::string& key) {
  int16_t q[kQueryBucketsV1];
  encode_query(Encoding::v1, key, q);
  Features f;
  for (int i = 0; i < kQueryBucketsV1; ++i)
    if (q[i]) f[std::to_string(i)] = q[i] / kHitValue;
  return f;
}

// Whitespace-separated words of a query key.
inline Features word_features(const std::string& key) {
  Features f;
  std::istringstream in(key);
  for (std::string w; in >> w;) ++f[w];
  return f;
}

// query_key -> response -> count.
inline std::map<std::string, std::map<std::string, int>> answers_by_query(const std::vector<Pair>& pairs) {
  std::map<std::string, std::map<std::string, int>> out;
  for (const auto& p : pairs) ++out[query_key(p.query)][p.response];
  return out;
}

// Fraction of distinct held-out queries for which predict(key) is one of their answers.
inline double held_out_hit_rate(const std::vector<Pair>& held,
                                const std::function<std::string(const std::string&)>& predict) {
  const auto held_answers = answers_by_query(held);
  size_t matched = 0;
  for (const auto& [key, answers] : held_answers) matched += answers.count(predict(key));
  return held_answers.empty() ? 0 : double(matched) / double(held_answers.size());
}

inline double knn_vote_greedy(const std::vector<Pair>& train, const std::vector<Pair>& held, int k) {
  struct Entry {
    std::vector<double> unit;  // (128) normalised bucket vector
    const std::map<std::string, int>* answers;
  };
  const auto train_answers = answers_by_query(train);
  std::vector<Entry> index;
  auto unit_vector = [](const std::string& key) {
    int16_t q[kQueryBucketsV1];
    encode_query(Encoding::v1, key, q);
    std::vector<double> v(q, q + kQueryBucketsV1);
    const double norm = std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
    for (double& x : v) x /= std::max(norm, 1.0);
    return v;
  };
  for (const auto& [key, answers] : train_answers) index.push_back({unit_vector(key), &answers});
  return held_out_hit_rate(held, [&](const std::string& key) {
    const std::vector<double> v = unit_vector(key);
    std::vector<std::pair<double, size_t>> sims;  // (-similarity, index): ascending = best first
    for (size_t i = 0; i < index.size(); ++i)
      sims.emplace_back(-std::inner_product(v.begin(), v.end(), index[i].unit.begin(), 0.0), i);
    const auto n = std::min<size_t>(static_cast<size_t>(k), sims.size());
    std::partial_sort(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(n), sims.end());
    std::map<std::string, double> votes;
    for (size_t j = 0; j < n; ++j)
      for (const auto& [response, count] : *index[sims[j].second].answers)
        votes[response] += (k == 1 ? 1.0 : -sims[j].first) * count;
    std::string best;
    double best_votes = -1;
    for (const auto& [response, v2] : votes)
      if (v2 > best_votes) best_votes = v2, best = response;
    return best;
  });
}

inline double naive_bayes_greedy(const std::vector<Pair>& train, const std::vector<Pair>& held,
                                 const FeatureFn& features, double alpha = 0.1) {
  std::map<std::string, double> prior, total;
  std::map<std::string, Features> counts;  // response -> feature counts
  std::set<std::string> vocabulary;
  double pairs = 0;
  for (const auto& [key, answers] : answers_by_query(train)) {
    const Features f = features(key);
    for (const auto& [response, n] : answers) {
      prior[response] += n;
      pairs += n;
      for (const auto& [name, c] : f) {
        counts[response][name] += c * n;
        total[response] += c * n;
        vocabulary.insert(name);
      }
    }
  }
  const double v = static_cast<double>(vocabulary.size());
  return held_out_hit_rate(held, [&](const std::string& key) {
    const Features f = features(key);
    std::string best;
    double best_score = -1e300;
    for (const auto& [response, p] : prior) {
      double score = std::log(p / pairs);
      const double denominator = total[response] + alpha * v;
      const Features& c = counts[response];
      for (const auto& [name, n] : f) {
        const auto it = c.find(name);
        score += n * std::log(((it == c.end() ? 0 : it->second) + alpha) / denominator);
      }
      if (score > best_score) best_score = score, best = response;
    }
    return best;
  });
}

}  // namespace z80lm::bench
