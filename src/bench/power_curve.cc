#include "bench/power_curve.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml.h"

namespace mai::bench {
namespace {

constexpr double kMaxMissFractionForBudget = 0.05;

// A "nice" upper bound of an axis: 1, 2 or 5 times a power of ten.
double NiceMax(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

}  // namespace

std::string CurveCsv(const std::vector<CurvePoint>& points) {
  std::string out =
      "target_fps,achieved_fps,p50_ms,p90_ms,miss_fraction,watts,verdict\n";
  for (const CurvePoint& p : points) {
    std::string verdict = p.verdict;
    std::replace(verdict.begin(), verdict.end(), '"', '\'');
    out += fmt::format(
        "{:g},{:.3f},{:.4f},{:.4f},{:.4f},{},\"{}\"\n", p.target_fps,
        p.achieved_fps, p.p50_ms, p.p90_ms, p.miss_fraction,
        p.watts ? fmt::format("{:.4f}", *p.watts) : std::string("unavailable"),
        verdict);
  }
  return out;
}

std::string CurveSvg(const std::vector<CurvePoint>& points,
                     const std::string& title) {
  const bool power = !points.empty() &&
                     std::all_of(points.begin(), points.end(),
                                 [](const CurvePoint& p) { return p.watts; });
  constexpr double kW = 640, kH = 420, kLeft = 70, kRight = 20, kTop = 40,
                   kBottom = 60;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  double x_max = 0, y_max = 0;
  for (const CurvePoint& p : points) {
    x_max = std::max(x_max, p.achieved_fps);
    y_max = std::max(y_max, power ? *p.watts : p.target_fps);
  }
  x_max = NiceMax(x_max);
  y_max = NiceMax(y_max);
  auto X = [&](double v) { return kLeft + plot_w * v / x_max; };
  auto Y = [&](double v) { return kTop + plot_h * (1 - v / y_max); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"22\" font-size=\"15\">{}</text>\n",
      kW, kH, kLeft, XmlEscape(title));
  // Axes with 5 ticks each.
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n"
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{3}\" stroke=\"black\"/>\n",
      kLeft, kTop + plot_h, kLeft + plot_w, kTop);
  for (int i = 0; i <= 5; ++i) {
    const double xv = x_max * i / 5, yv = y_max * i / 5;
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:g}</text>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n",
        X(xv), kTop + plot_h + 18, xv, kLeft - 6, Y(yv) + 4, yv);
  }
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">achieved frames "
      "per second</text>\n"
      "<text x=\"16\" y=\"{:.1f}\" transform=\"rotate(-90 16 {:.1f})\" "
      "text-anchor=\"middle\">{}</text>\n",
      kLeft + plot_w / 2, kH - 18, kTop + plot_h / 2, kTop + plot_h / 2,
      power ? "average power (W)" : "target frames per second");
  std::string line;
  for (const CurvePoint& p : points) {
    const double yv = power ? *p.watts : p.target_fps;
    line += fmt::format("{:.1f},{:.1f} ", X(p.achieved_fps), Y(yv));
  }
  svg +=
      "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
      "points=\"" +
      line + "\"/>\n";
  for (const CurvePoint& p : points) {
    const double yv = power ? *p.watts : p.target_fps;
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"><title>"
        "target {:g} fps: {:.2f} fps, p50 {:.3f} ms{}</title></circle>\n",
        X(p.achieved_fps), Y(yv),
        p.miss_fraction > kMaxMissFractionForBudget ? "#d62728" : "#1f77b4",
        p.target_fps, p.achieved_fps, p.p50_ms,
        p.watts ? fmt::format(", {:.3f} W", *p.watts) : std::string());
  }
  if (!power) {
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#d62728\">power: unavailable "
        "(no power source)</text>\n",
        kLeft + 10, kTop + 16);
  }
  svg += "</svg>\n";
  return svg;
}

std::optional<CurvePoint> BestUnderBudget(const std::vector<CurvePoint>& points,
                                          double watts) {
  std::optional<CurvePoint> best;
  for (const CurvePoint& p : points) {
    if (!p.watts || *p.watts > watts) continue;
    if (p.miss_fraction > kMaxMissFractionForBudget) continue;
    if (!best || p.achieved_fps > best->achieved_fps) best = p;
  }
  return best;
}

}  // namespace mai::bench
