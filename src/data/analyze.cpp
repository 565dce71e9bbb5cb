#include "data/analyze.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "data/query_neighbors.h"
#include "text/encoder.h"

namespace z80lm {

namespace {

double share(int64_t part, int64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0;
}

void add_warnings(AnalysisReport& r, const AnalyzeOptions& o) {
  std::vector<ClassShare> small;
  for (const auto& c : r.classes) {
    double s = share(c.count, r.pairs);
    if (s > o.majority_share)
      r.warnings.push_back(
          fmt::format("{} has {:.1f}% of the pairs (over {:.0f}%): the model will lean towards it",
                      c.response, 100 * s, 100 * o.majority_share));
    if (s < o.minority_share) small.push_back(c);
  }
  if (small.empty()) return;
  // The smallest classes are the ones at risk: list them first.
  std::stable_sort(small.begin(), small.end(),
                   [](const ClassShare& a, const ClassShare& b) { return a.count < b.count; });
  std::string list;
  for (size_t i = 0; i < small.size() && i < 8; ++i)
    list += fmt::format("{}{} x{}", i ? ", " : "", small[i].response, small[i].count);
  if (small.size() > 8) list += fmt::format(", ... {} more", small.size() - 8);
  r.warnings.push_back(fmt::format("{} of {} classes have under {:.0f}% of the pairs each: {}", small.size(),
                                   r.classes.size(), 100 * o.minority_share, list));
}

}  // namespace

AnalysisReport analyze_pairs(const std::vector<Pair>& pairs, const std::vector<std::string>& where,
                             const AnalyzeOptions& options) {
  AnalysisReport r;
  r.pairs = static_cast<int64_t>(pairs.size());
  r.near_hits = options.near_hits;
  auto at = [&](size_t i) { return i < where.size() ? where[i] : fmt::format("#{}", i + 1); };

  // Classes.
  std::map<std::string, int64_t> counts;
  for (const auto& p : pairs) ++counts[p.response];
  for (const auto& [response, count] : counts) r.classes.push_back({response, count});
  std::stable_sort(r.classes.begin(), r.classes.end(),
                   [](const ClassShare& x, const ClassShare& y) { return x.count > y.count; });
  add_warnings(r, options);

  // Keys in data order, with their occurrences grouped by answer.
  struct KeyInfo {
    std::string spelling;
    std::vector<std::pair<std::string, std::vector<size_t>>> by_answer;  // first-seen order
  };
  std::vector<KeyInfo> keys;
  std::unordered_map<std::string, size_t> key_index;
  for (size_t i = 0; i < pairs.size(); ++i) {
    auto [it, fresh] = key_index.emplace(query_key(pairs[i].query), keys.size());
    if (fresh) keys.push_back({pairs[i].query, {}});
    auto& by = keys[it->second].by_answer;
    auto a = std::find_if(by.begin(), by.end(), [&](const auto& e) { return e.first == pairs[i].response; });
    if (a == by.end())
      by.push_back({pairs[i].response, {i}});
    else
      a->second.push_back(i);
  }
  r.distinct_keys = static_cast<int64_t>(keys.size());

  for (const auto& k : keys) {
    for (const auto& [answer, lines] : k.by_answer)
      if (lines.size() > 1) {
        DuplicateGroup d{k.spelling, answer, {}};
        for (size_t i : lines) d.where.push_back(at(i));
        r.duplicate_lines += static_cast<int64_t>(lines.size()) - 1;
        r.duplicates.push_back(std::move(d));
      }
    if (k.by_answer.size() > 1) {
      ConflictGroup c{k.spelling, {}, {}};
      std::vector<size_t> all;
      for (const auto& [answer, lines] : k.by_answer) {
        c.answers.push_back({answer, static_cast<int64_t>(lines.size())});
        all.insert(all.end(), lines.begin(), lines.end());
      }
      std::sort(all.begin(), all.end());
      for (size_t i : all) c.where.push_back(at(i));
      r.conflicts.push_back(std::move(c));
    }
  }

  // Collisions between keys with different answer sets.
  r.encoding = options.encoding;
  std::vector<KeyAnswers> key_answers;
  std::vector<QueryCode> codes(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    KeyAnswers ka{keys[k].spelling, {}, at(keys[k].by_answer.front().second.front())};
    for (const auto& e : keys[k].by_answer) ka.answers.push_back(e.first);
    std::sort(ka.answers.begin(), ka.answers.end());
    key_answers.push_back(std::move(ka));
    encode_query(options.encoding, keys[k].spelling, codes[k].data());
  }
  for (const auto& p : near_code_pairs(codes, std::max(0, std::min(options.near_hits, 2)))) {
    if (key_answers[p.a].answers == key_answers[p.b].answers) continue;
    (p.hits == 0 ? r.exact_collisions : r.near_collisions)
        .push_back({key_answers[p.a], key_answers[p.b], p.hits});
  }
  return r;
}

namespace {

std::string answers_text(const std::vector<std::string>& answers) {
  std::string s;
  for (const auto& a : answers) s += (s.empty() ? "" : "/") + a;
  return s;
}

std::string where_text(const std::vector<std::string>& where, size_t limit = 4) {
  std::string s;
  for (size_t i = 0; i < where.size() && i < limit; ++i) s += (i ? ", " : "") + where[i];
  if (where.size() > limit) s += fmt::format(", +{}", where.size() - limit);
  return s;
}

void list_collisions(std::string& out, const std::vector<Collision>& list, int show) {
  for (size_t i = 0; i < list.size() && i < static_cast<size_t>(show); ++i) {
    const auto& c = list[i];
    out += fmt::format("    \"{}\" -> {}  vs  \"{}\" -> {}", c.a.query, answers_text(c.a.answers), c.b.query,
                       answers_text(c.b.answers));
    out += c.hits ? fmt::format("  ({} hit{}; {}, {})\n", c.hits, c.hits > 1 ? "s" : "", c.a.where, c.b.where)
                  : fmt::format("  ({}, {})\n", c.a.where, c.b.where);
  }
  if (list.size() > static_cast<size_t>(show)) out += fmt::format("    ... {} more\n", list.size() - show);
}

}  // namespace

std::string format_analysis(const AnalysisReport& r, int show) {
  std::string out = fmt::format("{} pairs, {} distinct queries, {} answer classes\n\n", r.pairs,
                                r.distinct_keys, r.classes.size());
  out += "Answer distribution:\n";
  size_t width = 5;
  for (size_t i = 0; i < r.classes.size() && i < static_cast<size_t>(show); ++i)
    width = std::max(width, r.classes[i].response.size());
  const int64_t top = r.classes.empty() ? 1 : r.classes.front().count;
  int64_t rest = 0;
  for (size_t i = 0; i < r.classes.size(); ++i) {
    const auto& c = r.classes[i];
    if (i >= static_cast<size_t>(show)) {
      rest += c.count;
      continue;
    }
    size_t bar = static_cast<size_t>((c.count * 40 + top - 1) / top);
    out += fmt::format("  {:<{}} {:>7} {:>6.1f}%  {}\n", c.response, width, c.count,
                       100 * share(c.count, r.pairs), std::string(bar, '#'));
  }
  if (r.classes.size() > static_cast<size_t>(show))
    out += fmt::format("  ... {} more classes with {} pairs ({:.1f}%)\n", r.classes.size() - show, rest,
                       100 * share(rest, r.pairs));
  if (!r.warnings.empty()) {
    out += "\nWarnings:\n";
    for (const auto& w : r.warnings) out += "  ! " + w + "\n";
  }

  out +=
      fmt::format("\nDuplicates: {} lines repeat an earlier query with the same answer ({} distinct pairs)\n",
                  r.duplicate_lines, r.duplicates.size());
  for (size_t i = 0; i < r.duplicates.size() && i < static_cast<size_t>(show); ++i)
    out += fmt::format("    \"{}|{}\" x{} ({})\n", r.duplicates[i].query, r.duplicates[i].response,
                       r.duplicates[i].where.size(), where_text(r.duplicates[i].where));
  if (r.duplicates.size() > static_cast<size_t>(show))
    out += fmt::format("    ... {} more\n", r.duplicates.size() - show);

  out += fmt::format("\nConflicts: {} queries have more than one answer\n", r.conflicts.size());
  for (size_t i = 0; i < r.conflicts.size() && i < static_cast<size_t>(show); ++i) {
    std::string answers;
    for (const auto& [a, n] : r.conflicts[i].answers)
      answers += fmt::format("{}{} x{}", answers.empty() ? "" : ", ", a, n);
    out += fmt::format("    \"{}\" -> {} ({})\n", r.conflicts[i].query, answers,
                       where_text(r.conflicts[i].where));
  }
  if (r.conflicts.size() > static_cast<size_t>(show))
    out += fmt::format("    ... {} more\n", r.conflicts.size() - show);

  out += fmt::format(
      "\nEncoding collisions, encoding {} (different queries, different answers, same or nearly the same "
      "{} query inputs):\n",
      encoding_name(r.encoding), query_buckets(r.encoding));
  out += fmt::format("  exact: {} query pairs encode identically\n", r.exact_collisions.size());
  list_collisions(out, r.exact_collisions, show);
  if (r.near_hits > 0) {
    out += fmt::format("  near: {} query pairs are {} trigram hit{} apart\n", r.near_collisions.size(),
                       r.near_hits == 1 ? "1" : "1 or 2", r.near_hits == 1 ? "" : "s");
    list_collisions(out, r.near_collisions, show);
  }
  return out;
}

std::string analysis_json(const AnalysisReport& r) {
  using nlohmann::json;
  json classes = json::array();
  for (const auto& c : r.classes)
    classes.push_back({{"response", c.response}, {"count", c.count}, {"share", share(c.count, r.pairs)}});
  json duplicates = json::array();
  for (const auto& d : r.duplicates)
    duplicates.push_back(
        {{"query", d.query}, {"response", d.response}, {"count", d.where.size()}, {"where", d.where}});
  json conflicts = json::array();
  for (const auto& c : r.conflicts) {
    json answers = json::array();
    for (const auto& [a, n] : c.answers) answers.push_back({{"response", a}, {"count", n}});
    conflicts.push_back({{"query", c.query}, {"answers", answers}, {"where", c.where}});
  }
  auto key_json = [](const KeyAnswers& k) {
    return json{{"query", k.query}, {"answers", k.answers}, {"where", k.where}};
  };
  auto collisions_json = [&](const std::vector<Collision>& list) {
    json out = json::array();
    for (const auto& c : list) out.push_back({{"a", key_json(c.a)}, {"b", key_json(c.b)}, {"hits", c.hits}});
    return out;
  };
  json j = {
      {"pairs", r.pairs},
      {"distinct_queries", r.distinct_keys},
      {"classes", classes},
      {"warnings", r.warnings},
      {"duplicate_lines", r.duplicate_lines},
      {"duplicates", duplicates},
      {"conflicts", conflicts},
      {"encoding", encoding_name(r.encoding)},
      {"near_hits", r.near_hits},
      {"exact_collisions", collisions_json(r.exact_collisions)},
      {"near_collisions", collisions_json(r.near_collisions)},
  };
  return j.dump(2);
}

}  // namespace z80lm
