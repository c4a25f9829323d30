// XNNPACK activations and unary math against the reference backend: fp32
// within 1e-5 relative, int8/uint8 within 1, 2 threads identical to 1
// thread, and the declined cases falling back.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai {
namespace {

using testing::BuildModel;
using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> UnaryModel(ir::OpCode op, DType dtype, const Shape& shape,
                                const ir::QuantParams& qin = {},
                                const ir::QuantParams& qout = {},
                                ir::OpParams params = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, shape, qin);
  const int y = m.AddTensor("y", dtype, std::nullopt, qout);
  m.AddOp(op, {x}, {y}, std::move(params));
  m.MarkOutput(y);
  return BuildModel(m);
}

Shape RandomShape(Rng& rng) {
  Shape s(rng.Int(0, 4));
  for (int& d : s) d = rng.Int(1, 9);
  return s;
}

struct FloatCase {
  ir::OpCode op;
  float lo, hi;  // input range
};

TEST(XnnUnaryTest, FloatOpsMatchReference) {
  const FloatCase cases[] = {
      {ir::OpCode::kRelu, -3, 3},       {ir::OpCode::kRelu6, -3, 9},
      {ir::OpCode::kReluN1To1, -3, 3},  {ir::OpCode::kRelu0To1, -2, 2},
      {ir::OpCode::kLeakyRelu, -4, 4},  {ir::OpCode::kHardSwish, -6, 6},
      {ir::OpCode::kLogistic, -10, 10}, {ir::OpCode::kElu, -5, 3},
      {ir::OpCode::kAbs, -5, 5},        {ir::OpCode::kNeg, -5, 5},
      {ir::OpCode::kFloor, -5, 5},      {ir::OpCode::kCeil, -5, 5},
      {ir::OpCode::kRound, -5, 5},      {ir::OpCode::kSqrt, 0, 20},
      {ir::OpCode::kSquare, -4, 4},
  };
  Rng rng(7201);
  for (const FloatCase& c : cases) {
    for (int iter = 0; iter < 6; ++iter) {
      const Shape shape = RandomShape(rng);
      ir::OpParams params;
      if (c.op == ir::OpCode::kLeakyRelu) {
        params = ir::LeakyReluParams{rng.Uniform(0.01f, 0.9f)};
      }
      auto model = UnaryModel(c.op, DType::kFloat32, shape, {}, {}, params);
      HostTensor x = HostTensor::From<float>(
          shape, rng.Floats(NumElementsUnchecked(shape), c.lo, c.hi));
      SCOPED_TRACE(::testing::Message()
                   << ir::OpCodeName(c.op) << " " << ShapeToString(shape));
      testing::ExpectXnnMatchesRefFloat(model, {x});
    }
  }
}

TEST(XnnUnaryTest, RoundIsHalfToEvenAndLargeTensorsWork) {
  // Halves round to the even neighbour; hand-derived values.
  auto model = UnaryModel(ir::OpCode::kRound, DType::kFloat32, {8});
  HostTensor x = HostTensor::From<float>(
      {8}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.4f, -2.6f});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  const std::vector<float> got = y->at(0).values<float>();
  const std::vector<float> want = {-2, -2, -0, 0, 2, 2, 2, -3};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;

  // A tensor large enough to be split across threads.
  Rng rng(7202);
  const Shape big = {3, 37, 41, 13};
  auto big_model = UnaryModel(ir::OpCode::kLogistic, DType::kFloat32, big);
  HostTensor bx = HostTensor::From<float>(
      big, rng.Floats(NumElementsUnchecked(big), -8, 8));
  testing::ExpectXnnMatchesRefFloat(big_model, {bx});
}

template <typename T>
HostTensor RandomQuantized(Rng& rng, const Shape& shape) {
  constexpr int kMin = std::is_same_v<T, int8_t> ? -128 : 0;
  return HostTensor::From<T>(
      shape, rng.Ints<T>(NumElementsUnchecked(shape), kMin, kMin + 255));
}

struct QuantCase {
  ir::OpCode op;
  DType dtype;
  // Output quantization; nullopt = same as the input's.
  std::optional<std::pair<float, int>> out;
};

