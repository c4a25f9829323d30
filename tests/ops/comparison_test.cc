// LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL on float32,
// int32, int64, bool and quantized int8/uint8 (rescaled like TFLite; checked
// against the oracle), with broadcasting; LOGICAL_AND / LOGICAL_OR.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::OpCode;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

constexpr OpCode kComparisons[] = {OpCode::kLess,    OpCode::kLessEqual,
                                   OpCode::kGreater, OpCode::kGreaterEqual,
                                   OpCode::kEqual,   OpCode::kNotEqual};

int64_t BroadcastSource(const Shape& out, const Shape& in, int64_t flat) {
  const int rank = static_cast<int>(out.size());
  const int offset = rank - static_cast<int>(in.size());
  int64_t src = 0;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t coord = flat % out[d];
    flat /= out[d];
    if (d >= offset) {
      const int32_t dim = in[d - offset];
      src += (dim == 1 ? 0 : coord) * stride;
      stride *= dim;
    }
  }
  return src;
}

HostTensor BoolTensor(const Shape& shape, const std::vector<uint8_t>& values) {
  HostTensor t = HostTensor::From<uint8_t>(shape, values);
  t.dtype = DType::kBool;
  return t;
}

template <typename T>
bool Expected(OpCode op, T a, T b) {
  switch (op) {
    case OpCode::kLess:
      return a < b;
    case OpCode::kLessEqual:
      return a <= b;
    case OpCode::kGreater:
      return a > b;
    case OpCode::kGreaterEqual:
      return a >= b;
    case OpCode::kEqual:
      return a == b;
    case OpCode::kNotEqual:
      return a != b;
    case OpCode::kLogicalAnd:
      return a && b;
    case OpCode::kLogicalOr:
      return a || b;
    default:
      return false;
  }
}

std::vector<uint8_t> BuildCompare(OpCode op, DType dt, const Shape& a_shape,
                                  const Shape& b_shape,
                                  const ir::QuantParams& qa = {},
                                  const ir::QuantParams& qb = {}) {
  ModelBuilder b;
  const int x = b.AddInput("a", dt, a_shape, qa);
  const int y = b.AddInput("b", dt, b_shape, qb);
  const int z = b.AddTensor("out", DType::kBool, std::nullopt);
  b.AddOp(op, {x, y}, {z});
  b.MarkOutput(z);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

template <typename T>
void CheckExact(OpCode op, const Shape& a_shape, const Shape& b_shape,
                const std::vector<T>& a, const std::vector<T>& b,
                const Shape& out_shape) {
  auto model = BuildCompare(op, DTypeOf<T>(), a_shape, b_shape);
  auto out = testing::RunMai(model, {HostTensor::From<T>(a_shape, a),
                                     HostTensor::From<T>(b_shape, b)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->at(0).dtype, DType::kBool);
  ASSERT_EQ(out->at(0).shape, out_shape);
  const std::vector<uint8_t> got = out->at(0).template values<uint8_t>();
  for (int64_t i = 0; i < NumElementsUnchecked(out_shape); ++i) {
    const bool e = Expected<T>(op, a[BroadcastSource(out_shape, a_shape, i)],
                               b[BroadcastSource(out_shape, b_shape, i)]);
    ASSERT_EQ(got[i] != 0, e)
        << "op " << static_cast<int>(op) << " element " << i;
  }
}

TEST(ComparisonTest, Float32AndIntegersWithBroadcast) {
  Rng rng(3);
  const Shape a_shape = {2, 1, 4, 3};
  const Shape b_shape = {5, 1, 3};
  const Shape out_shape = {2, 5, 4, 3};
  for (OpCode op : kComparisons) {
    // Small integer-valued floats so that ties occur.
    std::vector<float> af(24), bf(15);
    for (float& v : af) v = static_cast<float>(rng.Int(-3, 3));
    for (float& v : bf) v = static_cast<float>(rng.Int(-3, 3));
    CheckExact<float>(op, a_shape, b_shape, af, bf, out_shape);
    CheckExact<int32_t>(op, a_shape, b_shape, rng.Ints<int32_t>(24, -3, 3),
                        rng.Ints<int32_t>(15, -3, 3), out_shape);
    CheckExact<int64_t>(op, {6}, {}, rng.Ints<int64_t>(6, -2, 2), {1}, {6});
  }
}

TEST(ComparisonTest, BoolEquality) {
  for (OpCode op : {OpCode::kEqual, OpCode::kNotEqual}) {
    auto model = BuildCompare(op, DType::kBool, {2, 2}, {2});
    auto out = testing::RunMai(
        model, {BoolTensor({2, 2}, {1, 0, 0, 1}), BoolTensor({2}, {1, 0})});
    ASSERT_TRUE(out.ok()) << out.status().message();
    // a == b: {1==1, 0==0, 0==1, 1==0}
    const std::vector<uint8_t> eq = {1, 1, 0, 0};
    std::vector<uint8_t> expected = eq;
    if (op == OpCode::kNotEqual) {
      for (uint8_t& v : expected) v = !v;
    }
    EXPECT_EQ(out->at(0).values<uint8_t>(), expected);
  }
}

TEST(ComparisonTest, LogicalAndOr) {
  for (OpCode op : {OpCode::kLogicalAnd, OpCode::kLogicalOr}) {
    auto model = BuildCompare(op, DType::kBool, {2, 3}, {3});
    const std::vector<uint8_t> a = {1, 0, 1, 0, 0, 1};
    const std::vector<uint8_t> b = {1, 1, 0};
    auto out =
        testing::RunMai(model, {BoolTensor({2, 3}, a), BoolTensor({3}, b)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<uint8_t> got = out->at(0).values<uint8_t>();
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(got[i] != 0, Expected<bool>(op, a[i] != 0, b[i % 3] != 0)) << i;
    }
  }
}

template <typename T>
void CheckQuantizedAgainstOracle(uint32_t seed, int zp_base) {
  Rng rng(seed);
  constexpr int kLo = std::numeric_limits<T>::min();
  constexpr int kHi = std::numeric_limits<T>::max();
  struct Case {
    Shape a, b;
    float sa, sb;
    int za, zb;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {2, 3, 4}, 0.1f, 0.1f, 0, 0},  // same quantization: raw
                                                 // compare
      {{2, 3, 4}, {4}, 0.05f, 0.1f, 10, -3},     // different scales
      {{1, 2, 1, 3}, {2, 4, 1}, 0.02f, 0.013f, -20, 7},
      {{7}, {}, 0.5f, 0.25f, 3, 5},
  };
  for (OpCode op : kComparisons) {
    for (size_t c = 0; c < cases.size(); ++c) {
      const Case& k = cases[c];
      auto model =
          BuildCompare(op, DTypeOf<T>(), k.a, k.b, Quant(k.sa, k.za + zp_base),
                       Quant(k.sb, k.zb + zp_base));
      std::vector<T> a = rng.Ints<T>(NumElementsUnchecked(k.a), kLo, kHi);
      std::vector<T> b = rng.Ints<T>(NumElementsUnchecked(k.b), kLo, kHi);
      // Force some exact real-value ties: a value of b mapped onto a's grid.
      if (k.sa == k.sb && !b.empty())
        a[0] = static_cast<T>(b[0] - (k.zb - k.za));
      const std::vector<HostTensor> inputs = {HostTensor::From<T>(k.a, a),
                                              HostTensor::From<T>(k.b, b)};
      auto ours = testing::RunMai(model, inputs);
      ASSERT_TRUE(ours.ok()) << ours.status().message();
      auto theirs = testing::RunTflite(model, inputs);
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 0))
          << "op " << static_cast<int>(op) << " case " << c;
    }
  }
}

