// Unary math ops EXP, LOG, SQRT, RSQRT, ABS, NEG, FLOOR, CEIL, ROUND,
// SQUARE, SIN, COS, SIGN on float32 against double precision; ABS/NEG/SIGN on
// int32 and NEG on int64 exactly; LOGICAL_NOT; quantized int8 ABS and RSQRT
// against the TFLite oracle and real-valued math.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
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

std::vector<uint8_t> BuildUnary(OpCode op, DType dt, const Shape& shape,
                                const ir::QuantParams& qin = {},
                                const ir::QuantParams& qout = {}) {
  ModelBuilder b;
  const int x = b.AddInput("x", dt, shape, qin);
  const int y = b.AddTensor("y", dt, std::nullopt, qout);
  b.AddOp(op, {x}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

struct MathCase {
  OpCode op;
  std::function<double(double)> fn;
  float lo, hi;
};

TEST(UnaryTest, Float32AgainstDouble) {
  const MathCase cases[] = {
      {OpCode::kExp, [](double x) { return std::exp(x); }, -5, 5},
      {OpCode::kLog, [](double x) { return std::log(x); }, 0.01f, 100},
      {OpCode::kSqrt, [](double x) { return std::sqrt(x); }, 0, 50},
      {OpCode::kRsqrt, [](double x) { return 1.0 / std::sqrt(x); }, 0.05f, 50},
      {OpCode::kAbs, [](double x) { return std::fabs(x); }, -5, 5},
      {OpCode::kNeg, [](double x) { return -x; }, -5, 5},
      {OpCode::kFloor, [](double x) { return std::floor(x); }, -5, 5},
      {OpCode::kCeil, [](double x) { return std::ceil(x); }, -5, 5},
      {OpCode::kSquare, [](double x) { return x * x; }, -5, 5},
      {OpCode::kSin, [](double x) { return std::sin(x); }, -6, 6},
      {OpCode::kCos, [](double x) { return std::cos(x); }, -6, 6},
      {OpCode::kSign,
       [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }, -2, 2},
  };
  Rng rng(1);
  const Shape shape = {3, 4, 5};
  for (const MathCase& c : cases) {
    std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), c.lo, c.hi);
    if (c.op == OpCode::kSign || c.op == OpCode::kFloor ||
        c.op == OpCode::kCeil) {
      x[0] = 0.0f;
      x[1] = 2.0f;
      x[2] = -2.0f;
    }
    auto model = BuildUnary(c.op, DType::kFloat32, shape);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    std::vector<double> expected(x.size());
    for (size_t i = 0; i < x.size(); ++i) expected[i] = c.fn(x[i]);
    EXPECT_TRUE(
        testing::NearRelative(out->at(0).values<float>(), expected, 1e-5))
        << ir::OpCodeName(c.op);
  }
}

