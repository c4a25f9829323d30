// MediaPipe's MaxPoolingWithArgmax2D and MaxUnpooling2D custom ops on
// hand-computed cases (TensorFlow Lite cannot run them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;

// Raw TfLitePoolParams: padding (1 SAME, 2 VALID), stride_w, stride_h,
// filter_w, filter_h, activation, then 4 computed padding ints.
std::vector<uint8_t> PoolOptions(int padding, int stride_w, int stride_h,
                                 int filter_w, int filter_h, int activation = 0,
                                 bool with_computed = true) {
  std::vector<int32_t> f = {padding,  stride_w, stride_h,
                            filter_w, filter_h, activation};
  if (with_computed) f.insert(f.end(), {0, 0, 0, 0});
  std::vector<uint8_t> bytes(f.size() * 4);
  std::memcpy(bytes.data(), f.data(), bytes.size());  // little-endian host
  return bytes;
}

// The model builder cannot infer custom-op shapes, so each test states the
// output shape it expects; mai's shape inference recomputes it when the
// model is prepared.
Result<std::vector<HostTensor>> RunArgmax(
    const Shape& shape, const std::vector<float>& x,
    std::vector<uint8_t> options, const Shape& out_shape = {1, 1, 1, 1}) {
  tflite::ModelBuilder b;
  int in = b.AddInput("x", DType::kFloat32, shape);
  int values = b.AddTensor("values", DType::kFloat32, out_shape);
  int indices = b.AddTensor("indices", DType::kFloat32, out_shape);
  b.AddCustomOp("MaxPoolingWithArgmax2D", {in}, {values, indices},
                std::move(options));
  b.MarkOutput(values);
  b.MarkOutput(indices);
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> model, b.Build());
  return testing::RunMai(model, {HostTensor::From<float>(shape, x)});
}

Result<std::vector<HostTensor>> RunUnpool(const Shape& shape,
                                          const std::vector<float>& values,
                                          const std::vector<float>& indices,
                                          std::vector<uint8_t> options,
                                          const Shape& out_shape) {
  tflite::ModelBuilder b;
  int v = b.AddInput("values", DType::kFloat32, shape);
  int i = b.AddInput("indices", DType::kFloat32, shape);
  int y = b.AddTensor("y", DType::kFloat32, out_shape);
  b.AddCustomOp("MaxUnpooling2D", {v, i}, {y}, std::move(options));
  b.MarkOutput(y);
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> model, b.Build());
  return testing::RunMai(model, {HostTensor::From<float>(shape, values),
                                 HostTensor::From<float>(shape, indices)});
}

TEST(MaxPoolingWithArgmax2DTest, ValidTwoByTwo) {
  // Rows [9 1 2 8] and [3 4 7 5]: windows {9 1 3 4} and {2 8 7 5}.
  auto out = RunArgmax({1, 2, 4, 1}, {9, 1, 2, 8, 3, 4, 7, 5},
                       PoolOptions(2, 2, 2, 2, 2), {1, 1, 2, 1});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 1, 2, 1}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{9, 8}));
  // 9 at window (0, 0) -> 0; 8 at window (0, 1) -> 1.
  EXPECT_EQ(out->at(1).values<float>(), (std::vector<float>{0.1f, 1.1f}));
}

TEST(MaxPoolingWithArgmax2DTest, ChannelsAreIndependent) {
  // 2x2 input, 2 channels: channel 0 = [1 2 3 4], channel 1 = [8 7 6 5].
  auto out = RunArgmax({1, 2, 2, 2}, {1, 8, 2, 7, 3, 6, 4, 5},
                       PoolOptions(2, 1, 1, 2, 2), {1, 1, 1, 2});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{4, 8}));
  EXPECT_EQ(out->at(1).values<float>(), (std::vector<float>{3.1f, 0.1f}));
}

TEST(MaxPoolingWithArgmax2DTest, SamePaddingUsesWindowCoordinates) {
  // 1x4 input, 1x4 window, stride 1, SAME: total padding 3, one column
  // before. Windows cover columns [-1..2], [0..3], [1..4], [2..5].
  auto out = RunArgmax({1, 1, 4, 1}, {1, 5, 2, 0}, PoolOptions(1, 1, 1, 4, 1),
                       {1, 1, 4, 1});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 1, 4, 1}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{5, 5, 5, 2}));
  // The max 5 (column 1) sits at window column 2, 1, 0; then 2 at column 0.
  EXPECT_EQ(out->at(1).values<float>(),
            (std::vector<float>{2.1f, 1.1f, 0.1f, 0.1f}));
}

TEST(MaxPoolingWithArgmax2DTest, SameTwoByTwoStrideTwoOnOddInput) {
  // 3x3 input 1..9, 2x2 window, stride 2, SAME: no leading padding; the last
  // row/column windows are clipped.
  auto out = RunArgmax({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9},
                       PoolOptions(1, 2, 2, 2, 2), {1, 2, 2, 1});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{5, 6, 8, 9}));
  // 5 at (1,1) -> 3; 6 at (1,0) -> 2; 8 at (0,1) -> 1; 9 at (0,0) -> 0.
  EXPECT_EQ(out->at(1).values<float>(),
            (std::vector<float>{3.1f, 2.1f, 1.1f, 0.1f}));
}

