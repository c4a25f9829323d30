// TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias on the XNNPACK
// backend against the reference backend: fp32, int8 (one weight scale) and
// uint8; strides, SAME/VALID, every output size TFLite's padding rule maps
// (including those that need XNNPACK's adjustment), 1 and 2 threads; the
// output sizes and per-channel scales XNNPACK cannot do fall back.
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

struct TcCase {
  int n = 1, h = 4, w = 4, c = 3;
  int o = 2, kh = 3, kw = 3;
  int sh = 2, sw = 2;
  int out_h = 0, out_w = 0;  // 0: the size TFLite's converter would write
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
};

int DefaultOut(Padding p, int in, int k, int s) {
  return p == Padding::kSame ? in * s : (in - 1) * s + k;
}

Shape OutShape(const TcCase& c) {
  return {c.n, c.out_h > 0 ? c.out_h : DefaultOut(c.padding, c.h, c.kh, c.sh),
          c.out_w > 0 ? c.out_w : DefaultOut(c.padding, c.w, c.kw, c.sw), c.o};
}

std::string Describe(const TcCase& c) {
  return fmt::format(
      "in {}x{}x{}x{} weights {}x{}x{} stride {}x{} {} out {} act {} bias {}",
      c.n, c.h, c.w, c.c, c.o, c.kh, c.kw, c.sh, c.sw,
      c.padding == Padding::kSame ? "SAME" : "VALID",
      ShapeToString(OutShape(c)), static_cast<int>(c.act), c.bias);
}

ir::TransposeConvParams Params(const TcCase& c) {
  ir::TransposeConvParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.activation = c.act;
  return p;
}

