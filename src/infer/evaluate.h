// evaluate.h — how good is a quantized model on a data set, measured exactly.
//
//   z80lm::EvalReport r = z80lm::evaluate(model, pairs);
//   fmt::print("{}\n", z80lm::format_report(r));
//
// IntAcc: teacher-forced accuracy of the exact integer forward (reference.h) over every
// example (k+1 per pair of a k-character response). Greedy exact-match: per DISTINCT query
// (compared case-insensitively after query_span, as the model sees it), the generated
// answer counts when it equals any of that query's responses in the data. Per class: for
// each response, the fraction of its pairs whose query's greedy answer equals it. Confusion:
// pair-weighted, true response (rows) vs generated answer (columns) for the most frequent
// responses, everything else pooled as "(other)".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"
#include "text/pairs.h"

namespace z80lm {

struct ClassScore {
  std::string response;
  int pairs = 0;
  int matched = 0;
};

struct EvalReport {
  size_t examples = 0;
  size_t examples_correct = 0;
  int distinct_queries = 0;
  int greedy_matched = 0;
  std::vector<ClassScore> classes;          // sorted by pairs, descending
  std::vector<std::string> confusion_labels;  // top classes + "(other)"
  std::vector<std::vector<int>> confusion;    // [true][generated]
  double int_acc() const { return examples ? double(examples_correct) / double(examples) : 0.0; }
  double greedy_acc() const { return distinct_queries ? double(greedy_matched) / distinct_queries : 0.0; }
};

EvalReport evaluate(const Model& m, const std::vector<Pair>& pairs, int confusion_top = 8);
std::string format_report(const EvalReport& r, int max_classes = 20);
std::string report_json(const EvalReport& r);

// Teacher-forced integer accuracy only (used by the trainer every few epochs).
double int_accuracy(const Model& m, const std::vector<Pair>& pairs);

}  // namespace z80lm
