// RESIZE_NEAREST_NEIGHBOR: hand-derived index rules, and exact agreement
// with the TFLite oracle for fp32/int8/uint8 over random sizes and flags.
#include <gtest/gtest.h>

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

template <typename T>
std::vector<uint8_t> BuildResize(const Shape& in_shape, int out_h, int out_w,
                                 bool align_corners, bool half_pixel_centers,
                                 const ir::QuantParams& q = {}) {
  ModelBuilder b;
  const DType dtype = DTypeOf<T>();
  const int x = b.AddInput("x", dtype, in_shape, q);
  const int size = b.AddConstant<int32_t>("size", {2}, {out_h, out_w});
  const int y = b.AddTensor("y", dtype, std::nullopt, q);
  b.AddOp(ir::OpCode::kResizeNearestNeighbor, {x, size}, {y},
          ir::ResizeParams{align_corners, half_pixel_centers});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Resizes the row [0, 1, ..., n-1] to `out` columns and returns the picked
// source indices.
std::vector<float> PickedIndices(int n, int out, bool align_corners,
                                 bool half_pixel_centers) {
  std::vector<float> row(n);
  for (int i = 0; i < n; ++i) row[i] = static_cast<float>(i);
  auto result =
      testing::RunMai(BuildResize<float>({1, 1, n, 1}, 1, out, align_corners,
                                         half_pixel_centers),
                      {HostTensor::From<float>({1, 1, n, 1}, row)});
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result->at(0).values<float>() : std::vector<float>{};
}

TEST(ResizeNearestTest, HandDerivedIndices) {
  // Plain: floor(o * in / out).
  EXPECT_EQ(PickedIndices(2, 4, false, false),
            (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(PickedIndices(5, 2, false, false), (std::vector<float>{0, 2}));
  EXPECT_EQ(PickedIndices(3, 5, false, false),
            (std::vector<float>{0, 0, 1, 1, 2}));
  // align_corners: round(o * (in - 1) / (out - 1)), halves away from zero.
  EXPECT_EQ(PickedIndices(2, 3, true, false), (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(PickedIndices(3, 5, true, false),
            (std::vector<float>{0, 1, 1, 2, 2}));
  // half_pixel_centers: floor((o + 0.5) * in / out).
  EXPECT_EQ(PickedIndices(2, 4, false, true), (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(PickedIndices(4, 2, false, true), (std::vector<float>{1, 3}));
  EXPECT_EQ(PickedIndices(3, 2, false, true), (std::vector<float>{0, 2}));
}

TEST(ResizeNearestTest, ChannelsAndBatchesMoveTogether) {
  // 2x2 image with 2 channels, upscaled 2x: each pixel becomes a 2x2 block.
  const std::vector<float> x = {1, -1, 2, -2, 3, -3, 4, -4};
  auto out =
      testing::RunMai(BuildResize<float>({1, 2, 2, 2}, 4, 4, false, false),
                      {HostTensor::From<float>({1, 2, 2, 2}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<float> got = out->at(0).values<float>();
  ASSERT_EQ(got.size(), 32u);
  for (int y = 0; y < 4; ++y) {
    for (int xx = 0; xx < 4; ++xx) {
      const int src = (y / 2) * 2 + xx / 2;
      EXPECT_EQ(got[(y * 4 + xx) * 2], x[src * 2]);
      EXPECT_EQ(got[(y * 4 + xx) * 2 + 1], x[src * 2 + 1]);
    }
  }
}

template <typename T>
void CompareWithOracle(uint32_t seed, const ir::QuantParams& q, int lo,
                       int hi) {
  Rng rng(seed);
  for (int iter = 0; iter < 12; ++iter) {
    const bool align = iter % 3 == 1;
    const bool half = iter % 3 == 2;
    const Shape shape = {rng.Int(1, 2), rng.Int(1, 7), rng.Int(1, 7),
                         rng.Int(1, 3)};
    const int out_h = rng.Int(1, 13), out_w = rng.Int(1, 13);
    auto model = BuildResize<T>(shape, out_h, out_w, align, half, q);
    std::vector<HostTensor> inputs;
    if constexpr (std::is_same_v<T, float>) {
      inputs.push_back(
          HostTensor::From<T>(shape, rng.Floats(NumElementsUnchecked(shape))));
    } else {
      inputs.push_back(HostTensor::From<T>(
          shape, rng.Ints<T>(NumElementsUnchecked(shape), lo, hi)));
    }
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    ASSERT_EQ(ours->at(0).shape, theirs->at(0).shape);
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes)
        << "iteration " << iter << " in " << ShapeToString(shape) << " out "
        << out_h << "x" << out_w << " align " << align << " half " << half;
  }
}

TEST(ResizeNearestTest, Float32MatchesTflite) {
  CompareWithOracle<float>(71, {}, 0, 0);
}
TEST(ResizeNearestTest, Int8MatchesTflite) {
  CompareWithOracle<int8_t>(72, Quant(0.1f, 2), -128, 127);
}
TEST(ResizeNearestTest, Uint8MatchesTflite) {
  CompareWithOracle<uint8_t>(73, Quant(0.1f, 128), 0, 255);
}

TEST(ResizeNearestTest, RejectsNonConstantSize) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  const int size = b.AddInput("size", DType::kInt32, {2});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 1});
  b.AddOp(ir::OpCode::kResizeNearestNeighbor, {x, size}, {y},
          ir::ResizeParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4}),
               HostTensor::From<int32_t>({2}, {4, 4})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

}  // namespace
}  // namespace mai
