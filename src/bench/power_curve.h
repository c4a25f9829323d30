// Power-performance curve: the model run sustained at several target frame
// rates, each point with the frame rate achieved, its latency and the
// average power (when a power source exists), as MediaTek proposes for
// sustained AI workloads. Written as CSV and as an SVG plot; the sustained
// performance at a power budget is read off the points.
//
//   std::vector<CurvePoint> points = ...;   // one per target FPS
//   WriteText(csv_path, CurveCsv(points));
//   WriteText(svg_path, CurveSvg(points, "face_detection_short_range"));
//   std::optional<CurvePoint> best = BestUnderBudget(points, 2.0);
#ifndef MAI_BENCH_POWER_CURVE_H_
#define MAI_BENCH_POWER_CURVE_H_

#include <optional>
#include <string>
#include <vector>

namespace mai::bench {

struct CurvePoint {
  double target_fps = 0;
  double achieved_fps = 0;
  double p50_ms = 0, p90_ms = 0;
  double miss_fraction = 0;     // (missed + dropped) / released
  std::string verdict;          // the sustained run's verdict
  std::optional<double> watts;  // nullopt: no power source
};

// Header "target_fps,achieved_fps,p50_ms,p90_ms,miss_fraction,watts,verdict"
// and one row per point; watts is "unavailable" without a power source.
std::string CurveCsv(const std::vector<CurvePoint>& points);

// A standalone SVG (opens in any browser): achieved FPS against power when
// every point has a power figure, otherwise achieved FPS against target FPS
// with "power: unavailable" written on the plot.
std::string CurveSvg(const std::vector<CurvePoint>& points,
                     const std::string& title);

// The point with the highest achieved FPS whose power is within `watts` and
// that kept up with its target (miss fraction at most 5 %); nullopt when no
// point has a power figure or none fits.
std::optional<CurvePoint> BestUnderBudget(const std::vector<CurvePoint>& points,
                                          double watts);

}  // namespace mai::bench

#endif  // MAI_BENCH_POWER_CURVE_H_
