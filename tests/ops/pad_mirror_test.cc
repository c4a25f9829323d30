// MIRROR_PAD (REFLECT, SYMMETRIC): hand-derived cases, random cases against
// an independent reference and against the TFLite oracle, limits enforced.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::MirrorPadMode;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

template <typename T>
std::vector<uint8_t> BuildMirrorPad(
    const Shape& in_shape, const std::vector<int32_t>& pads, MirrorPadMode mode,
    const ir::QuantParams& q = {},
    const std::optional<Shape>& out_shape = std::nullopt) {
  ModelBuilder b;
  const DType dtype = DTypeOf<T>();
  const int x = b.AddInput("x", dtype, in_shape, q);
  const int rank = static_cast<int>(in_shape.size());
  const int p = b.AddConstant<int32_t>("paddings", {rank, 2}, pads);
  const int y = b.AddTensor("y", dtype, out_shape, q);
  b.AddOp(ir::OpCode::kMirrorPad, {x, p}, {y}, ir::MirrorPadParams{mode});
  b.MarkOutput(y);
  auto bytes = b.Build();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// The padded sequence of one dim, built by literally mirroring: the left
// part is the reversed prefix, the right part the reversed suffix.
std::vector<int64_t> MirrorIndices(int64_t n, int64_t before, int64_t after,
                                   bool reflect) {
  std::vector<int64_t> seq;
  const int64_t skip = reflect ? 1 : 0;
  for (int64_t k = before; k >= 1; --k) seq.push_back(k - 1 + skip);
  for (int64_t i = 0; i < n; ++i) seq.push_back(i);
  for (int64_t k = 1; k <= after; ++k) seq.push_back(n - k - skip);
  return seq;
}

template <typename T>
std::vector<T> ReferenceMirrorPad(const std::vector<T>& in, const Shape& shape,
                                  const std::vector<int32_t>& pads,
                                  bool reflect) {
  const int rank = static_cast<int>(shape.size());
  std::vector<std::vector<int64_t>> maps;
  Shape out_shape;
  for (int d = 0; d < rank; ++d) {
    maps.push_back(
        MirrorIndices(shape[d], pads[2 * d], pads[2 * d + 1], reflect));
    out_shape.push_back(static_cast<int32_t>(maps.back().size()));
  }
  const int64_t n = NumElementsUnchecked(out_shape);
  std::vector<T> out(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, src = 0, mul = 1;
    for (int d = rank - 1; d >= 0; --d) {
      src += maps[d][rem % out_shape[d]] * mul;
      rem /= out_shape[d];
      mul *= shape[d];
    }
    out[i] = in[src];
  }
  return out;
}

TEST(MirrorPadTest, HandExamples1D) {
  const HostTensor x = HostTensor::From<float>({3}, {1, 2, 3});
  auto reflect = testing::RunMai(
      BuildMirrorPad<float>({3}, {2, 2}, MirrorPadMode::kReflect), {x});
  ASSERT_TRUE(reflect.ok()) << reflect.status().message();
  EXPECT_EQ(reflect->at(0).values<float>(),
            (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  auto symmetric = testing::RunMai(
      BuildMirrorPad<float>({3}, {3, 1}, MirrorPadMode::kSymmetric), {x});
  ASSERT_TRUE(symmetric.ok()) << symmetric.status().message();
  EXPECT_EQ(symmetric->at(0).values<float>(),
            (std::vector<float>{3, 2, 1, 1, 2, 3, 3}));
}

TEST(MirrorPadTest, HandExample2D) {
  // [[1 2 3] [4 5 6]] reflect-padded by (1, 1) rows and (2, 0) columns.
  const HostTensor x = HostTensor::From<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto out = testing::RunMai(
      BuildMirrorPad<float>({2, 3}, {1, 1, 2, 0}, MirrorPadMode::kReflect),
      {x});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{4, 5}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{6, 5, 4, 5, 6,  //
                                                            3, 2, 1, 2, 3,  //
                                                            6, 5, 4, 5, 6,  //
                                                            3, 2, 1, 2, 3}));
}

TEST(MirrorPadTest, Float32RandomAgainstReference) {
  Rng rng(2024);
  for (int iter = 0; iter < 20; ++iter) {
    const bool reflect = iter % 2 == 0;
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    std::vector<int32_t> pads(2 * rank);
    for (int d = 0; d < rank; ++d) {
      shape[d] = rng.Int(1, 5);
      const int limit = reflect ? shape[d] - 1 : shape[d];
      pads[2 * d] = rng.Int(0, limit);
      pads[2 * d + 1] = rng.Int(0, limit);
    }
    const std::vector<float> x = rng.Floats(NumElementsUnchecked(shape));
    auto model = BuildMirrorPad<float>(
        shape, pads,
        reflect ? MirrorPadMode::kReflect : MirrorPadMode::kSymmetric);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<float>(),
              ReferenceMirrorPad(x, shape, pads, reflect))
        << "iteration " << iter;
  }
}

template <typename T>
void CompareWithOracle(uint32_t seed, const ir::QuantParams& q, int lo,
                       int hi) {
  Rng rng(seed);
  for (int iter = 0; iter < 6; ++iter) {
    const bool reflect = iter % 2 == 1;
    const Shape shape = {1, rng.Int(2, 6), rng.Int(2, 6), rng.Int(1, 3)};
    std::vector<int32_t> pads(8, 0);
    for (int d = 1; d < 3; ++d) {
      const int limit = reflect ? shape[d] - 1 : shape[d];
      pads[2 * d] = rng.Int(0, limit);
      pads[2 * d + 1] = rng.Int(0, limit);
    }
    auto model = BuildMirrorPad<T>(
        shape, pads,
        reflect ? MirrorPadMode::kReflect : MirrorPadMode::kSymmetric, q);
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
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << "iteration " << iter;
  }
}

TEST(MirrorPadTest, Float32MatchesTflite) {
  CompareWithOracle<float>(31, {}, 0, 0);
}
TEST(MirrorPadTest, Int8MatchesTflite) {
  CompareWithOracle<int8_t>(32, Quant(0.1f, 4), -128, 127);
}
TEST(MirrorPadTest, Uint8MatchesTflite) {
  CompareWithOracle<uint8_t>(33, Quant(0.1f, 120), 0, 255);
}

TEST(MirrorPadTest, RejectsPaddingBeyondMirrorLimit) {
  const HostTensor x = HostTensor::From<float>({3}, {1, 2, 3});
  // REFLECT allows at most size - 1 = 2 on each side; SYMMETRIC at most 3.
  auto reflect =
      BuildMirrorPad<float>({3}, {3, 0}, MirrorPadMode::kReflect, {}, Shape{6});
  ASSERT_FALSE(reflect.empty());
  EXPECT_FALSE(testing::RunMai(reflect, {x}).ok());
  auto symmetric = BuildMirrorPad<float>({3}, {0, 4}, MirrorPadMode::kSymmetric,
                                         {}, Shape{7});
  ASSERT_FALSE(symmetric.empty());
  EXPECT_FALSE(testing::RunMai(symmetric, {x}).ok());
  auto ok = BuildMirrorPad<float>({3}, {0, 3}, MirrorPadMode::kSymmetric, {},
                                  Shape{6});
  auto out = testing::RunMai(ok, {x});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{1, 2, 3, 3, 2, 1}));
}

}  // namespace
}  // namespace mai
