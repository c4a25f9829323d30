// Quantization arithmetic against values derived by hand (TFLite's
// conventions, docs/quantization.md).
#include "quant/quant_math.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace mai::quant {
namespace {

TEST(ChooseInt8AsymmetricTest, SymmetricRange) {
  // [-1, 1]: scale = 2 / 255; zero point = -128 - (-1) / (2/255)
  //        = -128 + 127.5 = -0.5 -> rounds away from zero to -1.
  AsymmetricParams p = ChooseInt8Asymmetric(-1.0f, 1.0f);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -1);
  EXPECT_EQ(p.min, -1.0f);
  EXPECT_EQ(p.max, 1.0f);
}

TEST(ChooseInt8AsymmetricTest, Relu6Range) {
  // [0, 6]: scale = 6 / 255, zero point = -128 - 0 = -128.
  AsymmetricParams p = ChooseInt8Asymmetric(0.0f, 6.0f);
  EXPECT_FLOAT_EQ(p.scale, 6.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
  // Real 0 and 6 are exact: q(0) = -128, q(6) = 127.
  EXPECT_EQ(QuantizeInt8(0.0f, p), -128);
  EXPECT_EQ(QuantizeInt8(6.0f, p), 127);
  EXPECT_EQ(DequantizeInt8(-128, p), 0.0f);
}

TEST(ChooseInt8AsymmetricTest, AsymmetricRange) {
  // [-0.5, 1.5]: scale = 2 / 255; zero point = -128 + 0.5 * 127.5
  //            = -128 + 63.75 = -64.25 -> -64.
  AsymmetricParams p = ChooseInt8Asymmetric(-0.5f, 1.5f);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
}

TEST(ChooseInt8AsymmetricTest, PositiveRangeIsNudgedToZero) {
  // [2, 5] does not contain 0: min becomes 0, scale = 5 / 255, zp = -128.
  AsymmetricParams p = ChooseInt8Asymmetric(2.0f, 5.0f);
  EXPECT_EQ(p.min, 0.0f);
  EXPECT_EQ(p.max, 5.0f);
  EXPECT_FLOAT_EQ(p.scale, 5.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
}

TEST(ChooseInt8AsymmetricTest, NegativeRangeIsNudgedToZero) {
  // [-4, -1]: max becomes 0, scale = 4 / 255,
  // zero point = -128 + 4 / (4/255) = -128 + 255 = 127.
  AsymmetricParams p = ChooseInt8Asymmetric(-4.0f, -1.0f);
  EXPECT_EQ(p.max, 0.0f);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 127);
  EXPECT_EQ(QuantizeInt8(0.0f, p), 127);
  EXPECT_EQ(QuantizeInt8(-4.0f, p), -128);
}

TEST(ChooseInt8AsymmetricTest, AllZeroRange) {
  // min == max == 0: scale 1, zero point -128 (TFLite's converter).
  AsymmetricParams p = ChooseInt8Asymmetric(0.0f, 0.0f);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, -128);
  EXPECT_EQ(DequantizeInt8(QuantizeInt8(0.0f, p), p), 0.0f);
  // A constant non-zero tensor is not degenerate once 0 is included.
  AsymmetricParams c = ChooseInt8Asymmetric(3.0f, 3.0f);
  EXPECT_FLOAT_EQ(c.scale, 3.0f / 255.0f);
  EXPECT_EQ(c.zero_point, -128);
}

TEST(RoundingTest, TiesGoAwayFromZero) {
  EXPECT_EQ(RoundHalfAwayFromZero(2.5f), 3.0f);
  EXPECT_EQ(RoundHalfAwayFromZero(-2.5f), -3.0f);
  EXPECT_EQ(RoundHalfAwayFromZero(0.5f), 1.0f);
  EXPECT_EQ(RoundHalfAwayFromZero(1.5f), 2.0f);
  EXPECT_EQ(RoundHalfAwayFromZero(2.4f), 2.0f);
  AsymmetricParams unit;  // scale 1, zero point 0
  EXPECT_EQ(QuantizeInt8(2.5f, unit), 3);
  EXPECT_EQ(QuantizeInt8(-2.5f, unit), -3);
  EXPECT_EQ(QuantizeInt8(300.0f, unit), 127);
  EXPECT_EQ(QuantizeInt8(-300.0f, unit), -128);
}

