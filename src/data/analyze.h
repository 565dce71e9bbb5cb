// analyze.h — what is wrong with a query|response data set before training on it.
//
//   auto set = z80lm::load_pairs({"data.txt"});
//   z80lm::AnalysisReport r = z80lm::analyze_pairs(set.pairs, where, {});
//   fmt::print("{}", z80lm::format_analysis(r, 10));      // or analysis_json(r)
//
// Queries are compared as the model sees them: query_span (leading spaces skipped, 62
// bytes, trailing spaces dropped) with A-Z folded ("the key"). The report holds:
// - the answer distribution (classes by count, then name) and warnings for a class above
//   60 % or below 5 % of the pairs;
// - duplicates: the same key with the same answer more than once (extra copies counted);
// - conflicts: one key with two or more different answers;
// - collisions: two different keys whose query inputs (encode_query, options.encoding: v1's
//   128 count buckets or v2's 256 presence buckets) are identical
//   (exact) or at most `near_hits` trigram hits apart (near, see query_neighbors.h) while
//   their answer sets differ. Exact ones no model can separate; near ones hardly, since
//   the first layer sees a difference of only one or two inputs of 32.
// `where[i]` names pair i for the report ("data.txt:12"). Lists keep data order.
// Not modelled: the context half of the input (responses sharing prefixes are fine).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "text/encoder.h"
#include "text/pairs.h"

namespace z80lm {

struct AnalyzeOptions {
  int near_hits = 2;  // 0..2; 0 disables the near search
  Encoding encoding = kDefaultEncoding;
  double majority_share = 0.60;  // warn above
  double minority_share = 0.05;  // warn below
};

struct ClassShare {
  std::string response;
  int64_t count = 0;
};

struct DuplicateGroup {
  std::string query;  // first spelling
  std::string response;
  std::vector<std::string> where;  // every occurrence
};

struct ConflictGroup {
  std::string query;                                     // first spelling
  std::vector<std::pair<std::string, int64_t>> answers;  // in first-seen order
  std::vector<std::string> where;
};

struct KeyAnswers {
  std::string query;                 // first spelling
  std::vector<std::string> answers;  // distinct, sorted
  std::string where;                 // first occurrence
};

struct Collision {
  KeyAnswers a, b;
  int hits = 0;  // 0 = identical inputs
};

struct AnalysisReport {
  Encoding encoding = kDefaultEncoding;  // of the collision search
  int64_t pairs = 0;
  int64_t distinct_keys = 0;
  std::vector<ClassShare> classes;
  std::vector<std::string> warnings;
  int64_t duplicate_lines = 0;  // copies beyond the first
  std::vector<DuplicateGroup> duplicates;
  std::vector<ConflictGroup> conflicts;
  int near_hits = 0;
  std::vector<Collision> exact_collisions;
  std::vector<Collision> near_collisions;
};

AnalysisReport analyze_pairs(const std::vector<Pair>& pairs, const std::vector<std::string>& where,
                             const AnalyzeOptions& options);

// Plain text; `show` = examples listed per section and classes in the bar chart.
std::string format_analysis(const AnalysisReport& report, int show);
std::string analysis_json(const AnalysisReport& report);

}  // namespace z80lm
