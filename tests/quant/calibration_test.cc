// Range collection: exact ranges on a tiny model with hand-computed values,
// histogram growth, percentile and MSE clipping.
#include "quant/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "mai/session.h"
#include "quant/quant_math.h"
#include "tflite/model_builder.h"

namespace mai::quant {
namespace {

struct TinyModel {
  std::vector<uint8_t> bytes;
  int x, two, y, one, z, r;
};

// x [1, 4] -> MUL 2 -> y -> ADD 1 -> z -> RELU -> r
TinyModel BuildTinyModel() {
  tflite::ModelBuilder b;
  TinyModel m;
  m.x = b.AddInput("x", DType::kFloat32, {1, 4});
  m.two = b.AddConstant<float>("two", {1}, {2.0f});
  m.y = b.AddTensor("y", DType::kFloat32, Shape{1, 4});
  b.AddOp(ir::OpCode::kMul, {m.x, m.two}, {m.y}, ir::BinaryParams{});
  m.one = b.AddConstant<float>("one", {1}, {1.0f});
  m.z = b.AddTensor("z", DType::kFloat32, Shape{1, 4});
  b.AddOp(ir::OpCode::kAdd, {m.y, m.one}, {m.z}, ir::BinaryParams{});
  m.r = b.AddTensor("r", DType::kFloat32, Shape{1, 4});
  b.AddOp(ir::OpCode::kRelu, {m.z}, {m.r});
  b.MarkOutput(m.r);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  m.bytes = *bytes;
  return m;
}

TEST(CalibrateTest, MinMaxOfTinyModelIsExact) {
  TinyModel m = BuildTinyModel();
  CalibrationInputs inputs;
  // Sample 1: x = {-3, -1, 0.5, 2}  y = {-6, -2, 1, 4}  z = {-5, -1, 2, 5}
  //           r = {0, 0, 2, 5}
  // Sample 2: x = {1, -0.25, 4, -2} y = {2, -0.5, 8, -4} z = {3, 0.5, 9, -3}
  //           r = {3, 0.5, 9, 0}
  inputs.samples = {{{-3.0f, -1.0f, 0.5f, 2.0f}},
                    {{1.0f, -0.25f, 4.0f, -2.0f}}};
  auto collector = Calibrate(m.bytes, inputs);
  ASSERT_TRUE(collector.ok()) << collector.status().message();
  auto ranges = collector->Ranges(CalibrationMethod::kMinMax);
  ASSERT_TRUE(ranges.ok());
  const auto& r = *ranges;
  EXPECT_EQ(r[m.x].min, -3.0f);
  EXPECT_EQ(r[m.x].max, 4.0f);
  EXPECT_EQ(r[m.x].count, 8);
  EXPECT_EQ(r[m.y].min, -6.0f);
  EXPECT_EQ(r[m.y].max, 8.0f);
  EXPECT_EQ(r[m.z].min, -5.0f);
  EXPECT_EQ(r[m.z].max, 9.0f);
  EXPECT_EQ(r[m.r].min, 0.0f);
  EXPECT_EQ(r[m.r].max, 9.0f);
  // Constants are not activations.
  EXPECT_EQ(r[m.two].count, 0);
  EXPECT_EQ(r[m.one].count, 0);
  // The output range gives the RELU output's int8 parameters: [0, 9].
  AsymmetricParams p = ChooseInt8Asymmetric(r[m.r].min, r[m.r].max);
  EXPECT_FLOAT_EQ(p.scale, 9.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
}

TEST(CalibrateTest, SeededSamplesMatchFillDeterministic) {
  TinyModel m = BuildTinyModel();
  CalibrationInputs inputs;
  inputs.num_seeded_samples = 3;
  inputs.seed = 42;
  auto collector = Calibrate(m.bytes, inputs);
  ASSERT_TRUE(collector.ok()) << collector.status().message();
  auto ranges = collector->Ranges(CalibrationMethod::kMinMax);
  ASSERT_TRUE(ranges.ok());
  // Expected: the same seeded values, pushed through the model in double.
  double x_min = 1e9, x_max = -1e9, r_max = 0.0;
  for (int k = 0; k < 3; ++k) {
    std::vector<float> x(4);
    FillDeterministic(DType::kFloat32, 42 + k, 0,
                      {reinterpret_cast<uint8_t*>(x.data()), 16});
    for (float v : x) {
      x_min = std::min<double>(x_min, v);
      x_max = std::max<double>(x_max, v);
      r_max = std::max(r_max, 2.0 * v + 1.0);
    }
  }
  EXPECT_EQ((*ranges)[m.x].min, static_cast<float>(x_min));
  EXPECT_EQ((*ranges)[m.x].max, static_cast<float>(x_max));
  EXPECT_EQ((*ranges)[m.y].min, static_cast<float>(2.0 * x_min));
  EXPECT_EQ((*ranges)[m.z].max, static_cast<float>(2.0 * x_max + 1.0));
  EXPECT_EQ((*ranges)[m.r].max, static_cast<float>(r_max));
  EXPECT_EQ((*ranges)[m.x].count, 12);
}

TEST(CalibrateTest, BadSamplesAreErrors) {
  TinyModel m = BuildTinyModel();
  CalibrationInputs wrong_size;
  wrong_size.samples = {{{1.0f, 2.0f}}};
  EXPECT_FALSE(Calibrate(m.bytes, wrong_size).ok());
  CalibrationInputs wrong_inputs;
  wrong_inputs.samples = {{{1, 2, 3, 4}, {1, 2, 3, 4}}};
  EXPECT_FALSE(Calibrate(m.bytes, wrong_inputs).ok());
  CalibrationInputs none;
  none.num_seeded_samples = 0;
  EXPECT_FALSE(Calibrate(m.bytes, none).ok());
}

TEST(RangeCollectorTest, HistogramGrowthKeepsCounts) {
  RangeCollector c(1);
  std::vector<float> a, b, neg;
  for (int i = 0; i < 100; ++i) a.push_back(static_cast<float>(i));
  for (int i = 100; i < 1000; ++i) b.push_back(static_cast<float>(i));
  for (int i = -500; i < 0; ++i) neg.push_back(static_cast<float>(i));
  ASSERT_TRUE(c.Observe(0, a).ok());
  ASSERT_TRUE(c.Observe(0, b).ok());  // grows to the right
  RangeOptions median;
  median.percentile = 50.0;
  auto r = c.Ranges(CalibrationMethod::kPercentile, median);
  ASSERT_TRUE(r.ok());
  // 1000 values 0..999: the median is 499.5; bins are 1584/2048 wide.
  EXPECT_NEAR((*r)[0].max, 499.5, 1.0);
  ASSERT_TRUE(c.Observe(0, neg).ok());  // grows to the left
  r = c.Ranges(CalibrationMethod::kPercentile, median);
  ASSERT_TRUE(r.ok());
  // 1500 values -500..999: the median is 249.5.
  EXPECT_NEAR((*r)[0].max, 249.5, 2.0);
  auto exact = c.Ranges(CalibrationMethod::kMinMax);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ((*exact)[0].min, -500.0f);
  EXPECT_EQ((*exact)[0].max, 999.0f);
  EXPECT_EQ((*exact)[0].count, 1500);
  // p = 100 is min/max.
  RangeOptions all;
  all.percentile = 100.0;
  auto full = c.Ranges(CalibrationMethod::kPercentile, all);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)[0].min, -500.0f);
  EXPECT_EQ((*full)[0].max, 999.0f);
}

TEST(RangeCollectorTest, PercentileDropsOneOutlier) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> v(20000);
  for (float& x : v) x = uniform(rng);
  v[1234] = 100.0f;  // one outlier in 20000 (0.005 % < 0.01 %)
  RangeCollector c(1);
  ASSERT_TRUE(c.Observe(0, v).ok());
  auto minmax = c.Ranges(CalibrationMethod::kMinMax);
  auto pct = c.Ranges(CalibrationMethod::kPercentile);
  ASSERT_TRUE(minmax.ok() && pct.ok());
  EXPECT_EQ((*minmax)[0].max, 100.0f);
  // The 99.99th percentile stays with the uniform values (bins are
  // 128/2048 = 0.0625 wide).
  EXPECT_LT((*pct)[0].max, 1.07f);
  EXPECT_GT((*pct)[0].max, 0.9f);
  EXPECT_GE((*pct)[0].min, 0.0f);
  EXPECT_LT((*pct)[0].min, 0.07f);
}