std::vector<uint8_t> FloatModel(const TcCase& c, Rng& rng) {
  tflite::ModelBuilder b;
  const Shape out = OutShape(c);
  int shape = b.AddConstant<int32_t>("output_shape", {4},
                                     {out[0], out[1], out[2], out[3]});
  int f = b.AddConstant<float>("w", {c.o, c.kh, c.kw, c.c},
                               rng.Floats(c.o * c.kh * c.kw * c.c));
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  std::vector<int> inputs = {shape, f, x};
  if (c.bias)
    inputs.push_back(b.AddConstant<float>("b", {c.o}, rng.Floats(c.o)));
  int y = b.AddTensor("y", DType::kFloat32, out);
  b.AddOp(ir::OpCode::kTransposeConv, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

std::vector<HostTensor> FloatInput(const TcCase& c, Rng& rng) {
  return {HostTensor::From<float>({c.n, c.h, c.w, c.c},
                                  rng.Floats(c.n * c.h * c.w * c.c, -2, 2))};
}

void RunFloatCase(const TcCase& c, Rng& rng) {
  SCOPED_TRACE(Describe(c));
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectXnnMatchesRef(model, FloatInput(c, rng));
}

enum class QuantScheme { kPerTensor, kPerChannelEqual, kPerChannel };

template <typename T>
std::vector<uint8_t> QuantizedModel(const TcCase& c, QuantScheme scheme,
                                    Rng& rng) {
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(scheme == QuantScheme::kPerTensor ? 1 : c.o,
                             rng.Uniform(0.002f, 0.02f));
  if (scheme == QuantScheme::kPerChannel) {
    for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  }
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  // A tap count of about KH*KW*C / stride^2 reaches each output.
  const int taps = std::max(1, c.kh * c.kw * c.c / (c.sh * c.sw));
  const float out_scale = xnn_test::OutputScaleFor(taps, in_scale, w_scale[0]);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  const Shape out = OutShape(c);
  int shape = b.AddConstant<int32_t>("output_shape", {4},
                                     {out[0], out[1], out[2], out[3]});
  ir::QuantParams wq = scheme == QuantScheme::kPerTensor
                           ? testing::Quant(w_scale[0], w_zp)
                           : testing::PerChannelQuant(w_scale, 0);
  int f = b.AddConstant<T>(
      "w", {c.o, c.kh, c.kw, c.c},
      rng.Ints<T>(c.o * c.kh * c.kw * c.c, kInt8 ? -127 : 0, kInt8 ? 127 : 255),
      wq);
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  std::vector<int> inputs = {shape, f, x};
  if (c.bias) {
    std::vector<float> bias_scale(c.o);
    for (int oc = 0; oc < c.o; ++oc) {
      bias_scale[oc] = in_scale * w_scale[w_scale.size() == 1 ? 0 : oc];
    }
    inputs.push_back(
        b.AddConstant<int32_t>("b", {c.o}, rng.Ints<int32_t>(c.o, -2000, 2000),
                               testing::PerChannelQuant(bias_scale, 0)));
  }
  int y =
      b.AddTensor("y", DTypeOf<T>(), out, testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kTransposeConv, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

template <typename T>
std::vector<HostTensor> QuantizedInput(const TcCase& c, Rng& rng) {
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  return {HostTensor::From<T>(
      {c.n, c.h, c.w, c.c},
      rng.Ints<T>(c.n * c.h * c.w * c.c, kInt8 ? -128 : 0, kInt8 ? 127 : 255))};
}

template <typename T>
void RunQuantizedCase(const TcCase& c, QuantScheme scheme, Rng& rng) {
  SCOPED_TRACE(Describe(c) + " " + std::string(DTypeName(DTypeOf<T>())));
  std::vector<uint8_t> model = QuantizedModel<T>(c, scheme, rng);
  ASSERT_FALSE(model.empty());
  std::vector<HostTensor> in = QuantizedInput<T>(c, rng);
  xnn_test::ExpectXnnMatchesRef(model, in);
  if (c.act == Activation::kNone) {
    auto ref = testing::RunMai(model, in, xnn_test::RefOptions());
    ASSERT_TRUE(ref.ok());
    EXPECT_TRUE(xnn_test::Spread(ref->at(0), 20)) << "degenerate output";
  }
}

// A random case; with `odd_sizes`, output sizes other than the converter's
// default that TFLite's padding rule still accepts.
TcCase RandomCase(Rng& rng, int iter, bool odd_sizes) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  TcCase c;
  c.n = rng.Int(1, 2);
  c.h = rng.Int(1, 7);
  c.w = rng.Int(1, 7);
  c.c = rng.Int(1, 9);
  c.o = rng.Int(1, 9);
  c.kh = rng.Int(1, 5);
  c.kw = rng.Int(1, 5);
  c.sh = rng.Int(1, 3);
  c.sw = rng.Int(1, 3);
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  c.act = acts[iter % 4];
  c.bias = rng.Int(0, 3) != 0;
  if (odd_sizes) {
    // SAME: ceil(out / s) == in; VALID: (out + s - k) / s == in.
    auto pick = [&](int in, int k, int s) {
      return c.padding == Padding::kSame
                 ? rng.Int((in - 1) * s + 1, in * s)
                 : rng.Int((in - 1) * s + k, (in - 1) * s + k + s - 1);
    };
    c.out_h = pick(c.h, c.kh, c.sh);
    c.out_w = pick(c.w, c.kw, c.sw);
  }
  return c;
}

TEST(XnnTransposeConvTest, HandComputedStride2Valid) {
  // 2x2 input (1, 2; 3, 4), 2x2 weights of ones, stride 2, VALID: every
  // input pixel fills its own 2x2 block of the 4x4 output; bias 0.5.
  tflite::ModelBuilder b;
  int shape = b.AddConstant<int32_t>("output_shape", {4}, {1, 4, 4, 1});
  int f = b.AddConstant<float>("w", {1, 2, 2, 1}, {1, 1, 1, 1});
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  int bias = b.AddConstant<float>("b", {1}, {0.5f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 1});
  ir::TransposeConvParams p;
  p.padding = Padding::kValid;
  p.stride_h = p.stride_w = 2;
  b.AddOp(ir::OpCode::kTransposeConv, {shape, f, x, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})},
      xnn_test::XnnOptions(1));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1.5, 1.5, 2.5, 2.5, 1.5, 1.5, 2.5, 2.5, 3.5,
                                3.5, 4.5, 4.5, 3.5, 3.5, 4.5, 4.5}));
  xnn_test::ExpectRunsOnXnnpack(*model);
}

TEST(XnnTransposeConvTest, FloatRandomCases) {
  Rng rng(606);
  for (int iter = 0; iter < 40; ++iter) {
    RunFloatCase(RandomCase(rng, iter, /*odd_sizes=*/false), rng);
  }
}

TEST(XnnTransposeConvTest, FloatOddOutputSizes) {
  Rng rng(607);
  for (int iter = 0; iter < 40; ++iter) {
    RunFloatCase(RandomCase(rng, iter, /*odd_sizes=*/true), rng);
  }
}

TEST(XnnTransposeConvTest, FloatDecoderLayer) {
  // A segmentation-decoder-like upsampling: 4x4 kernels, stride 2, SAME.
  Rng rng(608);
  TcCase c;
  c.h = c.w = 16;
  c.c = 24;
  c.o = 16;
  c.kh = c.kw = 4;
  RunFloatCase(c, rng);
}