TEST(MaxPoolingWithArgmax2DTest, ActivationAndTies) {
  // Relu (activation 1): the max -2 becomes 0, its index is kept. Ties keep
  // the first element in window order.
  auto out =
      RunArgmax({1, 2, 2, 2}, {-3, 4, -2, 1, -5, 4, -4, 4},
                PoolOptions(2, 2, 2, 2, 2, /*activation=*/1), {1, 1, 1, 2});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{0, 4}));
  EXPECT_EQ(out->at(1).values<float>(), (std::vector<float>{1.1f, 0.1f}));
}

TEST(MaxPoolingWithArgmax2DTest, AcceptsOptionsWithoutComputedPadding) {
  auto out = RunArgmax({1, 2, 2, 1}, {1, 2, 3, 4},
                       PoolOptions(2, 2, 2, 2, 2, 0, /*with_computed=*/false));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{4}));
}

TEST(MaxPoolingWithArgmax2DTest, RejectsBadOptions) {
  const std::vector<float> x = {1, 2, 3, 4};
  auto short_options = PoolOptions(2, 2, 2, 2, 2);
  short_options.resize(20);
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, short_options).ok());
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, {}).ok());
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, PoolOptions(0, 2, 2, 2, 2)).ok());
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, PoolOptions(2, 0, 2, 2, 2)).ok());
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, PoolOptions(2, 2, 2, -1, 2)).ok());
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, PoolOptions(2, 2, 2, 2, 2, 99)).ok());
  // VALID window larger than the input.
  EXPECT_FALSE(RunArgmax({1, 2, 2, 1}, x, PoolOptions(2, 1, 1, 3, 3)).ok());
}

TEST(MaxUnpooling2DTest, PlacesValuesAtTheirIndices) {
  // Values a b / c d with indices 3, 0, 1, 2 in 2x2 windows, stride 2.
  auto out = RunUnpool({1, 2, 2, 1}, {10, 20, 30, 40}, {3.1f, 0.1f, 1.1f, 2.1f},
                       PoolOptions(2, 2, 2, 2, 2), {1, 4, 4, 1});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 4, 4, 1}));
  const std::vector<float> want = {0, 0,  20, 0,  //
                                   0, 10, 0,  0,  //
                                   0, 30, 0,  0,  //
                                   0, 0,  40, 0};
  EXPECT_EQ(out->at(0).values<float>(), want);
}

TEST(MaxUnpooling2DTest, SkipsIndicesOutsideTheOutput) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Index 100 lands far outside; NaN and huge values cannot be decoded.
  auto out = RunUnpool({1, 1, 4, 1}, {1, 2, 3, 4}, {100.0f, nan, 3e9f, 1.0f},
                       PoolOptions(2, 2, 2, 2, 2), {1, 2, 8, 1});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 2, 8, 1}));
  std::vector<float> want(16, 0.0f);
  want[3 * 2 + 1] = 4;  // value 4 at window column 3, index 1 -> (0, 7)
  EXPECT_EQ(out->at(0).values<float>(), want);
}

TEST(MaxUnpooling2DTest, RoundTripRestoresMaxima) {
  // Pool then unpool in one model: each window keeps only its maximum, at
  // its original position.
  testing::Rng rng(6001);
  const Shape shape = {1, 4, 6, 3};
  std::vector<float> x(NumElementsUnchecked(shape));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  std::shuffle(x.begin(), x.end(), rng.engine());  // distinct values
  tflite::ModelBuilder b;
  int in = b.AddInput("x", DType::kFloat32, shape);
  int values = b.AddTensor("values", DType::kFloat32, Shape{1, 2, 3, 3});
  int indices = b.AddTensor("indices", DType::kFloat32, Shape{1, 2, 3, 3});
  int y = b.AddTensor("y", DType::kFloat32, shape);
  b.AddCustomOp("MaxPoolingWithArgmax2D", {in}, {values, indices},
                PoolOptions(2, 2, 2, 2, 2));
  b.AddCustomOp("MaxUnpooling2D", {values, indices}, {y},
                PoolOptions(2, 2, 2, 2, 2));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model, {HostTensor::From<float>(shape, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->at(0).shape, shape);
  std::vector<float> got = out->at(0).values<float>();
  for (int yy = 0; yy < 4; ++yy) {
    for (int xx = 0; xx < 6; ++xx) {
      for (int c = 0; c < 3; ++c) {
        float m = -1;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            m = std::max(m,
                         x[((yy / 2 * 2 + dy) * 6 + xx / 2 * 2 + dx) * 3 + c]);
          }
        }
        const size_t i = (yy * 6 + xx) * 3 + c;
        EXPECT_EQ(got[i], x[i] == m ? m : 0.0f) << yy << "," << xx << "," << c;
      }
    }
  }
}

TEST(MaxUnpooling2DTest, RejectsMismatchedIndices) {
  tflite::ModelBuilder b;
  int v = b.AddInput("values", DType::kFloat32, {1, 2, 2, 1});
  int i = b.AddInput("indices", DType::kFloat32, {1, 1, 2, 1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 1});
  b.AddCustomOp("MaxUnpooling2D", {v, i}, {y}, PoolOptions(2, 2, 2, 2, 2));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(!model.ok() ||
              !testing::RunMai(
                   *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4}),
                            HostTensor::From<float>({1, 1, 2, 1}, {0, 0})})
                   .ok());
}

}  // namespace
}  // namespace mai
