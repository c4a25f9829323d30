// DEPTHWISE_CONV_2D on the XNNPACK backend against the reference backend:
// fp32, int8 (per-channel and per-tensor weights) and uint8; depth
// multipliers, strides, dilations, SAME/VALID, fused activations, 1 and 2
// threads; declined cases fall back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tflite/model_builder.h"
#include "xnnpack/conv_test_util.h"

namespace mai {
namespace {

using ir::Activation;
using ir::Padding;
using xnn_test::HostTensor;
using xnn_test::Rng;

struct DwCase {
  int n = 1, h = 6, w = 6, c = 4, m = 1;
  int kh = 3, kw = 3;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
};

std::string Describe(const DwCase& c) {
  return fmt::format(
      "in {}x{}x{}x{} multiplier {} kernel {}x{} stride {}x{} dilation "
      "{}x{} {} act {} bias {}",
      c.n, c.h, c.w, c.c, c.m, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw,
      c.padding == Padding::kSame ? "SAME" : "VALID", static_cast<int>(c.act),
      c.bias);
}

int OutDim(Padding p, int in, int k, int s, int d) {
  const int eff = (k - 1) * d + 1;
  return p == Padding::kSame ? (in + s - 1) / s : (in - eff) / s + 1;
}

Shape OutShape(const DwCase& c) {
  return {c.n, OutDim(c.padding, c.h, c.kh, c.sh, c.dh),
          OutDim(c.padding, c.w, c.kw, c.sw, c.dw), c.c * c.m};
}

ir::DepthwiseConv2DParams Params(const DwCase& c) {
  ir::DepthwiseConv2DParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.dilation_h = c.dh;
  p.dilation_w = c.dw;
  p.depth_multiplier = c.m;
  p.activation = c.act;
  return p;
}

std::vector<uint8_t> FloatModel(const DwCase& c, Rng& rng,
                                bool weights_as_input = false) {
  const int oc = c.c * c.m;
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  const Shape w_shape = {1, c.kh, c.kw, oc};
  int f = weights_as_input ? b.AddInput("w", DType::kFloat32, w_shape)
                           : b.AddConstant<float>("w", w_shape,
                                                  rng.Floats(c.kh * c.kw * oc));
  std::vector<int> inputs = {x, f};
  if (c.bias) inputs.push_back(b.AddConstant<float>("b", {oc}, rng.Floats(oc)));
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kDepthwiseConv2D, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

void RunFloatCase(const DwCase& c, Rng& rng) {
  SCOPED_TRACE(Describe(c));
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectXnnMatchesRef(
      model,
      {HostTensor::From<float>({c.n, c.h, c.w, c.c},
                               rng.Floats(c.n * c.h * c.w * c.c, -2, 2))});
}

enum class QuantScheme { kPerChannel, kPerTensor };

template <typename T>
void RunQuantizedCase(const DwCase& c, QuantScheme scheme, Rng& rng) {
  SCOPED_TRACE(Describe(c) + " " + std::string(DTypeName(DTypeOf<T>())) +
               (scheme == QuantScheme::kPerChannel ? " per-channel" : ""));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const int oc = c.c * c.m;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(scheme == QuantScheme::kPerChannel ? oc : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  const float out_scale =
      xnn_test::OutputScaleFor(c.kh * c.kw, in_scale, w_scale[0]);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = scheme == QuantScheme::kPerChannel
                           ? testing::PerChannelQuant(w_scale, 3)
                           : testing::Quant(w_scale[0], w_zp);
  int f = b.AddConstant<T>(
      "w", {1, c.kh, c.kw, oc},
      rng.Ints<T>(c.kh * c.kw * oc, kInt8 ? -127 : 0, qmax), wq);
  std::vector<float> bias_scale(oc);
  for (int o = 0; o < oc; ++o) {
    bias_scale[o] = in_scale * w_scale[w_scale.size() == 1 ? 0 : o];
  }
  std::vector<int> inputs = {x, f};
  if (c.bias) {
    inputs.push_back(
        b.AddConstant<int32_t>("b", {oc}, rng.Ints<int32_t>(oc, -2000, 2000),
                               testing::PerChannelQuant(bias_scale, 0)));
  }
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kDepthwiseConv2D, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<HostTensor> in = {HostTensor::From<T>(
      {c.n, c.h, c.w, c.c}, rng.Ints<T>(c.n * c.h * c.w * c.c, qmin, qmax))};
  xnn_test::ExpectXnnMatchesRef(*model, in);
  if (c.act == Activation::kNone && NumElementsUnchecked(OutShape(c)) > 16) {
    auto ref = testing::RunMai(*model, in, xnn_test::RefOptions());
    ASSERT_TRUE(ref.ok());
    EXPECT_TRUE(xnn_test::Spread(ref->at(0), 20)) << "degenerate output";
  }
}

DwCase RandomCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  DwCase c;
  c.n = rng.Int(1, 2);
  c.kh = rng.Int(1, 5);
  c.kw = rng.Int(1, 5);
  c.sh = rng.Int(1, 3);
  c.sw = rng.Int(1, 3);
  c.dh = iter % 3 == 0 ? rng.Int(1, 3) : 1;
  c.dw = iter % 3 == 0 ? rng.Int(1, 3) : 1;
  c.h = (c.kh - 1) * c.dh + 1 + rng.Int(0, 9);
  c.w = (c.kw - 1) * c.dw + 1 + rng.Int(0, 9);
  c.c = rng.Int(1, 20);
  c.m = iter % 4 == 1 ? rng.Int(2, 3) : 1;
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  c.act = acts[iter % 4];
  c.bias = rng.Int(0, 3) != 0;
  return c;
}

TEST(XnnDepthwiseConv2DTest, HandComputedMultiplier2) {
  // One input channel, multiplier 2, 2x2 VALID kernels of ones and of -1s
  // over a 2x3 input 1..6, bias (0, 10): block sums s = 12, 16 give
  // outputs (12, -2), (16, -6).
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 3, 1});
  int f = b.AddConstant<float>("w", {1, 2, 2, 2}, {1, -1, 1, -1, 1, -1, 1, -1});
  int bias = b.AddConstant<float>("b", {2}, {0.0f, 10.0f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 1, 2, 2});
  ir::DepthwiseConv2DParams p;
  p.padding = Padding::kValid;
  p.depth_multiplier = 2;
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, f, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 3, 1}, {1, 2, 3, 4, 5, 6})},
      xnn_test::XnnOptions(1));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{12.0f, -2.0f, 16.0f, -6.0f}));
  xnn_test::ExpectRunsOnXnnpack(*model);
}

