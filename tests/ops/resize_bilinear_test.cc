// RESIZE_BILINEAR: fp32 against double-precision interpolation, uint8/int8
// against the same math (within 1) and the TFLite oracle (within 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

struct Flags {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

template <typename T>
std::vector<uint8_t> BuildResize(const Shape& in_shape, int out_h, int out_w,
                                 Flags f, const ir::QuantParams& q = {}) {
  ModelBuilder b;
  const DType dtype = DTypeOf<T>();
  const int x = b.AddInput("x", dtype, in_shape, q);
  const int size = b.AddConstant<int32_t>("size", {2}, {out_h, out_w});
  const int y = b.AddTensor("y", dtype, std::nullopt, q);
  b.AddOp(ir::OpCode::kResizeBilinear, {x, size}, {y},
          ir::ResizeParams{f.align_corners, f.half_pixel_centers});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Source coordinate of output index o, clamped into the input.
double Source(int o, int in, int out, Flags f) {
  const double scale = (f.align_corners && out > 1) ? double(in - 1) / (out - 1)
                                                    : double(in) / out;
  const double s = f.half_pixel_centers ? (o + 0.5) * scale - 0.5 : o * scale;
  return std::clamp(s, 0.0, double(in - 1));
}

template <typename T>
std::vector<double> ReferenceBilinear(const std::vector<T>& in,
                                      const Shape& shape, int out_h, int out_w,
                                      Flags f) {
  const int n = shape[0], h = shape[1], w = shape[2], c = shape[3];
  std::vector<double> out;
  auto at = [&](int b, int y, int x, int ch) {
    return static_cast<double>(in[((int64_t{b} * h + y) * w + x) * c + ch]);
  };
  for (int b = 0; b < n; ++b) {
    for (int oy = 0; oy < out_h; ++oy) {
      const double sy = Source(oy, h, out_h, f);
      const int y0 = static_cast<int>(std::floor(sy));
      const int y1 = std::min(y0 + 1, h - 1);
      const double fy = sy - y0;
      for (int ox = 0; ox < out_w; ++ox) {
        const double sx = Source(ox, w, out_w, f);
        const int x0 = static_cast<int>(std::floor(sx));
        const int x1 = std::min(x0 + 1, w - 1);
        const double fx = sx - x0;
        for (int ch = 0; ch < c; ++ch) {
          const double top =
              at(b, y0, x0, ch) + (at(b, y0, x1, ch) - at(b, y0, x0, ch)) * fx;
          const double bottom =
              at(b, y1, x0, ch) + (at(b, y1, x1, ch) - at(b, y1, x0, ch)) * fx;
          out.push_back(top + (bottom - top) * fy);
        }
      }
    }
  }
  return out;
}

Flags FlagsFor(int i) {
  switch (i % 3) {
    case 1:
      return {true, false};
    case 2:
      return {false, true};
    default:
      return {false, false};
  }
}

TEST(ResizeBilinearTest, HandExamples) {
  const HostTensor x = HostTensor::From<float>({1, 2, 2, 1}, {0, 1, 2, 3});
  auto aligned = testing::RunMai(
      BuildResize<float>({1, 2, 2, 1}, 3, 3, {true, false}), {x});
  ASSERT_TRUE(aligned.ok()) << aligned.status().message();
  EXPECT_EQ(aligned->at(0).shape, (Shape{1, 3, 3, 1}));
  EXPECT_EQ(aligned->at(0).values<float>(),
            (std::vector<float>{0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3}));
  // Without flags, 2 -> 4 samples at 0, 0.5, 1, 1.5 (clamped to 1).
  auto plain = testing::RunMai(BuildResize<float>({1, 2, 2, 1}, 1, 4, {}), {x});
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->at(0).values<float>(), (std::vector<float>{0, 0.5f, 1, 1}));
  // Half-pixel centers: height 2 -> 1 samples row 0.5 (the mean of both
  // rows, [1 2]); width 2 -> 4 samples -0.25 (clamped), 0.25, 0.75, 1.25
  // (clamped).
  auto half = testing::RunMai(
      BuildResize<float>({1, 2, 2, 1}, 1, 4, {false, true}), {x});
  ASSERT_TRUE(half.ok()) << half.status().message();
  EXPECT_TRUE(testing::NearRelative(half->at(0).values<float>(),
                                    std::vector<double>{1, 1.25, 1.75, 2}));
}

TEST(ResizeBilinearTest, Float32AgainstDoubleReference) {
  Rng rng(555);
  for (int iter = 0; iter < 30; ++iter) {
    const Flags f = FlagsFor(iter);
    const Shape shape = {rng.Int(1, 2), rng.Int(1, 7), rng.Int(1, 7),
                         rng.Int(1, 3)};
    const int out_h = rng.Int(1, 11), out_w = rng.Int(1, 11);
    const std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -3, 3);
    auto out = testing::RunMai(BuildResize<float>(shape, out_h, out_w, f),
                               {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, (Shape{shape[0], out_h, out_w, shape[3]}));
    EXPECT_TRUE(
        testing::NearRelative(out->at(0).values<float>(),
                              ReferenceBilinear(x, shape, out_h, out_w, f)))
        << "iteration " << iter << " in " << ShapeToString(shape) << " out "
        << out_h << "x" << out_w << " align " << f.align_corners << " half "
        << f.half_pixel_centers;
  }
}

template <typename T>
void CompareQuantized(uint32_t seed, int lo, int hi, int64_t zp) {
  Rng rng(seed);
  for (int iter = 0; iter < 12; ++iter) {
    const Flags f = FlagsFor(iter);
    const Shape shape = {1, rng.Int(1, 6), rng.Int(1, 6), rng.Int(1, 3)};
    const int out_h = rng.Int(1, 10), out_w = rng.Int(1, 10);
    const std::vector<T> x = rng.Ints<T>(NumElementsUnchecked(shape), lo, hi);
    auto model = BuildResize<T>(shape, out_h, out_w, f, Quant(0.05f, zp));
    const std::vector<HostTensor> inputs = {HostTensor::From<T>(shape, x)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    // Against exact interpolation of the raw values.
    const std::vector<double> expected =
        ReferenceBilinear(x, shape, out_h, out_w, f);
    const std::vector<T> got = ours->at(0).template values<T>();
    ASSERT_EQ(got.size(), expected.size());
    // uint8 interpolates with float coordinates (error < 1 from rounding);
    // int8 with 10-bit fixed-point coordinates, which may add up to ~1 more.
    const double tol = std::is_same_v<T, uint8_t> ? 1.0 : 2.0;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_LE(std::fabs(got[i] - expected[i]), tol)
          << "element " << i << " iteration " << iter;
    }
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "iteration " << iter << " in " << ShapeToString(shape) << " out "
        << out_h << "x" << out_w << " align " << f.align_corners << " half "
        << f.half_pixel_centers;
  }
}

TEST(ResizeBilinearTest, Uint8) { CompareQuantized<uint8_t>(61, 0, 255, 128); }
TEST(ResizeBilinearTest, Int8) { CompareQuantized<int8_t>(62, -128, 127, -4); }

TEST(ResizeBilinearTest, Int16AgainstDoubleReference) {
  // Same fixed-point path as int8. 10-bit coordinates are off by at most
  // ~index * 2^-11, i.e. < 0.005 here: within 1 + 600 * 0.005 + 0.5 < 4.
  Rng rng(64);
  for (int iter = 0; iter < 6; ++iter) {
    const Flags f = FlagsFor(iter);
    const Shape shape = {1, rng.Int(1, 6), rng.Int(1, 6), 2};
    const int out_h = rng.Int(1, 10), out_w = rng.Int(1, 10);
    const std::vector<int16_t> x =
        rng.Ints<int16_t>(NumElementsUnchecked(shape), -300, 300);
    auto out = testing::RunMai(
        BuildResize<int16_t>(shape, out_h, out_w, f, Quant(1e-3f, 0)),
        {HostTensor::From<int16_t>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<double> expected =
        ReferenceBilinear(x, shape, out_h, out_w, f);
    const std::vector<int16_t> got = out->at(0).values<int16_t>();
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_LE(std::fabs(got[i] - expected[i]), 4.0)
          << "element " << i << " iteration " << iter;
    }
  }
  // Large magnitudes do not overflow: a constant image stays constant.
  for (int16_t v : {int16_t{32767}, int16_t{-32768}}) {
    auto out = testing::RunMai(
        BuildResize<int16_t>({1, 3, 5, 1}, 7, 4, {}, Quant(1e-3f, 0)),
        {HostTensor::From<int16_t>({1, 3, 5, 1}, std::vector<int16_t>(15, v))});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<int16_t>(), std::vector<int16_t>(28, v));
  }
}

TEST(ResizeBilinearTest, Float32MatchesTflite) {
  Rng rng(63);
  for (int iter = 0; iter < 6; ++iter) {
    const Flags f = FlagsFor(iter);
    const Shape shape = {1, rng.Int(2, 8), rng.Int(2, 8), 2};
    const int out_h = rng.Int(1, 12), out_w = rng.Int(1, 12);
    auto model = BuildResize<float>(shape, out_h, out_w, f);
    const std::vector<HostTensor> inputs = {HostTensor::From<float>(
        shape, rng.Floats(NumElementsUnchecked(shape)))};
    auto ours = testing::RunMai(model, inputs);
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::NearRelative(ours->at(0).values<float>(),
                                      theirs->at(0).values<float>()))
        << "iteration " << iter;
  }
}

TEST(ResizeBilinearTest, RejectsBadSize) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  const int size = b.AddConstant<int32_t>("size", {2}, {0, 3});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, 1, 3, 1});
  b.AddOp(ir::OpCode::kResizeBilinear, {x, size}, {y}, ir::ResizeParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (model.ok()) {
    EXPECT_FALSE(testing::RunMai(*model, {HostTensor::From<float>(
                                             {1, 2, 2, 1}, {1, 2, 3, 4})})
                     .ok());
  }
  // align_corners together with half_pixel_centers is invalid.
  ModelBuilder b2;
  const int x2 = b2.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  const int size2 = b2.AddConstant<int32_t>("size", {2}, {3, 3});
  const int y2 = b2.AddTensor("y", DType::kFloat32, Shape{1, 3, 3, 1});
  b2.AddOp(ir::OpCode::kResizeBilinear, {x2, size2}, {y2},
           ir::ResizeParams{true, true});
  b2.MarkOutput(y2);
  auto model2 = b2.Build();
  if (model2.ok()) {
    EXPECT_FALSE(testing::RunMai(*model2, {HostTensor::From<float>(
                                              {1, 2, 2, 1}, {1, 2, 3, 4})})
                     .ok());
  }
}

}  // namespace
}  // namespace mai
