#include "data/balance.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "util/rng.h"

namespace z80lm {

BalanceResult balance_pairs(const std::vector<Pair>& pairs, const BalanceOptions& options) {
  std::map<std::string, std::vector<size_t>> by_class;  // byte order: the portable visiting order
  for (size_t i = 0; i < pairs.size(); ++i) by_class[pairs[i].response].push_back(i);

  BalanceResult result;
  if (by_class.empty()) return result;
  int64_t smallest = INT64_MAX;
  for (const auto& [response, members] : by_class)
    smallest = std::min<int64_t>(smallest, static_cast<int64_t>(members.size()));
  result.target = options.target.value_or(smallest);
  const auto target = static_cast<size_t>(result.target);

  Rng rng(options.seed);
  std::vector<size_t> chosen;
  for (auto& [response, members] : by_class) {
    const size_t before = members.size();
    if (before > target) {
      // Partial Fisher-Yates: the first `target` slots become a uniform sample without replacement.
      for (size_t i = 0; i < target; ++i) std::swap(members[i], members[i + rng.below(before - i)]);
      members.resize(target);
    } else if (options.oversample) {
      for (size_t i = before; i < target; ++i) members.push_back(members[rng.below(before)]);
    }
    chosen.insert(chosen.end(), members.begin(), members.end());
    result.classes.push_back({response, static_cast<int64_t>(before), static_cast<int64_t>(members.size())});
  }
  shuffle(rng, chosen);
  result.pairs.reserve(chosen.size());
  for (size_t i : chosen) result.pairs.push_back(pairs[i]);
  std::stable_sort(result.classes.begin(), result.classes.end(),
                   [](const ClassBalance& a, const ClassBalance& b) { return a.before > b.before; });
  return result;
}

std::string format_balance_stats(const BalanceResult& r) {
  size_t width = 5;
  for (const auto& c : r.classes) width = std::max(width, c.response.size());
  int64_t before = 0, after = 0;
  for (const auto& c : r.classes) before += c.before, after += c.after;
  auto pct = [](int64_t n, int64_t total) {
    return total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0;
  };
  std::string out =
      fmt::format("{:<{}} {:>8} {:>7} {:>8} {:>7}\n", "class", width, "before", "", "after", "");
  for (const auto& c : r.classes)
    out += fmt::format("{:<{}} {:>8} {:>6.1f}% {:>8} {:>6.1f}%\n", c.response, width, c.before,
                       pct(c.before, before), c.after, pct(c.after, after));
  out += fmt::format("{:<{}} {:>8} {:>7} {:>8} {:>7}\n", "total", width, before, "", after, "");
  out += fmt::format("{} classes, target {} per class\n", r.classes.size(), r.target);
  return out;
}

std::string format_pairs(const std::vector<Pair>& pairs) {
  std::string out;
  for (const auto& p : pairs) out += p.query + "|" + p.response + "\n";
  return out;
}

}  // namespace z80lm
