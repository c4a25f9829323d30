// XNNPACK binary kernels (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM,
// SQUARED_DIFFERENCE, PRELU) against the reference backend: fp32 within
// 1e-5 relative, int8/uint8 within 1, 2 threads identical to 1 thread, and
// the declined cases falling back.
#include <gtest/gtest.h>

#include <algorithm>
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

struct BinaryOpInfo {
  ir::OpCode code;
  bool has_activation;
};

const BinaryOpInfo kFloatOps[] = {
    {ir::OpCode::kAdd, true},
    {ir::OpCode::kSub, true},
    {ir::OpCode::kMul, true},
    {ir::OpCode::kDiv, true},
    {ir::OpCode::kMaximum, false},
    {ir::OpCode::kMinimum, false},
    {ir::OpCode::kSquaredDifference, false},
};

const ir::Activation kActivations[] = {
    ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6,
    ir::Activation::kReluN1To1};

// A random output shape and two input shapes that broadcast to it (each
// input drops leading dims or has 1 in some dims).
void RandomBroadcastShapes(Rng& rng, Shape* a, Shape* b) {
  const int rank = rng.Int(0, 5);
  Shape out(rank);
  for (int& d : out) d = rng.Int(1, 6);
  auto derive = [&](Shape* s) {
    const int kind = rng.Int(0, 3);
    if (kind == 0) {  // full shape
      *s = out;
      return;
    }
    const int drop = rank == 0 ? 0 : rng.Int(0, rank);
    s->assign(out.begin() + drop, out.end());
    for (int& d : *s) {
      if (rng.Int(0, 2) == 0) d = 1;
    }
  };
  derive(a);
  derive(b);
  // Keep at least one input at the full output shape in some cases so the
  // output rank/dims stay those of `out`.
  if (rng.Int(0, 1) == 0) *a = out;
}

std::vector<uint8_t> BinaryModel(ir::OpCode op, DType dtype, const Shape& a,
                                 const Shape& b, ir::Activation act,
                                 const ir::QuantParams& qa = {},
                                 const ir::QuantParams& qb = {},
                                 const ir::QuantParams& qo = {},
                                 std::optional<HostTensor> b_const = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("a", dtype, a, qa);
  const int y = b_const ? m.AddConstantBytes("b", dtype, b, b_const->bytes, qb)
                        : m.AddInput("b", dtype, b, qb);
  const int z = m.AddTensor("z", dtype, std::nullopt, qo);
  ir::OpParams params;
  if (op == ir::OpCode::kAdd || op == ir::OpCode::kSub ||
      op == ir::OpCode::kMul || op == ir::OpCode::kDiv) {
    params = ir::BinaryParams{act};
  }
  m.AddOp(op, {x, y}, {z}, params);
  m.MarkOutput(z);
  return BuildModel(m);
}

std::vector<float> DivisorValues(Rng& rng, size_t n) {
  std::vector<float> v = rng.Floats(n, 0.5f, 2.0f);
  for (float& x : v) {
    if (rng.Int(0, 1)) x = -x;
  }
  return v;
}

TEST(XnnBinaryTest, FloatRandomBroadcastMatchesReference) {
  Rng rng(7101);
  for (const BinaryOpInfo& info : kFloatOps) {
    for (int iter = 0; iter < 12; ++iter) {
      Shape sa, sb;
      RandomBroadcastShapes(rng, &sa, &sb);
      const ir::Activation act = info.has_activation
                                     ? kActivations[rng.Int(0, 3)]
                                     : ir::Activation::kNone;
      const bool b_constant = rng.Int(0, 2) == 0;
      const size_t nb = static_cast<size_t>(NumElementsUnchecked(sb));
      const std::vector<float> bv = info.code == ir::OpCode::kDiv
                                        ? DivisorValues(rng, nb)
                                        : rng.Floats(nb, -3.0f, 3.0f);
      HostTensor a = HostTensor::From<float>(
          sa, rng.Floats(NumElementsUnchecked(sa), -3.0f, 3.0f));
      HostTensor b = HostTensor::From<float>(sb, bv);
      SCOPED_TRACE(::testing::Message()
                   << ir::OpCodeName(info.code) << " " << ShapeToString(sa)
                   << " x " << ShapeToString(sb) << " act "
                   << static_cast<int>(act) << " const " << b_constant);
      if (b_constant) {
        auto model =
            BinaryModel(info.code, DType::kFloat32, sa, sb, act, {}, {}, {}, b);
        testing::ExpectXnnMatchesRefFloat(model, {a});
      } else {
        auto model = BinaryModel(info.code, DType::kFloat32, sa, sb, act);
        testing::ExpectXnnMatchesRefFloat(model, {a, b});
      }
    }
  }
}

