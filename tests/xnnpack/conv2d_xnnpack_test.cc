// CONV_2D on the XNNPACK backend against the reference backend: fp32,
// int8 (per-channel and per-tensor weights) and uint8; strides, dilations,
// SAME/VALID, groups, fused activations, 1 and 2 threads; resizes; and the
// cases XNNPACK declines, which must fall back to the reference kernel.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
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

struct ConvCase {
  int n = 1, h = 5, w = 5, c = 3;
  int o = 4, kh = 3, kw = 3;
  int groups = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
};

std::string Describe(const ConvCase& c) {
  return fmt::format(
      "in {}x{}x{}x{} filter {}x{}x{} groups {} stride {}x{} dilation {}x{} "
      "{} act {} bias {}",
      c.n, c.h, c.w, c.c, c.o, c.kh, c.kw, c.groups, c.sh, c.sw, c.dh, c.dw,
      c.padding == Padding::kSame ? "SAME" : "VALID", static_cast<int>(c.act),
      c.bias);
}

int OutDim(Padding p, int in, int k, int s, int d) {
  const int eff = (k - 1) * d + 1;
  return p == Padding::kSame ? (in + s - 1) / s : (in - eff) / s + 1;
}

Shape OutShape(const ConvCase& c) {
  return {c.n, OutDim(c.padding, c.h, c.kh, c.sh, c.dh),
          OutDim(c.padding, c.w, c.kw, c.sw, c.dw), c.o};
}

ir::Conv2DParams Params(const ConvCase& c) {
  ir::Conv2DParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.dilation_h = c.dh;
  p.dilation_w = c.dw;
  p.activation = c.act;
  return p;
}

std::vector<uint8_t> FloatModel(const ConvCase& c, Rng& rng,
                                bool weights_as_input = false) {
  const int fc = c.c / c.groups;
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  const Shape w_shape = {c.o, c.kh, c.kw, fc};
  int f = weights_as_input
              ? b.AddInput("w", DType::kFloat32, w_shape)
              : b.AddConstant<float>("w", w_shape,
                                     rng.Floats(c.o * c.kh * c.kw * fc));
  std::vector<int> inputs = {x, f};
  if (c.bias)
    inputs.push_back(b.AddConstant<float>("b", {c.o}, rng.Floats(c.o)));
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kConv2D, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

void RunFloatCase(const ConvCase& c, Rng& rng) {
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
void RunQuantizedCase(const ConvCase& c, QuantScheme scheme, Rng& rng) {
  SCOPED_TRACE(Describe(c) + " " + std::string(DTypeName(DTypeOf<T>())) +
               (scheme == QuantScheme::kPerChannel ? " per-channel" : ""));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const int fc = c.c / c.groups;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(scheme == QuantScheme::kPerChannel ? c.o : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  const float out_scale =
      xnn_test::OutputScaleFor(c.kh * c.kw * fc, in_scale, w_scale[0]);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = scheme == QuantScheme::kPerChannel
                           ? testing::PerChannelQuant(w_scale, 0)
                           : testing::Quant(w_scale[0], w_zp);
  int f = b.AddConstant<T>(
      "w", {c.o, c.kh, c.kw, fc},
      rng.Ints<T>(c.o * c.kh * c.kw * fc, kInt8 ? -127 : 0, qmax), wq);
  std::vector<float> bias_scale(c.o);
  for (int oc = 0; oc < c.o; ++oc) {
    bias_scale[oc] = in_scale * w_scale[w_scale.size() == 1 ? 0 : oc];
  }
  std::vector<int> inputs = {x, f};
  if (c.bias) {
    inputs.push_back(
        b.AddConstant<int32_t>("b", {c.o}, rng.Ints<int32_t>(c.o, -3000, 3000),
                               testing::PerChannelQuant(bias_scale, 0)));
  }
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kConv2D, inputs, {y}, Params(c));
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

ConvCase RandomCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  ConvCase c;
  c.n = rng.Int(1, 2);
  c.kh = rng.Int(1, 5);
  c.kw = rng.Int(1, 5);
  c.sh = rng.Int(1, 3);
  c.sw = rng.Int(1, 3);
  c.dh = iter % 3 == 0 ? rng.Int(1, 3) : 1;
  c.dw = iter % 3 == 0 ? rng.Int(1, 3) : 1;
  c.h = (c.kh - 1) * c.dh + 1 + rng.Int(0, 9);
  c.w = (c.kw - 1) * c.dw + 1 + rng.Int(0, 9);
  c.groups = iter % 5 == 4 ? rng.Int(2, 3) : 1;
  c.c = c.groups * rng.Int(1, 9);
  c.o = c.groups * rng.Int(1, 9);
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  c.act = acts[iter % 4];
  c.bias = rng.Int(0, 3) != 0;
  return c;
}

TEST(XnnConv2DTest, HandComputedSameStride2) {
  // 4x4 input 0..15, 3x3 filter with a single 1 at the centre, SAME,
  // stride 2: the total padding 1 goes after the input, so the centre tap
  // reads input (1,1), (1,3), (3,1), (3,3); bias 0.5.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 1});
  std::vector<float> w(9, 0.0f);
  w[4] = 1.0f;
  int f = b.AddConstant<float>("w", {1, 3, 3, 1}, w);
  int bias = b.AddConstant<float>("b", {1}, {0.5f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2, 2, 1});
  ir::Conv2DParams p;
  p.stride_h = p.stride_w = 2;
  b.AddOp(ir::OpCode::kConv2D, {x, f, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i);
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 4, 4, 1}, in)},
                      xnn_test::XnnOptions(1));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{5.5f, 7.5f, 13.5f, 15.5f}));
  xnn_test::ExpectRunsOnXnnpack(*model);
}

