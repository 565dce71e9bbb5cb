#include "infer/evaluate.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "infer/reference.h"
#include "text/encoder.h"
#include "text/examples.h"

namespace z80lm {

namespace {

void count_teacher_forced(const Model& m, const std::vector<Pair>& pairs, EvalReport& r) {
  ExampleSet ex = build_examples(pairs, m.charset, m.encoding);
  r.examples = ex.count;
  const size_t n_in = static_cast<size_t>(ex.n_in);
  for (size_t i = 0; i < ex.count; ++i)
    if (ex.targets[i] >= 0 && predict_reference(m, &ex.inputs[i * n_in]) == ex.targets[i])
      ++r.examples_correct;
}

}  // namespace

double int_accuracy(const Model& m, const std::vector<Pair>& pairs) {
  EvalReport r;
  count_teacher_forced(m, pairs, r);
  return r.int_acc();
}

EvalReport evaluate(const Model& m, const std::vector<Pair>& pairs, int confusion_top) {
  EvalReport r;
  count_teacher_forced(m, pairs, r);

  std::unordered_map<std::string, std::set<std::string>> answers_of;  // query key -> responses
  std::unordered_map<std::string, std::string> generated;             // query key -> greedy answer
  for (const auto& p : pairs) answers_of[query_key(p.query)].insert(p.response);
  for (const auto& p : pairs) {
    std::string key = query_key(p.query);
    if (!generated.count(key)) generated[key] = generate_reference(m, p.query);
  }
  r.distinct_queries = static_cast<int>(answers_of.size());
  for (const auto& [key, answers] : answers_of) r.greedy_matched += answers.count(generated[key]) ? 1 : 0;

  std::map<std::string, ClassScore> classes;
  for (const auto& p : pairs) {
    ClassScore& c = classes[p.response];
    c.response = p.response;
    ++c.pairs;
    c.matched += generated[query_key(p.query)] == p.response;
  }
  for (auto& [name, c] : classes) r.classes.push_back(c);
  std::stable_sort(r.classes.begin(), r.classes.end(),
                   [](const ClassScore& a, const ClassScore& b) { return a.pairs > b.pairs; });

  size_t top = std::min<size_t>(static_cast<size_t>(confusion_top), r.classes.size());
  std::map<std::string, size_t> label_index;
  for (size_t i = 0; i < top; ++i) {
    label_index[r.classes[i].response] = i;
    r.confusion_labels.push_back(r.classes[i].response);
  }
  r.confusion_labels.push_back("(other)");
  r.confusion.assign(top + 1, std::vector<int>(top + 1, 0));
  auto index_of = [&](const std::string& s) {
    auto it = label_index.find(s);
    return it == label_index.end() ? top : it->second;
  };
  for (const auto& p : pairs) ++r.confusion[index_of(p.response)][index_of(generated[query_key(p.query)])];
  return r;
}

std::string format_report(const EvalReport& r, int max_classes) {
  std::string out = fmt::format(
      "teacher-forced IntAcc   {:6.2f}%  ({} / {} examples)\n"
      "greedy exact-match      {:6.2f}%  ({} / {} distinct queries)\n",
      100 * r.int_acc(), r.examples_correct, r.examples, 100 * r.greedy_acc(), r.greedy_matched,
      r.distinct_queries);
  out += fmt::format("\nper answer class (pairs whose query's greedy answer is this class):\n");
  int shown = 0;
  for (const auto& c : r.classes) {
    if (shown++ == max_classes) {
      out += fmt::format("  ... {} more classes\n", r.classes.size() - static_cast<size_t>(max_classes));
      break;
    }
    out += fmt::format("  {:<16} {:6.2f}%  ({} / {})\n", c.response, 100.0 * c.matched / c.pairs, c.matched,
                       c.pairs);
  }
  out += "\nconfusion (rows: expected, columns: generated; pairs):\n";
  out += fmt::format("  {:<10}", "");
  for (const auto& l : r.confusion_labels) out += fmt::format(" {:>8.8}", l);
  out += "\n";
  for (size_t i = 0; i < r.confusion.size(); ++i) {
    out += fmt::format("  {:<10.10}", r.confusion_labels[i]);
    for (int v : r.confusion[i]) out += fmt::format(" {:>8}", v);
    out += "\n";
  }
  return out;
}

std::string report_json(const EvalReport& r) {
  nlohmann::json j;
  j["examples"] = r.examples;
  j["examples_correct"] = r.examples_correct;
  j["int_acc"] = r.int_acc();
  j["distinct_queries"] = r.distinct_queries;
  j["greedy_matched"] = r.greedy_matched;
  j["greedy_acc"] = r.greedy_acc();
  for (const auto& c : r.classes)
    j["classes"].push_back({{"response", c.response}, {"pairs", c.pairs}, {"matched", c.matched}});
  j["confusion"] = {{"labels", r.confusion_labels}, {"counts", r.confusion}};
  return j.dump(2);
}

}  // namespace z80lm
