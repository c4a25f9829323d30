// Depth errors (si-RMSE, RMSE, MAE, abs-rel, log10 RMSE) against values
// derived by hand, the valid-pixel rules (target > 0, prediction > 0, user
// mask) and the argument errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "metrics/depth.h"

namespace mai::metrics {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// pred = 2 * target: d = ln 2 at every pixel, so mean(d^2) - mean(d)^2 = 0.
// rmse = sqrt(mean(t^2)), mae = mean(t), abs_rel = 1, log10_rmse = log10 2.
TEST(DepthMetrics, ScaledPredictionHasZeroSiRmse) {
  const std::vector<float> target = {0.5f, 1.0f, 2.0f, 3.0f, 10.0f, 7.25f};
  std::vector<float> pred;
  for (float t : target) pred.push_back(2.0f * t);
  Result<DepthErrors> e = DepthMetrics(pred, target);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_NEAR(e->si_rmse, 0.0, 1e-15);
  double sum = 0.0, sum_sq = 0.0;
  for (float t : target) {
    sum += t;
    sum_sq += static_cast<double>(t) * t;
  }
  EXPECT_NEAR(e->rmse, std::sqrt(sum_sq / 6.0), 1e-12);
  EXPECT_NEAR(e->mae, sum / 6.0, 1e-12);
  EXPECT_NEAR(e->abs_rel, 1.0, 1e-15);
  EXPECT_NEAR(e->log10_rmse, std::log10(2.0), 1e-15);
  EXPECT_EQ(e->valid_pixels, 6);
}

// target {2, 4}, pred {1, 8}: d = {-ln 2, +ln 2}, mean 0, mean d^2 = ln^2 2,
// so si-RMSE = ln 2. Differences {-1, 4}: rmse = sqrt(17 / 2), mae = 5 / 2,
// abs_rel = (1/2 + 4/4) / 2 = 3/4; log10 differences +-log10 2.
TEST(DepthMetrics, TwoPixelsByHand) {
  const std::vector<float> target = {2.0f, 4.0f};
  const std::vector<float> pred = {1.0f, 8.0f};
  Result<DepthErrors> e = DepthMetrics(pred, target);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_NEAR(e->si_rmse, std::log(2.0), 1e-15);
  EXPECT_NEAR(e->rmse, std::sqrt(8.5), 1e-15);
  EXPECT_NEAR(e->mae, 2.5, 1e-15);
  EXPECT_NEAR(e->abs_rel, 0.75, 1e-15);
  EXPECT_NEAR(e->log10_rmse, std::log10(2.0), 1e-15);
  EXPECT_EQ(e->valid_pixels, 2);
}

// target {1, 1}, pred {1, 4}: d = {0, ln 4}, mean(d) = ln 2, mean(d^2) =
// 2 ln^2 2, so si-RMSE = sqrt(2 ln^2 2 - ln^2 2) = ln 2 (not the plain log
// RMSE sqrt(2) ln 2). rmse = sqrt(9 / 2), mae = abs_rel = 3 / 2,
// log10_rmse = log10(4) / sqrt(2).
TEST(DepthMetrics, OffsetInLogSpaceByHand) {
  const std::vector<float> target = {1.0f, 1.0f};
  const std::vector<float> pred = {1.0f, 4.0f};
  Result<DepthErrors> e = DepthMetrics(pred, target);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_NEAR(e->si_rmse, std::log(2.0), 1e-15);
  EXPECT_NEAR(e->rmse, std::sqrt(4.5), 1e-15);
  EXPECT_NEAR(e->mae, 1.5, 1e-15);
  EXPECT_NEAR(e->abs_rel, 1.5, 1e-15);
  EXPECT_NEAR(e->log10_rmse, std::log10(4.0) / std::sqrt(2.0), 1e-15);
  Result<double> si = SiRmse(pred, target);
  ASSERT_TRUE(si.ok());
  EXPECT_EQ(*si, e->si_rmse);
}

// si-RMSE ignores a global scale of the prediction; the other metrics don't.
TEST(DepthMetrics, ScaleInvarianceOnRandomMaps) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> depth(0.5f, 20.0f);
  std::uniform_real_distribution<float> noise(0.8f, 1.25f);
  std::vector<float> target(1000), pred(1000), scaled(1000);
  for (size_t i = 0; i < target.size(); ++i) {
    target[i] = depth(rng);
    pred[i] = target[i] * noise(rng);
    scaled[i] = pred[i] * 4.0f;  // exact in float
  }
  Result<DepthErrors> a = DepthMetrics(pred, target);
  Result<DepthErrors> b = DepthMetrics(scaled, target);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(a->si_rmse, 0.01);
  EXPECT_NEAR(a->si_rmse, b->si_rmse, 1e-12);
  EXPECT_GT(b->rmse, a->rmse);
}