TEST(PerChannelTest, ConvWeightsChannelDimZero) {
  // [2 out, 1, 1, 3 in]. Channel 0: max |w| = 1.27 -> scale 0.01, q = w / 0.01.
  // Channel 1: all zero -> scale 1, q = 0.
  const std::vector<float> w = {0.5f, -1.27f, 0.2f, 0.0f, 0.0f, 0.0f};
  const Shape shape = {2, 1, 1, 3};
  auto scales = SymmetricPerChannelScales(w.data(), shape, 0);
  ASSERT_TRUE(scales.ok()) << scales.status().message();
  ASSERT_EQ(scales->size(), 2u);
  EXPECT_FLOAT_EQ((*scales)[0], 0.01f);
  EXPECT_EQ((*scales)[1], 1.0f);
  auto q = QuantizeWeightsPerChannel(w.data(), shape, 0, *scales);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q, (std::vector<int8_t>{50, -127, 20, 0, 0, 0}));
}

TEST(PerChannelTest, DepthwiseWeightsChannelDimThree) {
  // [1, 1, 2, 2 out]: elements h0w0c0, h0w0c1, h0w1c0, h0w1c1.
  // Channel 0 = {1.0, -2.54}: scale 0.02 -> q {50, -127}.
  // Channel 1 = {-0.254, 0.0508}: scale 0.002 -> q {-127, 25.4 -> 25}.
  const std::vector<float> w = {1.0f, -0.254f, -2.54f, 0.0508f};
  const Shape shape = {1, 1, 2, 2};
  auto scales = SymmetricPerChannelScales(w.data(), shape, 3);
  ASSERT_TRUE(scales.ok());
  ASSERT_EQ(scales->size(), 2u);
  EXPECT_FLOAT_EQ((*scales)[0], 0.02f);
  EXPECT_FLOAT_EQ((*scales)[1], 0.002f);
  auto q = QuantizeWeightsPerChannel(w.data(), shape, 3, *scales);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<int8_t>{50, -127, -127, 25}));
}

TEST(PerChannelTest, TiesAndNarrowRangeClamp) {
  // max |w| = 127 -> scale exactly 1: 2.5 -> 3, -2.5 -> -3, -0.5 -> -1.
  const std::vector<float> w = {127.0f, 2.5f, -2.5f, -0.5f};
  auto scales = SymmetricPerChannelScales(w.data(), {1, 4}, 0);
  ASSERT_TRUE(scales.ok());
  EXPECT_EQ((*scales)[0], 1.0f);
  auto q = QuantizeWeightsPerChannel(w.data(), {1, 4}, 0, *scales);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<int8_t>{127, 3, -3, -1}));
  // A scale too small clamps to [-127, 127], never -128.
  const std::vector<float> big = {100.0f, -100.0f};
  auto clamped = QuantizeWeightsPerChannel(big.data(), {2}, 0, {0.5f});
  ASSERT_TRUE(clamped.ok());
  EXPECT_EQ(*clamped, (std::vector<int8_t>{127, -127}));
}

TEST(PerChannelTest, BadArgumentsAreErrors) {
  const std::vector<float> w(6, 1.0f);
  EXPECT_FALSE(SymmetricPerChannelScales(w.data(), {2, 3}, 2).ok());
  EXPECT_FALSE(SymmetricPerChannelScales(w.data(), {2, 3}, -1).ok());
  EXPECT_FALSE(SymmetricPerChannelScales(w.data(), {2, -3}, 0).ok());
  EXPECT_FALSE(
      QuantizeWeightsPerChannel(w.data(), {2, 3}, 0, {1.0f, 1.0f, 1.0f}).ok());
  EXPECT_FALSE(QuantizeWeightsPerChannel(w.data(), {2, 3}, 0, {0.0f}).ok());
  const std::vector<float> nan = {std::numeric_limits<float>::quiet_NaN()};
  EXPECT_FALSE(SymmetricPerChannelScales(nan.data(), {1}, 0).ok());
}

TEST(BiasTest, ScaleIsInputTimesWeightScale) {
  // input scale 0.5, weight scales {0.25, 0.125} -> bias scales
  // {0.125, 0.0625}; b = {1.0, -0.15625} -> {8, -2.5 -> -3}.
  const std::vector<float> b = {1.0f, -0.15625f};
  auto q = QuantizeBias(b.data(), 2, 0.5f, {0.25f, 0.125f});
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q, (std::vector<int32_t>{8, -3}));
  EXPECT_EQ(BiasScales(2, 0.5f, {0.25f, 0.125f}),
            (std::vector<float>{0.125f, 0.0625f}));
}