TEST(ComparisonTest, Int8MatchesTflite) {
  CheckQuantizedAgainstOracle<int8_t>(21, 0);
}
TEST(ComparisonTest, Uint8MatchesTflite) {
  CheckQuantizedAgainstOracle<uint8_t>(22, 128);
}

TEST(ComparisonTest, QuantizedComparesRealValues) {
  // 10 * 0.1 = 1.0 equals 4 * 0.25 = 1.0 even though the raw values differ.
  auto model = BuildCompare(OpCode::kEqual, DType::kInt8, {2}, {2},
                            Quant(0.1f, 0), Quant(0.25f, 0));
  auto out = testing::RunMai(model, {HostTensor::From<int8_t>({2}, {10, 10}),
                                     HostTensor::From<int8_t>({2}, {4, 10})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<uint8_t>(), (std::vector<uint8_t>{1, 0}));
}

TEST(ComparisonTest, Float32MatchesTflite) {
  Rng rng(41);
  for (OpCode op : kComparisons) {
    auto model = BuildCompare(op, DType::kFloat32, {3, 4}, {4});
    std::vector<float> a(12), b(4);
    for (float& v : a) v = static_cast<float>(rng.Int(-2, 2)) * 0.5f;
    for (float& v : b) v = static_cast<float>(rng.Int(-2, 2)) * 0.5f;
    const std::vector<HostTensor> inputs = {HostTensor::From<float>({3, 4}, a),
                                            HostTensor::From<float>({4}, b)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 0));
  }
}

TEST(ComparisonTest, NonBoolOutputIsRejected) {
  ModelBuilder b;
  const int x = b.AddInput("a", DType::kFloat32, {2});
  const int y = b.AddInput("b", DType::kFloat32, {2});
  const int z = b.AddTensor("out", DType::kFloat32, Shape{2});
  b.AddOp(OpCode::kLess, {x, y}, {z});
  b.MarkOutput(z);
  auto bytes = b.Build();
  if (!bytes.ok()) return;
  auto out = testing::RunMai(*bytes, {HostTensor::From<float>({2}, {1, 2}),
                                      HostTensor::From<float>({2}, {2, 1})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