// Zero, negative, NaN and infinite targets, non-positive predictions and
// masked-out pixels are skipped; the result equals the metrics of the pixels
// left ({2, 4} vs {1, 8}, see TwoPixelsByHand).
TEST(DepthMetrics, InvalidPixelsAreIgnored) {
  const std::vector<float> target = {2.0f, 0.0f, -3.0f, kNaN, kInf,
                                     5.0f, 6.0f, 4.0f,  7.0f};
  const std::vector<float> pred = {1.0f, 9.0f,  9.0f, kNaN, 9.0f,
                                   0.0f, -1.0f, 8.0f, 3.0f};
  const std::vector<uint8_t> mask = {1, 1, 1, 1, 1, 1, 1, 1, 0};
  Result<DepthErrors> e = DepthMetrics(pred, target, mask);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->valid_pixels, 2);
  EXPECT_NEAR(e->si_rmse, std::log(2.0), 1e-15);
  EXPECT_NEAR(e->rmse, std::sqrt(8.5), 1e-15);
  EXPECT_NEAR(e->abs_rel, 0.75, 1e-15);
  // Without the mask the last pixel counts.
  Result<DepthErrors> unmasked = DepthMetrics(pred, target);
  ASSERT_TRUE(unmasked.ok());
  EXPECT_EQ(unmasked->valid_pixels, 3);
  EXPECT_NEAR(unmasked->mae, (1.0 + 4.0 + 4.0) / 3.0, 1e-15);
}

TEST(DepthMetrics, NoValidPixelIsAnError) {
  const std::vector<float> target = {0.0f, -1.0f, 3.0f};
  const std::vector<float> pred = {1.0f, 1.0f, 0.0f};
  Result<DepthErrors> e = DepthMetrics(pred, target);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("no valid pixel"), std::string::npos)
      << e.status().message();
  const std::vector<uint8_t> none = {0, 0, 0};
  EXPECT_FALSE(DepthMetrics(target, target, none).ok());
  EXPECT_FALSE(SiRmse(pred, target).ok());
}

TEST(DepthMetrics, NonFinitePredictionAtValidPixelIsAnError) {
  const std::vector<float> target = {1.0f, 2.0f};
  Result<DepthErrors> e = DepthMetrics(std::vector<float>{1.0f, kNaN}, target);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("index 1"), std::string::npos)
      << e.status().message();
  EXPECT_FALSE(DepthMetrics(std::vector<float>{kInf, 1.0f}, target).ok());
  // At a pixel with no ground truth it is just skipped.
  EXPECT_TRUE(DepthMetrics(std::vector<float>{1.0f, kNaN},
                           std::vector<float>{1.0f, 0.0f})
                  .ok());
}

TEST(DepthMetrics, SizeMismatchIsAnError) {
  const std::vector<float> three = {1.0f, 2.0f, 3.0f};
  const std::vector<float> two = {1.0f, 2.0f};
  Result<DepthErrors> e = DepthMetrics(three, two);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("got 3 and 2"), std::string::npos)
      << e.status().message();
  EXPECT_FALSE(DepthMetrics({}, {}).ok());
  const std::vector<uint8_t> short_mask = {1, 1};
  e = DepthMetrics(three, three, short_mask);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("mask has 2 values"), std::string::npos)
      << e.status().message();
}

}  // namespace
}  // namespace mai::metrics
