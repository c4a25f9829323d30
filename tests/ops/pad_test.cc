// PAD and PADV2: fp32/int32 against an element-by-element reference,
// quantized int8/uint8 against the TFLite oracle, bad paddings rejected.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

Shape PaddedShape(const Shape& in, const std::vector<int32_t>& pads) {
  Shape out(in.size());
  for (size_t d = 0; d < in.size(); ++d)
    out[d] = in[d] + pads[2 * d] + pads[2 * d + 1];
  return out;
}

// Each output element, from its coordinates: inside the copied region it is
// the input element, elsewhere `value`.
template <typename T>
std::vector<T> ReferencePad(const std::vector<T>& in, const Shape& in_shape,
                            const std::vector<int32_t>& pads, T value) {
  const Shape out_shape = PaddedShape(in_shape, pads);
  const int rank = static_cast<int>(in_shape.size());
  const int64_t n = NumElementsUnchecked(out_shape);
  std::vector<T> out(n);
  std::vector<int64_t> coord(rank);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i;
    for (int d = rank - 1; d >= 0; --d) {
      coord[d] = rem % out_shape[d];
      rem /= out_shape[d];
    }
    bool inside = true;
    int64_t src = 0;
    for (int d = 0; d < rank; ++d) {
      const int64_t s = coord[d] - pads[2 * d];
      if (s < 0 || s >= in_shape[d]) inside = false;
      src = src * in_shape[d] + s;
    }
    out[i] = inside ? in[src] : value;
  }
  return out;
}

// A one-op PAD (no value) or PADV2 (with value) model.
template <typename T>
std::vector<uint8_t> BuildPad(const Shape& in_shape,
                              const std::vector<int32_t>& pads,
                              std::optional<T> value,
                              const ir::QuantParams& q = {},
                              bool int64_paddings = false) {
  ModelBuilder b;
  const DType dtype = DTypeOf<T>();
  const int x = b.AddInput("x", dtype, in_shape, q);
  const int rank = static_cast<int>(in_shape.size());
  int p;
  if (int64_paddings) {
    p = b.AddConstant<int64_t>("paddings", {rank, 2},
                               std::vector<int64_t>(pads.begin(), pads.end()));
  } else {
    p = b.AddConstant<int32_t>("paddings", {rank, 2}, pads);
  }
  std::vector<int> inputs = {x, p};
  ir::OpCode op = ir::OpCode::kPad;
  if (value.has_value()) {
    inputs.push_back(b.AddConstant<T>("value", {}, {*value}, q));
    op = ir::OpCode::kPadv2;
  }
  const int y = b.AddTensor("y", dtype, std::nullopt, q);
  b.AddOp(op, inputs, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<int32_t> RandomPads(Rng& rng, int rank, int max_pad) {
  std::vector<int32_t> pads(2 * rank);
  for (int32_t& p : pads) p = rng.Int(0, max_pad);
  return pads;
}

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

TEST(PadTest, HandExample) {
  // [[1 2] [3 4]] padded by one row above and two columns on the right.
  auto model = BuildPad<float>({2, 2}, {1, 0, 0, 2}, std::nullopt);
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3, 4}));
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}));
}

TEST(PadTest, Float32RandomRanks) {
  Rng rng(1234);
  for (int iter = 0; iter < 24; ++iter) {
    const int rank = 1 + iter % 5;
    const Shape shape = RandomShape(rng, rank, 5);
    const std::vector<int32_t> pads = RandomPads(rng, rank, 3);
    const bool int64_paddings = iter % 3 == 0;
    const std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -5, 5);
    auto model = BuildPad<float>(shape, pads, std::nullopt, {}, int64_paddings);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, PaddedShape(shape, pads))
        << "iteration " << iter;
    EXPECT_EQ(out->at(0).values<float>(),
              ReferencePad<float>(x, shape, pads, 0.0f))
        << "iteration " << iter;
  }
}

TEST(PadTest, Padv2Float32AndInt32Value) {
  Rng rng(99);
  const Shape shape = {1, 3, 4, 2};
  const std::vector<int32_t> pads = {0, 0, 2, 1, 0, 3, 1, 0};
  const std::vector<float> x = rng.Floats(24);
  auto model = BuildPad<float>(shape, pads, -7.5f);
  auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            ReferencePad<float>(x, shape, pads, -7.5f));

  const std::vector<int32_t> xi = rng.Ints<int32_t>(24, -1000, 1000);
  auto model_i = BuildPad<int32_t>(shape, pads, 42);
  auto out_i = testing::RunMai(model_i, {HostTensor::From<int32_t>(shape, xi)});
  ASSERT_TRUE(out_i.ok()) << out_i.status().message();
  EXPECT_EQ(out_i->at(0).values<int32_t>(),
            ReferencePad<int32_t>(xi, shape, pads, 42));
}

