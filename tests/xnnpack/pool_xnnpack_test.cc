// XNNPACK MAX_POOL_2D / AVERAGE_POOL_2D against the reference backend:
// seeded random windows, strides, SAME/VALID padding and fused activations;
// fp32 within 1e-5 relative, int8/uint8 within 1; declined cases fall back.
#include <gtest/gtest.h>

#include <algorithm>
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

std::vector<uint8_t> PoolModel(ir::OpCode op, DType dtype, const Shape& input,
                               const ir::Pool2DParams& p,
                               const ir::QuantParams& qin = {},
                               const ir::QuantParams& qout = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, input, qin);
  const int y = m.AddTensor("y", dtype, std::nullopt, qout);
  m.AddOp(op, {x}, {y}, p);
  m.MarkOutput(y);
  return BuildModel(m);
}

const ir::Activation kActivations[] = {
    ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6,
    ir::Activation::kReluN1To1};

// A window of at least 2 elements (XNNPACK has no 1x1 pooling), strides
// 1..3 (also beyond the window).
ir::Pool2DParams RandomParams(Rng& rng) {
  ir::Pool2DParams p;
  do {
    p.filter_h = rng.Int(1, 4);
    p.filter_w = rng.Int(1, 4);
  } while (p.filter_h * p.filter_w < 2);
  p.stride_h = rng.Int(1, 3);
  p.stride_w = rng.Int(1, 3);
  p.padding = rng.Int(0, 1) ? ir::Padding::kSame : ir::Padding::kValid;
  p.activation = kActivations[rng.Int(0, 3)];
  return p;
}

Shape RandomInput(Rng& rng, const ir::Pool2DParams& p) {
  Shape s = {rng.Int(1, 2), rng.Int(1, 12), rng.Int(1, 12), rng.Int(1, 19)};
  if (p.padding == ir::Padding::kValid) {
    s[1] = std::max(s[1], p.filter_h);
    s[2] = std::max(s[2], p.filter_w);
  }
  return s;
}

std::string Describe(const Shape& s, const ir::Pool2DParams& p) {
  return fmt::format("input {} filter {}x{} stride {}x{} {} act {}",
                     ShapeToString(s), p.filter_h, p.filter_w, p.stride_h,
                     p.stride_w,
                     p.padding == ir::Padding::kSame ? "SAME" : "VALID",
                     static_cast<int>(p.activation));
}

TEST(XnnPoolTest, FloatMaxPoolMatchesReference) {
  Rng rng(7301);
  for (int iter = 0; iter < 40; ++iter) {
    const ir::Pool2DParams p = RandomParams(rng);
    const Shape s = RandomInput(rng, p);
    SCOPED_TRACE(Describe(s, p));
    auto model = PoolModel(ir::OpCode::kMaxPool2D, DType::kFloat32, s, p);
    HostTensor x = HostTensor::From<float>(
        s, rng.Floats(NumElementsUnchecked(s), -8.0f, 8.0f));
    testing::ExpectXnnMatchesRefFloat(model, {x});
  }
}

TEST(XnnPoolTest, FloatAveragePoolMatchesReference) {
  Rng rng(7302);
  for (int iter = 0; iter < 40; ++iter) {
    const ir::Pool2DParams p = RandomParams(rng);
    const Shape s = RandomInput(rng, p);
    SCOPED_TRACE(Describe(s, p));
    auto model = PoolModel(ir::OpCode::kAveragePool2D, DType::kFloat32, s, p);
    HostTensor x = HostTensor::From<float>(
        s, rng.Floats(NumElementsUnchecked(s), -8.0f, 8.0f));
    testing::ExpectXnnMatchesRefFloat(model, {x});
  }
}

TEST(XnnPoolTest, FloatAveragePoolCountsOnlyInputElements) {
  // 3x3 SAME window on a 2x2 input: every window sees the 4 input values
  // only, so each output is their mean 2.5 (not 10 / 9).
  ir::Pool2DParams p;
  p.padding = ir::Padding::kSame;
  p.filter_h = p.filter_w = 3;
  auto model =
      PoolModel(ir::OpCode::kAveragePool2D, DType::kFloat32, {1, 2, 2, 1}, p);
  HostTensor x = HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).values<float>(),
            (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f}));
}