TEST(XnnDepthwiseConv2DTest, FloatRandomCases) {
  Rng rng(555);
  for (int iter = 0; iter < 40; ++iter)
    RunFloatCase(RandomCase(rng, iter), rng);
}

TEST(XnnDepthwiseConv2DTest, FloatTypicalLayers) {
  // MobileNet-like 3x3 and 5x5 layers with many channels (the unrolled
  // depthwise microkernels), stride 1 and 2.
  Rng rng(21);
  DwCase c;
  c.h = c.w = 16;
  c.c = 37;
  RunFloatCase(c, rng);
  c.sh = c.sw = 2;
  c.act = Activation::kRelu6;
  RunFloatCase(c, rng);
  c.kh = c.kw = 5;
  c.c = 24;
  c.sh = c.sw = 1;
  c.act = Activation::kRelu;
  RunFloatCase(c, rng);
}

TEST(XnnDepthwiseConv2DTest, Int8PerChannel) {
  Rng rng(9001);
  for (int iter = 0; iter < 16; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerChannel,
                             rng);
  }
}

TEST(XnnDepthwiseConv2DTest, Int8PerTensor) {
  Rng rng(9002);
  for (int iter = 0; iter < 10; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                             rng);
  }
}

TEST(XnnDepthwiseConv2DTest, UInt8) {
  Rng rng(9003);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                              rng);
  }
}

TEST(XnnDepthwiseConv2DTest, QuantizedTypicalLayers) {
  Rng rng(9004);
  DwCase c;
  c.h = c.w = 14;
  c.c = 40;
  c.sh = c.sw = 2;
  RunQuantizedCase<int8_t>(c, QuantScheme::kPerChannel, rng);
  RunQuantizedCase<uint8_t>(c, QuantScheme::kPerTensor, rng);
  c.m = 2;
  c.c = 9;
  RunQuantizedCase<int8_t>(c, QuantScheme::kPerChannel, rng);
}

TEST(XnnDepthwiseConv2DTest, NonConstantWeightsFallBack) {
  Rng rng(17);
  DwCase c;
  std::vector<uint8_t> model = FloatModel(c, rng, /*weights_as_input=*/true);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectFallsBack(
      model,
      {HostTensor::From<float>({1, 6, 6, 4}, rng.Floats(144)),
       HostTensor::From<float>({1, 3, 3, 4}, rng.Floats(36))},
      "must be constant");
}

}  // namespace
}  // namespace mai