// Mean squared error of int8 quantization of `v` with range [lo, hi], in
// double.
double QuantizationMse(const std::vector<float>& v, float lo, float hi) {
  const AsymmetricParams p = ChooseInt8Asymmetric(lo, hi);
  double sum = 0.0;
  for (float x : v) {
    double q = std::round(static_cast<double>(x) / p.scale) + p.zero_point;
    q = std::clamp(q, -128.0, 127.0);
    const double d = x - p.scale * (q - p.zero_point);
    sum += d * d;
  }
  return sum / v.size();
}

TEST(RangeCollectorTest, MseClipsLaplaceTailsBetweenPercentileAndMax) {
  // Laplace(0, 1), 10^6 samples: max is about ln(5e5) = 13; the 99.99th
  // percentile ln(5000) = 8.5; the int8 MSE-optimal clip is about 9.9
  // (Banner et al., ACIQ, for 8 bits).
  std::mt19937 rng(12345);
  std::exponential_distribution<float> exponential(1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(1000000);
  for (float& x : v) x = sign(rng) ? exponential(rng) : -exponential(rng);
  RangeCollector c(1);
  ASSERT_TRUE(c.Observe(0, v).ok());
  auto minmax = c.Ranges(CalibrationMethod::kMinMax);
  auto pct = c.Ranges(CalibrationMethod::kPercentile);
  auto mse = c.Ranges(CalibrationMethod::kMse);
  ASSERT_TRUE(minmax.ok() && pct.ok() && mse.ok());
  const TensorRange& full = (*minmax)[0];
  const TensorRange& p = (*pct)[0];
  const TensorRange& m = (*mse)[0];
  EXPECT_GE(m.max, p.max);
  EXPECT_LE(m.max, full.max);
  EXPECT_LE(m.min, p.min);
  EXPECT_GE(m.min, full.min);
  EXPECT_LT(m.max, full.max);  // it does clip
  EXPECT_NEAR(m.max, 9.9, 0.8);
  EXPECT_NEAR(m.min, -9.9, 0.8);
  // And the measured error is lower than with the unclipped range.
  EXPECT_LT(QuantizationMse(v, m.min, m.max),
            QuantizationMse(v, full.min, full.max));
}

TEST(RangeCollectorTest, UnobservedTensorsAndErrors) {
  RangeCollector c(3, {.num_bins = 0});
  const std::vector<float> v = {1.0f, NAN, -2.0f, INFINITY};
  ASSERT_TRUE(c.Observe(1, v).ok());
  EXPECT_EQ(c.skipped(), 2);
  EXPECT_FALSE(c.Observe(3, v).ok());
  EXPECT_FALSE(c.Observe(-1, v).ok());
  auto r = c.Ranges(CalibrationMethod::kMinMax);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].count, 0);
  EXPECT_EQ((*r)[1].min, -2.0f);
  EXPECT_EQ((*r)[1].max, 1.0f);
  // Without histograms only min/max is available.
  EXPECT_FALSE(c.Ranges(CalibrationMethod::kPercentile).ok());
  EXPECT_FALSE(c.Ranges(CalibrationMethod::kMse).ok());
  EXPECT_FALSE(ParseCalibrationMethod("kl").ok());
  EXPECT_EQ(*ParseCalibrationMethod("mse"), CalibrationMethod::kMse);
}

}  // namespace
}  // namespace mai::quant