TEST(XnnConv2DTest, FloatRandomCases) {
  Rng rng(20240611);
  for (int iter = 0; iter < 40; ++iter)
    RunFloatCase(RandomCase(rng, iter), rng);
}

TEST(XnnConv2DTest, FloatLargerChannels) {
  // Channel counts past the microkernels' tiles, with remainders.
  Rng rng(8);
  ConvCase c;
  c.h = 17;
  c.w = 19;
  c.c = 19;
  c.o = 37;
  c.sh = c.sw = 2;
  RunFloatCase(c, rng);
  c.kh = c.kw = 1;
  c.sh = c.sw = 1;
  c.c = 64;
  c.o = 24;
  c.act = Activation::kRelu6;
  RunFloatCase(c, rng);
}

TEST(XnnConv2DTest, FloatGrouped) {
  Rng rng(77);
  ConvCase c;
  c.c = 6;
  c.groups = 3;
  c.o = 9;
  c.h = 6;
  c.w = 5;
  RunFloatCase(c, rng);
  c.groups = 2;
  c.o = 4;
  c.sh = 2;
  c.padding = Padding::kValid;
  RunFloatCase(c, rng);
}

TEST(XnnConv2DTest, Int8PerChannel) {
  Rng rng(31337);
  for (int iter = 0; iter < 16; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerChannel,
                             rng);
  }
}

TEST(XnnConv2DTest, Int8PerTensor) {
  Rng rng(4711);
  for (int iter = 0; iter < 10; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                             rng);
  }
}

TEST(XnnConv2DTest, UInt8) {
  Rng rng(4242);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                              rng);
  }
}

TEST(XnnConv2DTest, QuantizedLargerChannels) {
  Rng rng(99);
  ConvCase c;
  c.h = 12;
  c.w = 13;
  c.c = 21;
  c.o = 35;
  c.sh = 2;
  RunQuantizedCase<int8_t>(c, QuantScheme::kPerChannel, rng);
  RunQuantizedCase<uint8_t>(c, QuantScheme::kPerTensor, rng);
}

TEST(XnnConv2DTest, ResizeReplansTheOperator) {
  // The same session, prepared for one input size and then another,
  // matches the reference at both sizes.
  Rng rng(3);
  ConvCase c;
  c.h = 7;
  c.w = 6;
  c.sh = 2;
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  auto xnn = Session::LoadBytes(model, xnn_test::XnnOptions(1));
  auto ref = Session::LoadBytes(model, xnn_test::RefOptions());
  ASSERT_TRUE(xnn.ok() && ref.ok());
  for (const Shape& shape :
       {Shape{1, 7, 6, 3}, Shape{2, 9, 11, 3}, Shape{1, 4, 4, 3}}) {
    SCOPED_TRACE(ShapeToString(shape));
    std::vector<float> in = rng.Floats(NumElementsUnchecked(shape));
    std::vector<std::vector<float>> results;
    for (Session* s : {xnn->get(), ref->get()}) {
      ASSERT_TRUE(s->ResizeInput(0, shape).ok());
      ASSERT_TRUE(s->Prepare().ok());
      std::vector<uint8_t> bytes(in.size() * sizeof(float));
      std::memcpy(bytes.data(), in.data(), bytes.size());
      ASSERT_TRUE(s->SetInput(0, bytes).ok());
      ASSERT_TRUE(s->Invoke().ok());
      auto out = s->output<float>(0);
      results.emplace_back(out.begin(), out.end());
    }
    EXPECT_TRUE(testing::NearRelative(results[0], results[1]));
    // A second Invoke without a resize gives the same result.
    ASSERT_TRUE((*xnn)->Invoke().ok());
    auto again = (*xnn)->output<float>(0);
    EXPECT_TRUE(std::equal(again.begin(), again.end(), results[0].begin()));
  }
}

