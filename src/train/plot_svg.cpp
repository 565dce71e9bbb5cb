#include "train/plot_svg.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace z80lm {

namespace {

constexpr double kWidth = 820, kPanelHeight = 230, kLeft = 70, kRight = 170, kTop = 40, kGap = 70;

double nice_step(double range, int max_ticks) {
  const double raw = range / max_ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", int(s) / 60, int(s) % 60);
  return fmt::format("{}h{:02}m", int(s) / 3600, int(s) % 3600 / 60);
}

struct Panel {
  double top, y_min, y_max, x_max;
  double x(double epoch) const { return kLeft + (kWidth - kLeft - kRight) * epoch / x_max; }
  double y(double v) const { return top + kPanelHeight * (1 - (v - y_min) / (y_max - y_min)); }
};

struct Series {
  std::string label, color, dash;
  std::function<double(const EpochRecord&)> value;  // NaN = not measured
};

void axes(std::string& svg, const Panel& p, const std::string& y_label, bool percent) {
  svg += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n", kLeft, p.top,
                     kWidth - kLeft - kRight, kPanelHeight);
  const double step = nice_step(p.y_max - p.y_min, 5);
  for (double v = std::ceil(p.y_min / step) * step; v <= p.y_max + 1e-9; v += step)
    svg += fmt::format(
        "<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='#eee'/><text x='{3}' y='{4:.1f}' "
        "text-anchor='end'>{5}</text>\n",
        kLeft, kWidth - kRight, p.y(v), kLeft - 6, p.y(v) + 4,
        percent ? fmt::format("{:g}%", v) : fmt::format("{:g}", v));
  svg += fmt::format("<text transform='translate({},{:.1f}) rotate(-90)' text-anchor='middle'>{}</text>\n",
                     18, p.top + kPanelHeight / 2, y_label);
}

void lines(std::string& svg, const Panel& p, const std::vector<EpochRecord>& h,
           const std::vector<Series>& series) {
  double legend_y = p.top + 14;
  for (const auto& s : series) {
    std::string path;
    for (const auto& r : h) {
      const double v = s.value(r);
      if (std::isnan(v)) continue;
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", p.x(r.epoch),
                          p.y(std::clamp(v, p.y_min, p.y_max)));
    }
    if (path.empty()) continue;
    svg += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='1.6'{}/>\n", path, s.color,
                       s.dash.empty() ? "" : " stroke-dasharray='" + s.dash + "'");
    svg += fmt::format(
        "<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='{3}' stroke-width='2'{4}/><text x='{5}' "
        "y='{6:.1f}'>{7}</text>\n",
        kWidth - kRight + 12, kWidth - kRight + 36, legend_y, s.color,
        s.dash.empty() ? "" : " stroke-dasharray='" + s.dash + "'", kWidth - kRight + 40, legend_y + 4,
        s.label);
    legend_y += 18;
  }
}

}  // namespace

std::string plot_svg(const std::vector<EpochRecord>& history, const std::string& title) {
  const double height = kTop + 2 * kPanelHeight + kGap + 50;
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='12'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n<text x='{}' y='22' font-size='15'>{}</text>\n",
      kWidth, height, kLeft, escape(title));
  if (history.empty())
    return svg + fmt::format("<text x='{}' y='{}'>no epoch completed yet</text>\n</svg>\n", kLeft, kTop + 40);

  const double x_max = std::max<double>(1, history.back().epoch);
  double acc_min = 100, ce_max = 0;
  for (const auto& r : history) {
    for (double v : {r.int_acc, r.acc, r.val_int_acc, r.val_greedy})
      if (!std::isnan(v)) acc_min = std::min(acc_min, 100 * v);
    ce_max = std::max(ce_max, r.ce);
  }
  Panel acc{kTop, std::max(0.0, std::floor(acc_min / 10) * 10), 100, x_max};
  Panel ce{kTop + kPanelHeight + kGap, 0, ce_max > 0 ? ce_max * 1.05 : 1, x_max};

  axes(svg, acc, "accuracy", true);
  lines(svg, acc, history,
        {{"IntAcc (Z80)", "#1f5fbf", "", [](const EpochRecord& r) { return 100 * r.int_acc; }},
         {"Acc (float)", "#777", "5,3", [](const EpochRecord& r) { return 100 * r.acc; }},
         {"held-out IntAcc", "#d9730d", "", [](const EpochRecord& r) { return 100 * r.val_int_acc; }},
         {"held-out greedy", "#d9730d", "2,3", [](const EpochRecord& r) { return 100 * r.val_greedy; }}});
  const auto best =
      std::find_if(history.rbegin(), history.rend(), [](const EpochRecord& r) { return r.best; });
  if (best != history.rend())
    svg += fmt::format(
        "<circle cx='{0:.1f}' cy='{1:.1f}' r='4' fill='#1f5fbf'/><text x='{2:.1f}' y='{3:.1f}' "
        "text-anchor='end'>best {4:.2f}%</text>\n",
        acc.x(best->epoch), acc.y(100 * best->int_acc), acc.x(best->epoch) - 6,
        acc.y(100 * best->int_acc) + 18, 100 * best->int_acc);
  axes(svg, ce, "cross-entropy", false);
  lines(svg, ce, history, {{"CE (float)", "#c0392b", "", [](const EpochRecord& r) { return r.ce; }}});

  // Shared x axis: epochs, and the elapsed time when each tick epoch ended.
  const double step = std::max(1.0, nice_step(x_max, 8));
  const double axis_y = ce.top + kPanelHeight;
  for (double e = 0; e <= x_max + 1e-9; e += step) {
    std::string time;
    for (const auto& r : history)
      if (r.epoch >= e) {
        time = duration(r.elapsed);
        break;
      }
    for (const Panel* p : {&acc, &ce})
      svg += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#eee'/>\n", p->x(e),
                         p->top, p->top + kPanelHeight);
    svg +=
        fmt::format("<text x='{0:.1f}' y='{1}' text-anchor='middle'>{2:g}</text>", ce.x(e), axis_y + 16, e);
    svg += fmt::format("<text x='{0:.1f}' y='{1}' text-anchor='middle' fill='#777'>{2}</text>\n", ce.x(e),
                       axis_y + 31, time);
  }
  svg += fmt::format(
      "<text x='{}' y='{}' text-anchor='end'>epoch</text><text x='{}' y='{}' text-anchor='end' "
      "fill='#777'>wall time</text>\n",
      kLeft - 16, axis_y + 16, kLeft - 16, axis_y + 31);
  return svg + "</svg>\n";
}

}  // namespace z80lm
