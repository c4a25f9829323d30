// Quantized int8/uint8 ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM and int8
// SQUARED_DIFFERENCE against the
// TFLite oracle (within 1) and against real-valued math done here
// (dequantize, compute in double, requantize: within 1), with broadcasting,
// different input/output scales and fused activations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::Activation;
using ir::OpCode;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

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

struct QuantSpec {
  float scale;
  int zero_point;
};

template <typename T>
std::vector<uint8_t> BuildQuantBinary(OpCode op, const Shape& a_shape,
                                      const Shape& b_shape, QuantSpec qa,
                                      QuantSpec qb, QuantSpec qo,
                                      Activation act = Activation::kNone) {
  ModelBuilder b;
  const DType dt = DTypeOf<T>();
  const int x = b.AddInput("a", dt, a_shape, Quant(qa.scale, qa.zero_point));
  const int y = b.AddInput("b", dt, b_shape, Quant(qb.scale, qb.zero_point));
  const int z =
      b.AddTensor("out", dt, std::nullopt, Quant(qo.scale, qo.zero_point));
  ir::OpParams params = std::monostate{};
  if (op == OpCode::kAdd || op == OpCode::kSub || op == OpCode::kMul ||
      op == OpCode::kDiv) {
    ir::BinaryParams p;
    p.activation = act;
    params = p;
  }
  b.AddOp(op, {x, y}, {z}, params);
  b.MarkOutput(z);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

double RealResult(OpCode op, double a, double b) {
  switch (op) {
    case OpCode::kAdd:
      return a + b;
    case OpCode::kSub:
      return a - b;
    case OpCode::kMul:
      return a * b;
    case OpCode::kDiv:
      return a / b;
    case OpCode::kSquaredDifference:
      return (a - b) * (a - b);
    default:
      return 0;
  }
}

double ActivationClamp(double v, Activation act) {
  switch (act) {
    case Activation::kRelu:
      return std::max(v, 0.0);
    case Activation::kRelu6:
      return std::min(std::max(v, 0.0), 6.0);
    case Activation::kReluN1To1:
      return std::min(std::max(v, -1.0), 1.0);
    default:
      return v;
  }
}

struct Case {
  Shape a, b;
  QuantSpec qa, qb, qo;
  Activation act;
};

template <typename T>
void CheckCases(OpCode op, const std::vector<Case>& cases, uint32_t seed,
                bool check_real) {
  Rng rng(seed);
  constexpr int kLo = std::numeric_limits<T>::min();
  constexpr int kHi = std::numeric_limits<T>::max();
  for (size_t c = 0; c < cases.size(); ++c) {
    const Case& k = cases[c];
    auto model = BuildQuantBinary<T>(op, k.a, k.b, k.qa, k.qb, k.qo, k.act);
    std::vector<T> a = rng.Ints<T>(NumElementsUnchecked(k.a), kLo, kHi);
    std::vector<T> b = rng.Ints<T>(NumElementsUnchecked(k.b), kLo, kHi);
    if (op == OpCode::kDiv) {
      // Divisors away from the zero point. Numerators within 4 of the zero
      // point are left out too: there TFLite's fixed-point division shifts
      // by 32 or more bits (undefined in C++), and its results are not
      // those of the real quotient (see DivSmallNumerators).
      auto away = [](T& v, int zp, int min_distance) {
        if (std::abs(static_cast<int>(v) - zp) < min_distance) {
          v = static_cast<T>(zp + (zp < (kLo + kHi) / 2 ? 40 : -40));
        }
      };
      for (T& v : b) away(v, k.qb.zero_point, 8);
      for (T& v : a) away(v, k.qa.zero_point, 5);
    }
    const std::vector<HostTensor> inputs = {HostTensor::From<T>(k.a, a),
                                            HostTensor::From<T>(k.b, b)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "case " << c;

    if (!check_real) continue;
    const Shape& out_shape = ours->at(0).shape;
    const std::vector<T> got = ours->at(0).template values<T>();
    for (int64_t i = 0; i < NumElementsUnchecked(out_shape); ++i) {
      const double ra = k.qa.scale * (a[BroadcastSource(out_shape, k.a, i)] -
                                      k.qa.zero_point);
      const double rb = k.qb.scale * (b[BroadcastSource(out_shape, k.b, i)] -
                                      k.qb.zero_point);
      const double r = ActivationClamp(RealResult(op, ra, rb), k.act);
      const double q = std::round(r / k.qo.scale) + k.qo.zero_point;
      const double e = std::min<double>(std::max<double>(q, kLo), kHi);
      ASSERT_LE(std::fabs(got[i] - e), 1.0) << "case " << c << " element " << i;
    }
  }
}

std::vector<Case> AddCases(int zp_shift) {
  const int z = zp_shift;
  return {
      {{1, 4, 4, 3},
       {1, 4, 4, 3},
       {0.05f, 3 + z},
       {0.05f, -7 + z},
       {0.1f, 0 + z},
       Activation::kNone},
      {{2, 3, 5},
       {5},
       {0.02f, -20 + z},
       {0.07f, 10 + z},
       {0.08f, 5 + z},
       Activation::kRelu},
      {{1, 5, 1, 4},
       {3, 1},
       {0.1f, 0 + z},
       {0.03f, 2 + z},
       {0.15f, -3 + z},
       Activation::kRelu6},
      {{6},
       {},
       {0.01f, 50 + z},
       {0.02f, -1 + z},
       {0.012f, 0 + z},
       Activation::kReluN1To1},
      {{2, 1, 3, 1, 2, 2},
       {1, 4, 1, 3, 1, 1},
       {0.3f, 1 + z},
       {0.25f, -2 + z},
       {0.5f, 4 + z},
       Activation::kNone},
  };
}

TEST(BinaryQuantizedTest, AddInt8) {
  CheckCases<int8_t>(OpCode::kAdd, AddCases(0), 1, true);
}
TEST(BinaryQuantizedTest, AddUint8) {
  CheckCases<uint8_t>(OpCode::kAdd, AddCases(128), 2, true);
}
TEST(BinaryQuantizedTest, SubInt8) {
  CheckCases<int8_t>(OpCode::kSub, AddCases(0), 3, true);
}
TEST(BinaryQuantizedTest, SubUint8) {
  CheckCases<uint8_t>(OpCode::kSub, AddCases(128), 4, true);
}

std::vector<Case> MulCases(int z) {
  return {
      {{1, 4, 4, 3},
       {1, 4, 4, 3},
       {0.05f, 3 + z},
       {0.05f, -7 + z},
       {0.2f, 0 + z},
       Activation::kNone},
      {{2, 3, 5},
       {5},
       {0.02f, -20 + z},
       {0.07f, 10 + z},
       {0.04f, 5 + z},
       Activation::kRelu},
      {{1, 5, 1, 4},
       {3, 1},
       {0.1f, 0 + z},
       {0.03f, 2 + z},
       {0.05f, -3 + z},
       Activation::kRelu6},
      {{6},
       {},
       {0.01f, 50 + z},
       {0.02f, -1 + z},
       {0.003f, 0 + z},
       Activation::kReluN1To1},
      {{3, 2, 2},
       {3, 1, 2},
       {0.5f, 1 + z},
       {0.4f, -2 + z},
       {20.0f, 4 + z},
       Activation::kNone},
  };
}

TEST(BinaryQuantizedTest, MulInt8) {
  CheckCases<int8_t>(OpCode::kMul, MulCases(0), 5, true);
}
TEST(BinaryQuantizedTest, MulUint8) {
  CheckCases<uint8_t>(OpCode::kMul, MulCases(128), 6, true);
}

TEST(BinaryQuantizedTest, DivUint8) {
  const std::vector<Case> cases = {
      {{2, 3, 4},
       {2, 3, 4},
       {0.05f, 128},
       {0.04f, 120},
       {0.1f, 128},
       Activation::kNone},
      {{2, 3, 4},
       {4},
       {0.02f, 100},
       {0.03f, 60},
       {0.02f, 10},
       Activation::kRelu},
  };
  CheckCases<uint8_t>(OpCode::kDiv, cases, 7, true);
}

TEST(BinaryQuantizedTest, SquaredDifferenceInt8) {
  const std::vector<Case> cases = {
      {{2, 3, 4},
       {2, 3, 4},
       {0.05f, 0},
       {0.05f, 3},
       {0.1f, -128},
       Activation::kNone},
      {{1, 3, 1, 4},
       {3, 1},
       {0.02f, -10},
       {0.03f, 20},
       {0.02f, -100},
       Activation::kNone},
      {{6}, {}, {0.1f, 5}, {0.08f, -5}, {0.5f, -128}, Activation::kNone},
  };
  CheckCases<int8_t>(OpCode::kSquaredDifference, cases, 12, true);
}

TEST(BinaryQuantizedTest, DivInt8AgainstRealMath) {
  // TFLite (the oracle version) has no int8 DIV; mai uses the uint8 method.
  Rng rng(13);
  const QuantSpec qa{0.05f, 3}, qb{0.04f, -5}, qo{0.1f, 0};
  auto model = BuildQuantBinary<int8_t>(OpCode::kDiv, {4, 5}, {5}, qa, qb, qo);
  std::vector<int8_t> a = rng.Ints<int8_t>(20, -128, 127);
  std::vector<int8_t> b = rng.Ints<int8_t>(5, 20, 127);
  auto out = testing::RunMai(model, {HostTensor::From<int8_t>({4, 5}, a),
                                     HostTensor::From<int8_t>({5}, b)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<int8_t> got = out->at(0).values<int8_t>();
  for (int i = 0; i < 20; ++i) {
    const double r = qa.scale * (a[i] - qa.zero_point) /
                     (qb.scale * (b[i % 5] - qb.zero_point));
    const double e = std::min(
        std::max(std::round(r / qo.scale) + qo.zero_point, -128.0), 127.0);
    EXPECT_LE(std::fabs(got[i] - e), 1.0) << i;
  }
}

TEST(BinaryQuantizedTest, DivByZeroPointIsRejected) {
  auto model = BuildQuantBinary<uint8_t>(OpCode::kDiv, {2}, {2}, {0.1f, 128},
                                         {0.1f, 100}, {0.1f, 128});
  auto out =
      testing::RunMai(model, {HostTensor::From<uint8_t>({2}, {1, 2}),
                              HostTensor::From<uint8_t>({2}, {100, 101})});
  EXPECT_FALSE(out.ok());
}

TEST(BinaryQuantizedTest, DivSmallNumerators) {
  // Numerators -1, 0, 1 (real -0.05, 0, 0.05) over 123 * 0.04 = 4.92 are
  // about -0.01, 0, 0.01: all quantize to the output zero point 128.
  auto model = BuildQuantBinary<uint8_t>(OpCode::kDiv, {3}, {3}, {0.05f, 128},
                                         {0.04f, 120}, {0.1f, 128});
  auto out =
      testing::RunMai(model, {HostTensor::From<uint8_t>({3}, {127, 128, 129}),
                              HostTensor::From<uint8_t>({3}, {243, 243, 243})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<uint8_t>(),
            (std::vector<uint8_t>{128, 128, 128}));
}

template <typename T>
void CheckMaxMin(uint32_t seed, int zp) {
  const std::vector<Case> cases = {
      {{2, 3, 4},
       {2, 3, 4},
       {0.05f, zp},
       {0.05f, zp},
       {0.05f, zp},
       Activation::kNone},
      {{1, 3, 1, 4},
       {3, 1},
       {0.1f, zp},
       {0.1f, zp},
       {0.1f, zp},
       Activation::kNone},
      {{5}, {}, {0.1f, zp}, {0.1f, zp}, {0.1f, zp}, Activation::kNone},
  };
  CheckCases<T>(OpCode::kMaximum, cases, seed, false);
  CheckCases<T>(OpCode::kMinimum, cases, seed + 1, false);
}

TEST(BinaryQuantizedTest, MaximumMinimumInt8) { CheckMaxMin<int8_t>(8, -3); }
TEST(BinaryQuantizedTest, MaximumMinimumUint8) {
  CheckMaxMin<uint8_t>(10, 130);
}

TEST(BinaryQuantizedTest, AddHandExample) {
  // Same scale 0.5, zero points 0: 1.0 + 2.5 = 3.5 -> 7 on the output scale.
  auto model = BuildQuantBinary<int8_t>(OpCode::kAdd, {3}, {3}, {0.5f, 0},
                                        {0.5f, 0}, {0.5f, 0});
  auto out =
      testing::RunMai(model, {HostTensor::From<int8_t>({3}, {2, -4, 100}),
                              HostTensor::From<int8_t>({3}, {5, 1, 100})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(), (std::vector<int8_t>{7, -3, 127}));
}

TEST(BinaryQuantizedTest, MissingQuantizationIsRejected) {
  ModelBuilder b;
  const int x = b.AddInput("a", DType::kInt8, {2});
  const int y = b.AddInput("b", DType::kInt8, {2});
  const int z = b.AddTensor("out", DType::kInt8, Shape{2});
  b.AddOp(OpCode::kAdd, {x, y}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  auto bytes = b.Build();
  if (!bytes.ok()) return;
  auto out = testing::RunMai(*bytes, {HostTensor::From<int8_t>({2}, {1, 2}),
                                      HostTensor::From<int8_t>({2}, {1, 2})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