TEST(XnnConv2DTest, NonConstantWeightsFallBack) {
  Rng rng(12);
  ConvCase c;
  std::vector<uint8_t> model = FloatModel(c, rng, /*weights_as_input=*/true);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectFallsBack(
      model,
      {HostTensor::From<float>({1, 5, 5, 3}, rng.Floats(75)),
       HostTensor::From<float>({4, 3, 3, 3}, rng.Floats(108))},
      "must be constant");
}

TEST(XnnConv2DTest, TanhActivationFallsBack) {
  // TFLite rejects TANH as a fused conv activation; mai declines it on
  // XNNPACK (not a clamp) and the reference rejects it as well.
  Rng rng(13);
  ConvCase c;
  c.act = Activation::kTanh;
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  std::vector<HostTensor> in = {
      HostTensor::From<float>({1, 5, 5, 3}, rng.Floats(75))};
  auto strict = testing::RunMai(model, in, xnn_test::XnnOptions(1));
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kUnimplemented);
}

TEST(XnnConv2DTest, HugeRequantizationScaleFallsBack) {
  // input_scale * weight_scale / output_scale = 1000: the reference
  // requantizes it (a left shift), XNNPACK rejects scales of 256 and more.
  Rng rng(14);
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kInt8, {1, 4, 4, 2}, testing::Quant(1.0f, 0));
  int f =
      b.AddConstant<int8_t>("w", {3, 1, 1, 2}, rng.Ints<int8_t>(6, -2, 2),
                            testing::PerChannelQuant({1.0f, 1.0f, 1.0f}, 0));
  int y = b.AddTensor("y", DType::kInt8, Shape{1, 4, 4, 3},
                      testing::Quant(0.001f, 0));
  b.AddOp(ir::OpCode::kConv2D, {x, f}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  xnn_test::ExpectFallsBack(
      *model,
      {HostTensor::From<int8_t>({1, 4, 4, 2}, rng.Ints<int8_t>(32, -1, 1))},
      "xnn_create_convolution2d_nhwc_qc8");
}

TEST(XnnConv2DTest, Int16FallsBack) {
  // int16 activations are not an XNNPACK dtype: declined with its name.
  tflite::ModelBuilder b;
  int x =
      b.AddInput("x", DType::kInt16, {1, 3, 3, 1}, testing::Quant(0.01f, 0));
  int f =
      b.AddConstant<int8_t>("w", {1, 1, 1, 1}, {3}, testing::Quant(0.1f, 0));
  int y = b.AddTensor("y", DType::kInt16, Shape{1, 3, 3, 1},
                      testing::Quant(0.01f, 0));
  b.AddOp(ir::OpCode::kConv2D, {x, f}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto strict = testing::RunMai(
      *model,
      {HostTensor::From<int16_t>({1, 3, 3, 1}, std::vector<int16_t>(9))},
      xnn_test::XnnOptions(1));
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kUnimplemented)
      << strict.status().message();
  EXPECT_NE(strict.status().message().find("int16"), std::string::npos)
      << strict.status().message();
}

// A large kernel over a large image: 2048 x 2048 output pixels x 16 x 16
// taps would need 8 GiB of XNNPACK indirection pointers (a few KB of
// weights in the file). Declined; the reference kernel runs it.
TEST(XnnConv2DTest, HugeIndirectionFallsBack) {
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, 2048, 2048, 1});
  const int w = b.AddConstant<float>("w", {1, 16, 16, 1},
                                     std::vector<float>(256, 1.0f / 256));
  const int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kConv2D, {x, w, ir::kNoTensor}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  SessionOptions autos;
  autos.backend = "auto";
  auto session = Session::LoadBytes(*model, autos);
  ASSERT_TRUE(session.ok()) << session.status().message();
  ASSERT_TRUE((*session)->Prepare().ok());
  EXPECT_EQ((*session)->node_backend(0), "ref");
  ASSERT_EQ((*session)->fallbacks().size(), 1u);
  EXPECT_NE((*session)->fallbacks()[0].reason.find("indirection"),
            std::string::npos)
      << (*session)->fallbacks()[0].reason;
}

}  // namespace
}  // namespace mai