TEST(UnaryTest, RoundHalfToEven) {
  const std::vector<float> x = {0.5f,  1.5f, 2.5f,  -0.5f, -1.5f,
                                -2.5f, 2.4f, -2.6f, 3.0f,  0.49999997f};
  auto model = BuildUnary(OpCode::kRound, DType::kFloat32, {10});
  auto out = testing::RunMai(model, {HostTensor::From<float>({10}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{0, 2, 2, -0.0f, -2, -2, 2, -3, 3, 0}));
  auto theirs = testing::RunTflite(model, {HostTensor::From<float>({10}, x)});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ(out->at(0).values<float>(), theirs->at(0).values<float>());
}

TEST(UnaryTest, Int32AbsNegSignAndInt64Neg) {
  const std::vector<int32_t> x = {
      -5, 0, 7, -1, 123456, std::numeric_limits<int32_t>::min() + 1};
  const std::pair<OpCode, std::vector<int32_t>> cases[] = {
      {OpCode::kAbs, {5, 0, 7, 1, 123456, std::numeric_limits<int32_t>::max()}},
      {OpCode::kNeg,
       {5, 0, -7, 1, -123456, std::numeric_limits<int32_t>::max()}},
      {OpCode::kSign, {-1, 0, 1, -1, 1, -1}},
  };
  for (const auto& [op, expected] : cases) {
    auto model = BuildUnary(op, DType::kInt32, {6});
    auto out = testing::RunMai(model, {HostTensor::From<int32_t>({6}, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<int32_t>(), expected) << ir::OpCodeName(op);
  }
  auto model = BuildUnary(OpCode::kNeg, DType::kInt64, {3});
  auto out = testing::RunMai(
      model, {HostTensor::From<int64_t>({3}, {int64_t{1} << 40, -3, 0})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int64_t>(),
            (std::vector<int64_t>{-(int64_t{1} << 40), 3, 0}));
}

// SIGN on int32 is left out: the oracle's TFLite build returns uninitialized
// memory for it (its kernel only writes float outputs).
TEST(UnaryTest, Int32NegMatchesTflite) {
  Rng rng(10);
  for (OpCode op : {OpCode::kNeg}) {
    auto model = BuildUnary(op, DType::kInt32, {12});
    std::vector<int32_t> x = rng.Ints<int32_t>(12, -50, 50);
    x[0] = 0;
    const std::vector<HostTensor> inputs = {HostTensor::From<int32_t>({12}, x)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).values<int32_t>(), theirs->at(0).values<int32_t>())
        << ir::OpCodeName(op);
  }
}

TEST(UnaryTest, LogicalNot) {
  auto model = BuildUnary(OpCode::kLogicalNot, DType::kBool, {4});
  HostTensor in = HostTensor::From<uint8_t>({4}, {1, 0, 0, 1});
  in.dtype = DType::kBool;
  auto out = testing::RunMai(model, {in});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<uint8_t>(), (std::vector<uint8_t>{0, 1, 1, 0}));
}

std::vector<int8_t> AllInt8() {
  std::vector<int8_t> v;
  for (int i = -128; i <= 127; ++i) v.push_back(static_cast<int8_t>(i));
  return v;
}

TEST(UnaryTest, QuantizedAbsMatchesTflite) {
  struct Q {
    float si;
    int zi;
    float so;
    int zo;
  };
  for (const Q& q : {Q{0.05f, 0, 0.05f, 0}, Q{0.05f, -10, 0.05f, -128},
                     Q{0.03f, 20, 0.05f, -100}, Q{0.1f, 5, 0.04f, -128}}) {
    const std::vector<int8_t> x = AllInt8();
    auto model = BuildUnary(OpCode::kAbs, DType::kInt8, {256},
                            Quant(q.si, q.zi), Quant(q.so, q.zo));
    const std::vector<HostTensor> inputs = {HostTensor::From<int8_t>({256}, x)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "scale " << q.si;
    const std::vector<int8_t> got = ours->at(0).values<int8_t>();
    for (size_t i = 0; i < x.size(); ++i) {
      const double r = std::fabs(q.si * (x[i] - q.zi));
      const double e =
          std::min(std::max(std::round(r / q.so) + q.zo, -128.0), 127.0);
      ASSERT_LE(std::fabs(got[i] - e), 1.0) << static_cast<int>(x[i]);
    }
  }
}

TEST(UnaryTest, QuantizedRsqrtMatchesTflite) {
  struct Q {
    float si;
    int zi;
    float so;
    int zo;
  };
  for (const Q& q : {Q{0.05f, -128, 0.02f, -128}, Q{0.2f, -100, 0.01f, -128},
                     Q{0.01f, -128, 0.1f, -128}}) {
    // Only inputs at or above the zero point are valid.
    std::vector<int8_t> x;
    for (int v = q.zi; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
    const Shape shape = {static_cast<int32_t>(x.size())};
    auto model = BuildUnary(OpCode::kRsqrt, DType::kInt8, shape,
                            Quant(q.si, q.zi), Quant(q.so, q.zo));
    const std::vector<HostTensor> inputs = {HostTensor::From<int8_t>(shape, x)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "scale " << q.si;
    const std::vector<int8_t> got = ours->at(0).values<int8_t>();
    for (size_t i = 1; i < x.size(); ++i) {  // x[0] is the zero point (1/0)
      const double r = 1.0 / std::sqrt(q.si * (x[i] - q.zi));
      const double e =
          std::min(std::max(std::round(r / q.so) + q.zo, -128.0), 127.0);
      ASSERT_LE(std::fabs(got[i] - e), 1.0) << static_cast<int>(x[i]);
    }
  }
}

TEST(UnaryTest, QuantizedRsqrtRejectsNegativeInput) {
  auto model = BuildUnary(OpCode::kRsqrt, DType::kInt8, {3}, Quant(0.1f, 0),
                          Quant(0.1f, 0));
  auto out =
      testing::RunMai(model, {HostTensor::From<int8_t>({3}, {5, -1, 3})});
  EXPECT_FALSE(out.ok());
}

TEST(UnaryTest, UnsupportedDtypesAreRejected) {
  {  // no quantized FLOOR
    auto model = BuildUnary(OpCode::kFloor, DType::kUInt8, {2}, Quant(0.1f, 0),
                            Quant(0.1f, 0));
    auto out = testing::RunMai(model, {HostTensor::From<uint8_t>({2}, {1, 2})});
    EXPECT_FALSE(out.ok());
  }
  {  // int32 SQRT does not exist
    auto model = BuildUnary(OpCode::kSqrt, DType::kInt32, {2});
    auto out = testing::RunMai(model, {HostTensor::From<int32_t>({2}, {1, 4})});
    EXPECT_FALSE(out.ok());
  }
}

TEST(UnaryTest, Float32MatchesTflite) {
  Rng rng(9);
  for (OpCode op :
       {OpCode::kExp, OpCode::kAbs, OpCode::kNeg, OpCode::kFloor, OpCode::kCeil,
        OpCode::kSquare, OpCode::kSin, OpCode::kCos, OpCode::kSign}) {
    auto model = BuildUnary(op, DType::kFloat32, {2, 8});
    const std::vector<HostTensor> inputs = {
        HostTensor::From<float>({2, 8}, rng.Floats(16, -3, 3))};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::NearRelative(ours->at(0).values<float>(),
                                      theirs->at(0).values<float>(), 1e-5))
        << ir::OpCodeName(op);
  }
}

}  // namespace
}  // namespace mai