TEST(XnnTransposeConvTest, Int8PerTensor) {
  Rng rng(609);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter, iter % 2 == 1),
                             QuantScheme::kPerTensor, rng);
  }
}

TEST(XnnTransposeConvTest, Int8PerChannelWithEqualScales) {
  Rng rng(610);
  for (int iter = 0; iter < 6; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter, false),
                             QuantScheme::kPerChannelEqual, rng);
  }
}

TEST(XnnTransposeConvTest, UInt8) {
  Rng rng(611);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomCase(rng, iter, iter % 2 == 1),
                              QuantScheme::kPerTensor, rng);
  }
}

TEST(XnnTransposeConvTest, Int8PerChannelFallsBack) {
  Rng rng(612);
  TcCase c;
  c.o = 4;
  std::vector<uint8_t> model =
      QuantizedModel<int8_t>(c, QuantScheme::kPerChannel, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectFallsBack(model, QuantizedInput<int8_t>(c, rng),
                            "one weight scale");
}

TEST(XnnTransposeConvTest, UnreachableOutputSizeFallsBack) {
  // Input 2, kernel 3, stride 1, VALID: the full output has 4 rows; 8
  // rows would need 4 rows of adjustment (XNNPACK allows < stride).
  Rng rng(613);
  TcCase c;
  c.h = c.w = 2;
  c.sh = c.sw = 1;
  c.padding = Padding::kValid;
  c.out_h = 8;
  c.out_w = 4;
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectFallsBack(model, FloatInput(c, rng), "not reachable");
}

// MediaPipe's Convolution2DTransposeBias: options are three int32
// (padding 1 = SAME / 2 = VALID, stride_w, stride_h).
std::vector<uint8_t> TransposeConvBiasModel(const Shape& in, int o, int kh,
                                            int kw, int padding, int sw, int sh,
                                            Rng& rng) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, in);
  int f = b.AddConstant<float>("w", {o, kh, kw, in[3]},
                               rng.Floats(o * kh * kw * in[3]));
  int bias = b.AddConstant<float>("b", {o}, rng.Floats(o));
  // MediaPipe's output size: SAME crops max(0, K - (H - 1) % s - 1).
  auto out_dim = [&](int in_dim, int k, int s) {
    const int pad = padding == 1 ? std::max(0, k - (in_dim - 1) % s - 1) : 0;
    return s * (in_dim - 1) + k - pad;
  };
  int y = b.AddTensor(
      "y", DType::kFloat32,
      Shape{in[0], out_dim(in[1], kh, sh), out_dim(in[2], kw, sw), o});
  std::vector<uint8_t> options(12);
  const int32_t values[3] = {padding, sw, sh};
  std::memcpy(options.data(), values, sizeof(values));
  b.AddCustomOp("Convolution2DTransposeBias", {x, f, bias}, {y}, options);
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

TEST(XnnTransposeConvBiasTest, MatchesReference) {
  Rng rng(614);
  for (int iter = 0; iter < 30; ++iter) {
    const Shape in = {rng.Int(1, 2), rng.Int(1, 9), rng.Int(1, 9),
                      rng.Int(1, 8)};
    const int o = rng.Int(1, 6), kh = rng.Int(1, 5), kw = rng.Int(1, 5);
    const int padding = rng.Int(0, 2);  // 0 (unknown) acts as VALID
    const int sw = rng.Int(1, 3), sh = rng.Int(1, 3);
    SCOPED_TRACE(fmt::format("in {} o {} k {}x{} padding {} stride {}x{}",
                             ShapeToString(in), o, kh, kw, padding, sh, sw));
    std::vector<uint8_t> model =
        TransposeConvBiasModel(in, o, kh, kw, padding, sw, sh, rng);
    ASSERT_FALSE(model.empty());
    xnn_test::ExpectXnnMatchesRef(
        model,
        {HostTensor::From<float>(in, rng.Floats(NumElementsUnchecked(in)))});
  }
}

TEST(XnnTransposeConvBiasTest, SelfieSegmentationLayerRunsOnXnnpack) {
  // The selfie segmentation models' last layer: 128x128x16 → 256x256x1,
  // 2x2 kernel, stride 2, SAME.
  Rng rng(615);
  std::vector<uint8_t> model =
      TransposeConvBiasModel({1, 128, 128, 16}, 1, 2, 2, 1, 2, 2, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectRunsOnXnnpack(model);
  xnn_test::ExpectXnnMatchesRef(
      model,
      {HostTensor::From<float>({1, 128, 128, 16}, rng.Floats(128 * 128 * 16))});
}

}  // namespace
}  // namespace mai