template <typename T>
void RunQuantizedMaxPool(DType dtype, uint32_t seed) {
  Rng rng(seed);
  const int qmin = dtype == DType::kInt8 ? -128 : 0;
  for (int iter = 0; iter < 30; ++iter) {
    const ir::Pool2DParams p = RandomParams(rng);
    const Shape s = RandomInput(rng, p);
    const auto q = testing::Quant(rng.Uniform(0.02f, 0.1f),
                                  rng.Int(qmin + 60, qmin + 195));
    SCOPED_TRACE(Describe(s, p));
    auto model = PoolModel(ir::OpCode::kMaxPool2D, dtype, s, p, q, q);
    HostTensor x = HostTensor::From<T>(
        s, rng.Ints<T>(NumElementsUnchecked(s), qmin, qmin + 255));
    testing::ExpectXnnMatchesRefQuantized(model, {x}, /*tol=*/0);
  }
}

TEST(XnnPoolTest, Int8MaxPoolMatchesReferenceExactly) {
  RunQuantizedMaxPool<int8_t>(DType::kInt8, 7303);
}

TEST(XnnPoolTest, UInt8MaxPoolMatchesReferenceExactly) {
  RunQuantizedMaxPool<uint8_t>(DType::kUInt8, 7304);
}

TEST(XnnPoolTest, UInt8AveragePoolWithoutPaddingMatchesReferenceWithinOne) {
  Rng rng(7305);
  for (int iter = 0; iter < 30; ++iter) {
    ir::Pool2DParams p = RandomParams(rng);
    p.padding = ir::Padding::kValid;
    const Shape s = RandomInput(rng, p);
    const auto q = testing::Quant(rng.Uniform(0.02f, 0.1f), rng.Int(60, 195));
    SCOPED_TRACE(Describe(s, p));
    auto model =
        PoolModel(ir::OpCode::kAveragePool2D, DType::kUInt8, s, p, q, q);
    HostTensor x = HostTensor::From<uint8_t>(
        s, rng.Ints<uint8_t>(NumElementsUnchecked(s), 0, 255));
    testing::ExpectXnnMatchesRefQuantized(model, {x});
  }
}

TEST(XnnPoolTest, DeclinedCasesFallBack) {
  Rng rng(7306);
  const Shape s = {1, 5, 5, 3};
  HostTensor xf = HostTensor::From<float>(s, rng.Floats(75));
  HostTensor xu = HostTensor::From<uint8_t>(s, rng.Ints<uint8_t>(75, 0, 255));
  HostTensor xs = HostTensor::From<int8_t>(s, rng.Ints<int8_t>(75, -128, 127));
  const auto q = testing::Quant(0.05f, 128);
  ir::Pool2DParams p;
  p.filter_h = p.filter_w = 3;
  p.padding = ir::Padding::kSame;
  {  // uint8 average with padding: XNNPACK would count padded elements
    auto model =
        PoolModel(ir::OpCode::kAveragePool2D, DType::kUInt8, s, p, q, q);
    testing::ExpectFallsBack(model, {xu});
  }
  {  // int8 average: no XNNPACK operator
    const auto q8 = testing::Quant(0.05f, 0);
    ir::Pool2DParams valid = p;
    valid.padding = ir::Padding::kValid;
    auto model =
        PoolModel(ir::OpCode::kAveragePool2D, DType::kInt8, s, valid, q8, q8);
    testing::ExpectFallsBack(model, {xs});
  }
  {  // uint8 average whose output quantization differs from the input's
    ir::Pool2DParams valid = p;
    valid.padding = ir::Padding::kValid;
    auto model = PoolModel(ir::OpCode::kAveragePool2D, DType::kUInt8, s, valid,
                           q, testing::Quant(0.1f, 120));
    testing::ExpectFallsBack(model, {xu});
  }
  {  // 1x1 window
    ir::Pool2DParams one;
    one.filter_h = one.filter_w = 1;
    one.stride_h = one.stride_w = 2;
    auto model = PoolModel(ir::OpCode::kMaxPool2D, DType::kFloat32, s, one);
    testing::ExpectFallsBack(model, {xf});
  }
}

// A hostile window (found by the fuzzer): 32768 x 32768 taps for each of
// 9 output pixels would make XNNPACK allocate 72 GiB of indirection
// pointers. The node is declined and the reference kernel (which clips the
// window to the image) runs it.
TEST(XnnPoolTest, HugeWindowFallsBack) {
  ir::Pool2DParams p;
  p.padding = ir::Padding::kSame;
  p.filter_h = p.filter_w = 32768;
  auto model = PoolModel(ir::OpCode::kMaxPool2D, DType::kFloat32,
                         {1, 3, 3, 2}, p);
  Rng rng(7702);
  HostTensor x = HostTensor::From<float>({1, 3, 3, 2}, rng.Floats(18));
  testing::ExpectFallsBack(model, {x});
}

}  // namespace
}  // namespace mai
