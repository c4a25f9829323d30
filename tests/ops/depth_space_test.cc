// DEPTH_TO_SPACE and SPACE_TO_DEPTH: TensorFlow's documented examples, a
// round trip, exact agreement with the TFLite oracle, invalid shapes.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>
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
std::vector<uint8_t> BuildBlockOp(
    ir::OpCode op, const Shape& in_shape, int block,
    const ir::QuantParams& q = {},
    const std::optional<Shape>& out_shape = std::nullopt) {
  ModelBuilder b;
  const DType dtype = DTypeOf<T>();
  const int x = b.AddInput("x", dtype, in_shape, q);
  const int y = b.AddTensor("y", dtype, out_shape, q);
  b.AddOp(op, {x}, {y}, ir::BlockSizeParams{block});
  b.MarkOutput(y);
  auto bytes = b.Build();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<float> Iota(int n, float start = 1) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(DepthSpaceTest, DocumentedDepthToSpaceExamples) {
  // [1,1,1,4] -> [1,2,2,1]: [[1 2] [3 4]].
  auto a = testing::RunMai(
      BuildBlockOp<float>(ir::OpCode::kDepthToSpace, {1, 1, 1, 4}, 2),
      {HostTensor::From<float>({1, 1, 1, 4}, Iota(4))});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->at(0).shape, (Shape{1, 2, 2, 1}));
  EXPECT_EQ(a->at(0).values<float>(), Iota(4));
  // [1,1,1,12] -> [1,2,2,3]: [[[1 2 3] [4 5 6]] [[7 8 9] [10 11 12]]].
  auto b = testing::RunMai(
      BuildBlockOp<float>(ir::OpCode::kDepthToSpace, {1, 1, 1, 12}, 2),
      {HostTensor::From<float>({1, 1, 1, 12}, Iota(12))});
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->at(0).shape, (Shape{1, 2, 2, 3}));
  EXPECT_EQ(b->at(0).values<float>(), Iota(12));
  // [1,2,2,4] -> [1,4,4,1].
  const std::vector<float> x = {1, 2,  5,  6,  3,  4,  7,  8,
                                9, 10, 13, 14, 11, 12, 15, 16};
  auto c = testing::RunMai(
      BuildBlockOp<float>(ir::OpCode::kDepthToSpace, {1, 2, 2, 4}, 2),
      {HostTensor::From<float>({1, 2, 2, 4}, x)});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->at(0).shape, (Shape{1, 4, 4, 1}));
  EXPECT_EQ(c->at(0).values<float>(),
            (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                15, 16}));
}

TEST(DepthSpaceTest, DocumentedSpaceToDepthExample) {
  // [1,4,4,1] -> [1,2,2,4], the inverse of the third example above.
  auto out = testing::RunMai(
      BuildBlockOp<float>(ir::OpCode::kSpaceToDepth, {1, 4, 4, 1}, 2),
      {HostTensor::From<float>({1, 4, 4, 1}, Iota(16))});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 2, 2, 4}));
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12,
                                15, 16}));
}

TEST(DepthSpaceTest, RoundTrip) {
  Rng rng(81);
  for (int iter = 0; iter < 8; ++iter) {
    const int bs = rng.Int(1, 3);
    const Shape shape = {rng.Int(1, 2), bs * rng.Int(1, 3), bs * rng.Int(1, 3),
                         rng.Int(1, 3)};
    const std::vector<float> x = rng.Floats(NumElementsUnchecked(shape));
    auto s2d = testing::RunMai(
        BuildBlockOp<float>(ir::OpCode::kSpaceToDepth, shape, bs),
        {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(s2d.ok()) << s2d.status().message();
    const Shape mid = s2d->at(0).shape;
    EXPECT_EQ(mid, (Shape{shape[0], shape[1] / bs, shape[2] / bs,
                          shape[3] * bs * bs}));
    auto d2s = testing::RunMai(
        BuildBlockOp<float>(ir::OpCode::kDepthToSpace, mid, bs), {s2d->at(0)});
    ASSERT_TRUE(d2s.ok()) << d2s.status().message();
    EXPECT_EQ(d2s->at(0).shape, shape);
    EXPECT_EQ(d2s->at(0).values<float>(), x) << "iteration " << iter;
  }
}

template <typename T>
void CompareWithOracle(uint32_t seed, const ir::QuantParams& q, int lo,
                       int hi) {
  Rng rng(seed);
  for (int iter = 0; iter < 8; ++iter) {
    const bool d2s = iter % 2 == 0;
    const int bs = rng.Int(2, 3);
    Shape shape;
    if (d2s) {
      shape = {rng.Int(1, 2), rng.Int(1, 4), rng.Int(1, 4),
               bs * bs * rng.Int(1, 3)};
    } else {
      shape = {rng.Int(1, 2), bs * rng.Int(1, 3), bs * rng.Int(1, 3),
               rng.Int(1, 3)};
    }
    auto model = BuildBlockOp<T>(
        d2s ? ir::OpCode::kDepthToSpace : ir::OpCode::kSpaceToDepth, shape, bs,
        q);
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
        << "iteration " << iter
        << (d2s ? " DEPTH_TO_SPACE " : " SPACE_TO_DEPTH ")
        << ShapeToString(shape) << " block " << bs;
  }
}

TEST(DepthSpaceTest, Float32MatchesTflite) {
  CompareWithOracle<float>(91, {}, 0, 0);
}
TEST(DepthSpaceTest, Int8MatchesTflite) {
  CompareWithOracle<int8_t>(92, Quant(0.2f, -1), -128, 127);
}
TEST(DepthSpaceTest, Uint8MatchesTflite) {
  CompareWithOracle<uint8_t>(93, Quant(0.2f, 127), 0, 255);
}

TEST(DepthSpaceTest, RejectsIndivisibleShapes) {
  const HostTensor x =
      HostTensor::From<float>({1, 3, 3, 3}, std::vector<float>(27, 1.0f));
  // Depth 3 is not divisible by 2*2.
  auto d2s = BuildBlockOp<float>(ir::OpCode::kDepthToSpace, {1, 3, 3, 3}, 2, {},
                                 Shape{1, 6, 6, 1});
  ASSERT_FALSE(d2s.empty());
  EXPECT_FALSE(testing::RunMai(d2s, {x}).ok());
  // Height and width 3 are not divisible by 2.
  auto s2d = BuildBlockOp<float>(ir::OpCode::kSpaceToDepth, {1, 3, 3, 3}, 2, {},
                                 Shape{1, 1, 1, 12});
  ASSERT_FALSE(s2d.empty());
  EXPECT_FALSE(testing::RunMai(s2d, {x}).ok());
  // Block size 0.
  auto zero = BuildBlockOp<float>(ir::OpCode::kSpaceToDepth, {1, 3, 3, 3}, 0,
                                  {}, Shape{1, 3, 3, 3});
  ASSERT_FALSE(zero.empty());
  EXPECT_FALSE(testing::RunMai(zero, {x}).ok());
}

}  // namespace
}  // namespace mai