TEST(PadTest, ZeroPaddingIsIdentityAndEmptyInput) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  auto model = BuildPad<float>({2, 3}, {0, 0, 0, 0}, std::nullopt);
  auto out = testing::RunMai(model, {HostTensor::From<float>({2, 3}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), x);

  // A zero-sized dim: the output is all padding.
  auto model_empty = BuildPad<float>({0, 2}, {1, 1, 0, 0}, std::nullopt);
  auto out_empty =
      testing::RunMai(model_empty, {HostTensor::From<float>({0, 2}, {})});
  ASSERT_TRUE(out_empty.ok()) << out_empty.status().message();
  EXPECT_EQ(out_empty->at(0).shape, (Shape{2, 2}));
  EXPECT_EQ(out_empty->at(0).values<float>(), (std::vector<float>{0, 0, 0, 0}));
}

TEST(PadTest, QuantizedPadsWithZeroPoint) {
  // No oracle needed: the pad value of a quantized PAD is the zero point.
  auto model = BuildPad<int8_t>({2}, {1, 2}, std::nullopt, Quant(0.5f, -3));
  auto out = testing::RunMai(model, {HostTensor::From<int8_t>({2}, {10, -20})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(),
            (std::vector<int8_t>{-3, 10, -20, -3, -3}));

  auto model_u8 =
      BuildPad<uint8_t>({2}, {2, 1}, std::nullopt, Quant(0.5f, 131));
  auto out_u8 =
      testing::RunMai(model_u8, {HostTensor::From<uint8_t>({2}, {7, 250})});
  ASSERT_TRUE(out_u8.ok()) << out_u8.status().message();
  EXPECT_EQ(out_u8->at(0).values<uint8_t>(),
            (std::vector<uint8_t>{131, 131, 7, 250, 131}));
}

template <typename T>
void CompareWithOracle(uint32_t seed, bool with_value, int lo, int hi,
                       int64_t zp) {
  Rng rng(seed);
  for (int iter = 0; iter < 6; ++iter) {
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 6);
    const std::vector<int32_t> pads = RandomPads(rng, rank, 3);
    const ir::QuantParams q = Quant(0.02f * (1 + iter), zp);
    std::optional<T> value;
    if (with_value) value = static_cast<T>(rng.Int(lo, hi));
    auto model = BuildPad<T>(shape, pads, value, q);
    const std::vector<HostTensor> inputs = {HostTensor::From<T>(
        shape, rng.Ints<T>(NumElementsUnchecked(shape), lo, hi))};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 0))
        << "iteration " << iter << " shape " << ShapeToString(shape);
  }
}

TEST(PadTest, Int8MatchesTflite) {
  CompareWithOracle<int8_t>(7, false, -128, 127, -5);
}
TEST(PadTest, Uint8MatchesTflite) {
  CompareWithOracle<uint8_t>(8, false, 0, 255, 140);
}
TEST(PadTest, Padv2Int8MatchesTflite) {
  CompareWithOracle<int8_t>(9, true, -128, 127, 3);
}
TEST(PadTest, Padv2Uint8MatchesTflite) {
  CompareWithOracle<uint8_t>(10, true, 0, 255, 128);
}

TEST(PadTest, Float32MatchesTflite) {
  Rng rng(11);
  const Shape shape = {1, 5, 4, 3};
  const std::vector<int32_t> pads = {0, 0, 1, 2, 3, 0, 0, 1};
  auto model = BuildPad<float>(shape, pads, 0.25f);
  const std::vector<HostTensor> inputs = {
      HostTensor::From<float>(shape, rng.Floats(60))};
  auto ours = testing::RunMai(model, inputs);
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
  EXPECT_EQ(ours->at(0).values<float>(), theirs->at(0).values<float>());
}

// A model with an explicit (wrong or unknowable) output shape, so that the
// error surfaces in mai's shape inference rather than in the builder.
std::vector<uint8_t> BuildRawPad(const Shape& in_shape,
                                 const Shape& paddings_shape,
                                 const std::vector<int32_t>& pads) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, in_shape);
  const int p = b.AddConstant<int32_t>("paddings", paddings_shape, pads);
  const int y = b.AddTensor("y", DType::kFloat32, Shape{4, 4});
  b.AddOp(ir::OpCode::kPad, {x, p}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(PadTest, RejectsBadPaddings) {
  const HostTensor x = HostTensor::From<float>({2, 2}, {1, 2, 3, 4});
  // Negative padding.
  auto negative = BuildRawPad({2, 2}, {2, 2}, {1, 1, -1, 3});
  ASSERT_FALSE(negative.empty());
  EXPECT_FALSE(testing::RunMai(negative, {x}).ok());
  // Paddings of the wrong shape.
  auto wrong_rank = BuildRawPad({2, 2}, {3, 2}, {1, 1, 1, 1, 0, 0});
  ASSERT_FALSE(wrong_rank.empty());
  EXPECT_FALSE(testing::RunMai(wrong_rank, {x}).ok());
  auto wrong_cols = BuildRawPad({2, 2}, {2, 1}, {1, 1});
  ASSERT_FALSE(wrong_cols.empty());
  EXPECT_FALSE(testing::RunMai(wrong_cols, {x}).ok());
  // A sane model of the same form runs (the failures above are the paddings).
  auto fine = BuildRawPad({2, 2}, {2, 2}, {1, 1, 0, 2});
  ASSERT_FALSE(fine.empty());
  EXPECT_TRUE(testing::RunMai(fine, {x}).ok());
}

}  // namespace
}  // namespace mai