TEST(XnnBinaryTest, FloatFusedActivationClamps) {
  // Hand-checked: (a + b) clamped to [0, 6] and [-1, 1].
  const Shape s = {1, 2, 2, 2};
  HostTensor a = HostTensor::From<float>(s, {-5, -1, 0, 2, 4, 6, 8, -0.5f});
  HostTensor b = HostTensor::From<float>(s, {1, 0.5f, 0, 3, 3, -1, 1, 0});
  {
    auto model = BinaryModel(ir::OpCode::kAdd, DType::kFloat32, s, s,
                             ir::Activation::kRelu6);
    auto y = testing::RunMai(model, {a, b}, testing::XnnOptions());
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(y->at(0).values<float>(),
              (std::vector<float>{0, 0, 0, 5, 6, 5, 6, 0}));
  }
  {
    auto model = BinaryModel(ir::OpCode::kAdd, DType::kFloat32, s, s,
                             ir::Activation::kReluN1To1);
    auto y = testing::RunMai(model, {a, b}, testing::XnnOptions());
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(y->at(0).values<float>(),
              (std::vector<float>{-1, -0.5f, 0, 1, 1, 1, 1, -0.5f}));
  }
}

template <typename T>
void RunQuantizedCases(DType dtype, uint32_t seed) {
  Rng rng(seed);
  const int qmin = dtype == DType::kInt8 ? -128 : 0;
  const int qmax = dtype == DType::kInt8 ? 127 : 255;
  const ir::OpCode ops[] = {ir::OpCode::kAdd, ir::OpCode::kSub,
                            ir::OpCode::kMul};
  for (ir::OpCode op : ops) {
    for (int iter = 0; iter < 15; ++iter) {
      Shape sa, sb;
      RandomBroadcastShapes(rng, &sa, &sb);
      const ir::Activation act = kActivations[rng.Int(0, 3)];
      const auto qa = testing::Quant(rng.Uniform(0.01f, 0.08f),
                                     rng.Int(qmin + 20, qmax - 20));
      const auto qb = testing::Quant(rng.Uniform(0.01f, 0.08f),
                                     rng.Int(qmin + 20, qmax - 20));
      const float out_scale = op == ir::OpCode::kMul
                                  ? rng.Uniform(0.01f, 0.05f)
                                  : rng.Uniform(0.03f, 0.12f);
      const auto qo = testing::Quant(out_scale, rng.Int(qmin + 40, qmax - 40));
      HostTensor a = HostTensor::From<T>(
          sa, rng.Ints<T>(NumElementsUnchecked(sa), qmin, qmax));
      HostTensor b = HostTensor::From<T>(
          sb, rng.Ints<T>(NumElementsUnchecked(sb), qmin, qmax));
      SCOPED_TRACE(::testing::Message()
                   << ir::OpCodeName(op) << " " << DTypeName(dtype) << " "
                   << ShapeToString(sa) << " x " << ShapeToString(sb) << " act "
                   << static_cast<int>(act));
      auto model = BinaryModel(op, dtype, sa, sb, act, qa, qb, qo);
      testing::ExpectXnnMatchesRefQuantized(model, {a, b});
    }
  }
}

TEST(XnnBinaryTest, Int8AddSubMulMatchReferenceWithinOne) {
  RunQuantizedCases<int8_t>(DType::kInt8, 7102);
}

TEST(XnnBinaryTest, UInt8AddSubMulMatchReferenceWithinOne) {
  RunQuantizedCases<uint8_t>(DType::kUInt8, 7103);
}

TEST(XnnBinaryTest, QuantizedConstantOperand) {
  Rng rng(7104);
  const Shape sa = {1, 5, 7, 8};
  const Shape sb = {8};
  HostTensor a = HostTensor::From<int8_t>(sa, rng.Ints<int8_t>(280, -128, 127));
  HostTensor b = HostTensor::From<int8_t>(sb, rng.Ints<int8_t>(8, -128, 127));
  auto model =
      BinaryModel(ir::OpCode::kAdd, DType::kInt8, sa, sb, ir::Activation::kRelu,
                  testing::Quant(0.05f, -3), testing::Quant(0.02f, 10),
                  testing::Quant(0.07f, -20), b);
  testing::ExpectXnnMatchesRefQuantized(model, {a});
}

TEST(XnnBinaryTest, DeclinedCasesFallBack) {
  Rng rng(7105);
  const Shape s = {2, 3, 4};
  // Quantized DIV / MAXIMUM have no XNNPACK operator in this version.
  for (ir::OpCode op : {ir::OpCode::kDiv, ir::OpCode::kMaximum}) {
    std::vector<uint8_t> bv = rng.Ints<uint8_t>(24, 1, 255);
    HostTensor a = HostTensor::From<uint8_t>(s, rng.Ints<uint8_t>(24, 0, 255));
    HostTensor b = HostTensor::From<uint8_t>(s, bv);
    const auto q = testing::Quant(0.05f, 0);
    auto model =
        BinaryModel(op, DType::kUInt8, s, s, ir::Activation::kNone, q, q, q);
    SCOPED_TRACE(ir::OpCodeName(op));
    testing::ExpectFallsBack(model, {a, b});
  }
  {  // int32 arithmetic
    HostTensor a = HostTensor::From<int32_t>(s, rng.Ints<int32_t>(24, -9, 9));
    HostTensor b = HostTensor::From<int32_t>(s, rng.Ints<int32_t>(24, -9, 9));
    auto model = BinaryModel(ir::OpCode::kAdd, DType::kInt32, s, s,
                             ir::Activation::kNone);
    testing::ExpectFallsBack(model, {a, b});
  }
}