TEST(BiasTest, TypicalScalesAndBroadcast) {
  // input scale 2/255, weight scale 0.01: 0.3 / (2/255 * 0.01) = 3825;
  // -0.1 -> -1275.
  const std::vector<float> b = {0.3f, -0.1f};
  auto q = QuantizeBias(b.data(), 2, 2.0f / 255.0f, {0.01f});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<int32_t>{3825, -1275}));
}

TEST(BiasTest, ClampsToSymmetricInt32AndHandlesZeroScale) {
  const std::vector<float> b = {1e10f, -1e10f, 5.0f};
  auto q = QuantizeBias(b.data(), 3, 1e-3f, {1e-3f, 1e-3f, 0.0f});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)[0], 2147483647);
  EXPECT_EQ((*q)[1], -2147483647);
  EXPECT_EQ((*q)[2], 0);  // zero scale: TFLite writes 0
  EXPECT_FALSE(QuantizeBias(b.data(), 3, 1.0f, {1.0f, 1.0f}).ok());
  EXPECT_FALSE(QuantizeBias(b.data(), -1, 1.0f, {1.0f}).ok());
}

TEST(FixedOutputRangeTest, TfliteFixedOutputs) {
  auto logistic = FixedOutputRange(ir::OpCode::kLogistic);
  ASSERT_TRUE(logistic.has_value());
  EXPECT_EQ(logistic->scale, 1.0f / 256.0f);
  EXPECT_EQ(logistic->zero_point, -128);
  EXPECT_EQ(logistic->min, 0.0f);
  EXPECT_EQ(logistic->max, 255.0f / 256.0f);
  auto softmax = FixedOutputRange(ir::OpCode::kSoftmax);
  ASSERT_TRUE(softmax.has_value());
  EXPECT_EQ(softmax->scale, 1.0f / 256.0f);
  EXPECT_EQ(softmax->zero_point, -128);
  auto tanh = FixedOutputRange(ir::OpCode::kTanh);
  ASSERT_TRUE(tanh.has_value());
  EXPECT_EQ(tanh->scale, 1.0f / 128.0f);
  EXPECT_EQ(tanh->zero_point, 0);
  EXPECT_EQ(tanh->min, -1.0f);
  auto log_softmax = FixedOutputRange(ir::OpCode::kLogSoftmax);
  ASSERT_TRUE(log_softmax.has_value());
  EXPECT_EQ(log_softmax->scale, 16.0f / 256.0f);
  EXPECT_EQ(log_softmax->zero_point, 127);
  EXPECT_EQ(log_softmax->max, 0.0f);
  EXPECT_FALSE(FixedOutputRange(ir::OpCode::kConv2D).has_value());
  EXPECT_FALSE(FixedOutputRange(ir::OpCode::kRelu).has_value());
}

TEST(SharedQuantTest, RestrictedOps) {
  for (ir::OpCode op :
       {ir::OpCode::kMaxPool2D, ir::OpCode::kAveragePool2D,
        ir::OpCode::kReshape, ir::OpCode::kSqueeze, ir::OpCode::kTranspose,
        ir::OpCode::kPad, ir::OpCode::kResizeBilinear,
        ir::OpCode::kResizeNearestNeighbor, ir::OpCode::kDepthToSpace,
        ir::OpCode::kSpaceToDepth, ir::OpCode::kGather, ir::OpCode::kSlice,
        ir::OpCode::kStridedSlice, ir::OpCode::kConcatenation}) {
    EXPECT_TRUE(RequiresSameInputOutputQuant(op)) << ir::OpCodeName(op);
  }
  for (ir::OpCode op :
       {ir::OpCode::kConv2D, ir::OpCode::kDepthwiseConv2D, ir::OpCode::kAdd,
        ir::OpCode::kSub, ir::OpCode::kMul, ir::OpCode::kLogistic,
        ir::OpCode::kSoftmax, ir::OpCode::kFullyConnected, ir::OpCode::kMean}) {
    EXPECT_FALSE(RequiresSameInputOutputQuant(op)) << ir::OpCodeName(op);
  }
}

}  // namespace
}  // namespace mai::quant
