// The power-performance curve's outputs: CSV rows, an SVG with one marker
// per point, "unavailable" without power, and the budget read-off.
#include "bench/power_curve.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mai::bench {
namespace {

std::vector<CurvePoint> WithPower() {
  // Hand-made: power grows with the frame rate; 60 fps cannot keep up.
  return {{5, 5.0, 1.0, 1.2, 0.0, "stable", 0.8},
          {15, 15.0, 1.0, 1.3, 0.0, "stable", 1.6},
          {30, 30.0, 1.1, 1.5, 0.01, "stable", 2.9},
          {60, 41.0, 1.4, 2.5, 0.32, "cannot keep up", 3.5}};
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(PowerCurveTest, CsvHasOneRowPerPoint) {
  const std::string csv = CurveCsv(WithPower());
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(
      line,
      "target_fps,achieved_fps,p50_ms,p90_ms,miss_fraction,watts,verdict");
  std::getline(lines, line);
  EXPECT_EQ(line, "5,5.000,1.0000,1.2000,0.0000,0.8000,\"stable\"");
  EXPECT_EQ(Count(csv, "\n"), 5);
}

TEST(PowerCurveTest, UnavailablePowerIsSaidNotInvented) {
  std::vector<CurvePoint> points = WithPower();
  for (CurvePoint& p : points) p.watts.reset();
  const std::string csv = CurveCsv(points);
  EXPECT_EQ(Count(csv, ",unavailable,"), 4);
  const std::string svg = CurveSvg(points, "m");
  EXPECT_NE(svg.find("power: unavailable"), std::string::npos);
  EXPECT_NE(svg.find("target frames per second"), std::string::npos);
  EXPECT_FALSE(BestUnderBudget(points, 100).has_value());
}

TEST(PowerCurveTest, SvgHasAMarkerPerPointAndEscapesTheTitle) {
  const std::string svg = CurveSvg(WithPower(), "a<b & c");
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "<circle "), 4);
  EXPECT_EQ(Count(svg, "<polyline "), 1);
  EXPECT_NE(svg.find("a&lt;b &amp; c"), std::string::npos);
  EXPECT_NE(svg.find("average power (W)"), std::string::npos);
  // The point that cannot keep up is drawn in red.
  EXPECT_EQ(Count(svg, "fill=\"#d62728\""), 1);
}

TEST(PowerCurveTest, BestUnderBudget) {
  const auto points = WithPower();
  auto two = BestUnderBudget(points, 2.0);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->target_fps, 15);
  auto three = BestUnderBudget(points, 3.0);
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(three->target_fps, 30);
  // 3.5 W buys 60 fps targets, but that point misses frames: still 30.
  EXPECT_EQ(BestUnderBudget(points, 4.0)->target_fps, 30);
  EXPECT_FALSE(BestUnderBudget(points, 0.5).has_value());
}

}  // namespace
}  // namespace mai::bench