TEST(XnnUnaryTest, QuantizedOpsMatchReferenceWithinOne) {
  const QuantCase cases[] = {
      {ir::OpCode::kRelu, DType::kInt8, std::nullopt},
      {ir::OpCode::kRelu, DType::kUInt8, std::nullopt},
      {ir::OpCode::kRelu6, DType::kInt8, std::nullopt},
      {ir::OpCode::kRelu6, DType::kUInt8, std::nullopt},
      {ir::OpCode::kReluN1To1, DType::kInt8, std::nullopt},
      {ir::OpCode::kReluN1To1, DType::kUInt8, std::nullopt},
      {ir::OpCode::kLogistic, DType::kInt8, {{1.0f / 256, -128}}},
      {ir::OpCode::kLogistic, DType::kUInt8, {{1.0f / 256, 0}}},
      {ir::OpCode::kTanh, DType::kInt8, {{1.0f / 128, 0}}},
      {ir::OpCode::kTanh, DType::kUInt8, {{1.0f / 128, 128}}},
      {ir::OpCode::kElu, DType::kInt8, {{0.03f, -10}}},
      {ir::OpCode::kLeakyRelu, DType::kUInt8, {{0.04f, 100}}},
  };
  Rng rng(7203);
  for (const QuantCase& c : cases) {
    const bool is_int8 = c.dtype == DType::kInt8;
    for (int iter = 0; iter < 6; ++iter) {
      const Shape shape = RandomShape(rng);
      const float in_scale = rng.Uniform(0.01f, 0.1f);
      const int in_zp = is_int8 ? rng.Int(-60, 60) : rng.Int(60, 190);
      const auto qin = testing::Quant(in_scale, in_zp);
      const auto qout =
          c.out ? testing::Quant(c.out->first, c.out->second) : qin;
      ir::OpParams params;
      if (c.op == ir::OpCode::kLeakyRelu) {
        params = ir::LeakyReluParams{rng.Uniform(0.05f, 0.5f)};
      }
      auto model = UnaryModel(c.op, c.dtype, shape, qin, qout, params);
      HostTensor x = is_int8 ? RandomQuantized<int8_t>(rng, shape)
                             : RandomQuantized<uint8_t>(rng, shape);
      SCOPED_TRACE(::testing::Message()
                   << ir::OpCodeName(c.op) << " " << DTypeName(c.dtype) << " "
                   << ShapeToString(shape) << " scale " << in_scale << " zp "
                   << in_zp);
      testing::ExpectXnnMatchesRefQuantized(model, {x});
    }
  }
}

TEST(XnnUnaryTest, QuantizedReluClampsToActivationRange) {
  // scale 0.5, zero point 10: RELU6 keeps [10, 22]; hand-derived.
  const auto q = testing::Quant(0.5f, 10);
  auto model = UnaryModel(ir::OpCode::kRelu6, DType::kInt8, {6}, q, q);
  HostTensor x = HostTensor::From<int8_t>({6}, {-128, 9, 10, 15, 22, 127});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).values<int8_t>(),
            (std::vector<int8_t>{10, 10, 10, 15, 22, 22}));
}

// int8/uint8 HARD_SWISH and int8 LEAKY_RELU, which XNNPACK lacks, run on
// mai's lookup-table kernel (backends/xnnpack/table_unary.h): bit-identical
// to the reference kernel, for lengths around the 64-byte vector step and
// big enough to be split over threads.
TEST(XnnUnaryTest, TableKernelIsBitIdenticalToReference) {
  Rng rng(7205);
  const Shape shapes[] = {{1}, {63}, {64}, {65}, {3, 7, 11}, {1, 128, 128, 16}};
  for (const Shape& shape : shapes) {
    for (DType dtype : {DType::kInt8, DType::kUInt8}) {
      for (ir::OpCode op : {ir::OpCode::kHardSwish, ir::OpCode::kLeakyRelu}) {
        if (op == ir::OpCode::kLeakyRelu && dtype == DType::kUInt8) continue;
        const bool is_int8 = dtype == DType::kInt8;
        const auto qin =
            testing::Quant(rng.Uniform(0.01f, 0.1f),
                           is_int8 ? rng.Int(-60, 60) : rng.Int(60, 190));
        const auto qout =
            testing::Quant(rng.Uniform(0.01f, 0.1f),
                           is_int8 ? rng.Int(-60, 60) : rng.Int(60, 190));
        ir::OpParams params;
        if (op == ir::OpCode::kLeakyRelu) {
          params = ir::LeakyReluParams{rng.Uniform(0.05f, 0.5f)};
        }
        auto model = UnaryModel(op, dtype, shape, qin, qout, params);
        HostTensor x = is_int8 ? RandomQuantized<int8_t>(rng, shape)
                               : RandomQuantized<uint8_t>(rng, shape);
        SCOPED_TRACE(::testing::Message()
                     << ir::OpCodeName(op) << " " << DTypeName(dtype) << " "
                     << ShapeToString(shape));
        testing::BackendOutputs out;
        ASSERT_TRUE(testing::RunBothBackends(model, {x}, &out));
        EXPECT_EQ(out.xnn.at(0).bytes, out.ref.at(0).bytes);
      }
    }
  }
}

TEST(XnnUnaryTest, DeclinedCasesFallBack) {
  Rng rng(7204);
  const Shape shape = {2, 5, 3};
  HostTensor xf = HostTensor::From<float>(shape, rng.Floats(30, -2, 2));
  HostTensor x8 = RandomQuantized<int8_t>(rng, shape);
  {  // no float TANH in this XNNPACK
    auto model = UnaryModel(ir::OpCode::kTanh, DType::kFloat32, shape);
    testing::ExpectFallsBack(model, {xf});
  }
  {  // a quantized RELU that rescales
    auto model = UnaryModel(ir::OpCode::kRelu, DType::kInt8, shape,
                            testing::Quant(0.05f, 0), testing::Quant(0.1f, 3));
    testing::ExpectFallsBack(model, {x8});
  }
  {  // LOGISTIC whose output scale XNNPACK does not take
    auto model = UnaryModel(ir::OpCode::kLogistic, DType::kInt8, shape,
                            testing::Quant(0.05f, 0), testing::Quant(0.01f, 0));
    testing::ExpectFallsBack(model, {x8});
  }
  {  // EXP has no XNNPACK kernel at all
    auto model = UnaryModel(ir::OpCode::kExp, DType::kFloat32, shape);
    testing::ExpectFallsBack(model, {xf});
  }
}

}  // namespace
}  // namespace mai