TEST(XnnBinaryTest, ResizedInputRecreatesOperator) {
  // One session, three input sizes: every Prepare rebinds the operator to
  // the new buffers. Expected values: max(a + b, 0) in double.
  tflite::ModelBuilder m;
  const int a = m.AddInput("a", DType::kFloat32, {1, 4, 4, 3}, {},
                           /*shape_signature=*/{1, -1, -1, 3});
  const std::vector<float> bias = {0.5f, -1.0f, 2.0f};
  const int b = m.AddConstant<float>("b", {3}, bias);
  const int y = m.AddTensor("y", DType::kFloat32, std::nullopt);
  m.AddOp(ir::OpCode::kAdd, {a, b}, {y},
          ir::BinaryParams{ir::Activation::kRelu});
  m.MarkOutput(y);
  auto session = Session::LoadBytes(BuildModel(m), testing::XnnOptions(2));
  ASSERT_TRUE(session.ok()) << session.status().message();
  Session& s = **session;
  Rng rng(7108);
  for (const Shape& shape :
       {Shape{1, 4, 4, 3}, Shape{1, 7, 5, 3}, Shape{1, 2, 1, 3}}) {
    ASSERT_TRUE(s.ResizeInput(0, shape).ok());
    ASSERT_TRUE(s.Prepare().ok());
    const std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -3, 3);
    HostTensor in = HostTensor::From<float>(shape, x);
    ASSERT_TRUE(s.SetInput(0, in.bytes).ok());
    Status run = s.Invoke();
    ASSERT_TRUE(run.ok()) << run.message();
    std::vector<double> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      want[i] = std::max(0.0, double{x[i]} + bias[i % 3]);
    }
    const auto got = s.output<float>(0);
    EXPECT_TRUE(testing::NearRelative(got, want)) << ShapeToString(shape);
  }
}

// --- PRELU -----------------------------------------------------------------

std::vector<uint8_t> PreluModel(const Shape& x_shape, const Shape& alpha_shape,
                                const std::vector<float>& alpha,
                                bool alpha_constant = true) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", DType::kFloat32, x_shape);
  const int a = alpha_constant
                    ? m.AddConstant<float>("alpha", alpha_shape, alpha)
                    : m.AddInput("alpha", DType::kFloat32, alpha_shape);
  const int y = m.AddTensor("y", DType::kFloat32, std::nullopt);
  m.AddOp(ir::OpCode::kPrelu, {x, a}, {y});
  m.MarkOutput(y);
  return BuildModel(m);
}

TEST(XnnPreluTest, PerChannelAlphaMatchesReference) {
  Rng rng(7106);
  for (int iter = 0; iter < 20; ++iter) {
    const int c = rng.Int(1, 19);
    Shape x_shape = {rng.Int(1, 2), rng.Int(1, 7), rng.Int(1, 7), c};
    Shape alpha_shape;
    switch (iter % 4) {
      case 0:
        alpha_shape = {c};
        break;
      case 1:
        alpha_shape = {1, 1, c};
        break;
      case 2:
        alpha_shape = {1, 1, 1, c};
        break;
      default:
        alpha_shape = {1};
        break;
    }
    const auto alpha =
        rng.Floats(NumElementsUnchecked(alpha_shape), -0.5f, 1.5f);
    auto model = PreluModel(x_shape, alpha_shape, alpha);
    HostTensor x = HostTensor::From<float>(
        x_shape, rng.Floats(NumElementsUnchecked(x_shape), -4.0f, 4.0f));
    SCOPED_TRACE(::testing::Message() << ShapeToString(x_shape) << " alpha "
                                      << ShapeToString(alpha_shape));
    testing::ExpectXnnMatchesRefFloat(model, {x});
  }
}

TEST(XnnPreluTest, HandComputedValues) {
  auto model = PreluModel({1, 1, 2, 2}, {1, 1, 2}, {0.5f, -2.0f});
  HostTensor x = HostTensor::From<float>({1, 1, 2, 2}, {-2, -3, 4, 0.25f});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).values<float>(), (std::vector<float>{-1, 6, 4, 0.25f}));
}

TEST(XnnPreluTest, NonChannelAlphaFallsBack) {
  Rng rng(7107);
  const Shape x_shape = {1, 3, 4, 5};
  HostTensor x = HostTensor::From<float>(x_shape, rng.Floats(60, -2, 2));
  {  // alpha varies along W
    auto model = PreluModel(x_shape, {4, 5}, rng.Floats(20));
    testing::ExpectFallsBack(model, {x});
  }
  {  // alpha along H only
    auto model = PreluModel(x_shape, {3, 1, 1}, rng.Floats(3));
    testing::ExpectFallsBack(model, {x});
  }
  {  // alpha computed at run time
    auto model = PreluModel(x_shape, {5}, {}, /*alpha_constant=*/false);
    HostTensor alpha = HostTensor::From<float>({5}, rng.Floats(5));
    testing::ExpectFallsBack(model, {x, alpha});
  }
}

}  // namespace
}  // namespace mai
