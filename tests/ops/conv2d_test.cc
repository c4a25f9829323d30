// CONV_2D: fp32 against double-precision math written here; int8 (per-channel
// weights) and uint8 against real TensorFlow Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::Activation;
using ir::Padding;
using testing::HostTensor;
using testing::Rng;

struct ConvCase {
  int n = 1, h = 5, w = 5, c = 3;
  int o = 4, kh = 3, kw = 3;
  int groups = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
};

struct Window {
  int out = 0;
  int pad = 0;  // leading padding
};

Window WindowDim(Padding p, int in, int k, int s, int d) {
  const int eff = (k - 1) * d + 1;
  Window r;
  r.out = p == Padding::kSame ? (in + s - 1) / s : (in - eff) / s + 1;
  r.pad = std::max(0, (r.out - 1) * s + eff - in) / 2;
  return r;
}

double Act(double x, Activation a) {
  switch (a) {
    case Activation::kRelu:
      return std::max(0.0, x);
    case Activation::kRelu6:
      return std::clamp(x, 0.0, 6.0);
    case Activation::kReluN1To1:
      return std::clamp(x, -1.0, 1.0);
    default:
      return x;
  }
}

Shape OutShape(const ConvCase& c) {
  return {c.n, WindowDim(c.padding, c.h, c.kh, c.sh, c.dh).out,
          WindowDim(c.padding, c.w, c.kw, c.sw, c.dw).out, c.o};
}

// Real-valued convolution (no activation): in [n,h,w,c], f [o,kh,kw,c/g].
std::vector<double> ReferenceConv(const ConvCase& c,
                                  const std::vector<double>& in,
                                  const std::vector<double>& f,
                                  const std::vector<double>& bias) {
  const Window wy = WindowDim(c.padding, c.h, c.kh, c.sh, c.dh);
  const Window wx = WindowDim(c.padding, c.w, c.kw, c.sw, c.dw);
  const int fc = c.c / c.groups;
  const int per_group = c.o / c.groups;
  std::vector<double> out;
  for (int b = 0; b < c.n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox)
        for (int oc = 0; oc < c.o; ++oc) {
          double acc = bias.empty() ? 0.0 : bias[oc];
          const int g = oc / per_group;
          for (int fy = 0; fy < c.kh; ++fy)
            for (int fx = 0; fx < c.kw; ++fx) {
              const int iy = oy * c.sh - wy.pad + fy * c.dh;
              const int ix = ox * c.sw - wx.pad + fx * c.dw;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (int ic = 0; ic < fc; ++ic) {
                acc += in[((b * c.h + iy) * c.w + ix) * c.c + g * fc + ic] *
                       f[((oc * c.kh + fy) * c.kw + fx) * fc + ic];
              }
            }
          out.push_back(acc);
        }
  return out;
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

std::vector<double> ToDouble(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

void RunFloatCase(const ConvCase& c, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << "in " << c.n << "x" << c.h << "x" << c.w << "x" << c.c
               << " filter " << c.o << "x" << c.kh << "x" << c.kw << " groups "
               << c.groups << " stride " << c.sh << "x" << c.sw << " dilation "
               << c.dh << "x" << c.dw << " same "
               << (c.padding == Padding::kSame) << " act "
               << static_cast<int>(c.act) << " bias " << c.bias);
  const int fc = c.c / c.groups;
  std::vector<float> input = rng.Floats(c.n * c.h * c.w * c.c, -2.0f, 2.0f);
  std::vector<float> filter = rng.Floats(c.o * c.kh * c.kw * fc);
  std::vector<float> bias = c.bias ? rng.Floats(c.o) : std::vector<float>{};

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  int f = b.AddConstant<float>("w", {c.o, c.kh, c.kw, fc}, filter);
  std::vector<int> inputs = {x, f};
  if (c.bias) inputs.push_back(b.AddConstant<float>("b", {c.o}, bias));
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kConv2D, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();

  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({c.n, c.h, c.w, c.c}, input)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->at(0).shape, OutShape(c));
  std::vector<double> expected =
      ReferenceConv(c, ToDouble(input), ToDouble(filter), ToDouble(bias));
  for (double& e : expected) e = Act(e, c.act);
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected));
}

TEST(Conv2DTest, HandComputedValid) {
  // 3x3 input 1..9, 2x2 filter of ones, bias 0.5: sums of each 2x2 block.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 3, 3, 1});
  int f = b.AddConstant<float>("w", {1, 2, 2, 1}, {1, 1, 1, 1});
  int bias = b.AddConstant<float>("b", {1}, {0.5f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2, 2, 1});
  ir::Conv2DParams p;
  p.padding = Padding::kValid;
  b.AddOp(ir::OpCode::kConv2D, {x, f, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model,
      {HostTensor::From<float>({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(Conv2DTest, HandComputedSameStride2) {
  // 4x4 input 0..15, 3x3 filter with a single 1 at the centre, SAME,
  // stride 2: total padding (2-1)*2+3-4 = 1 goes after the input (leading
  // 0), so the centre tap reads input (1,1), (1,3), (3,1), (3,3).
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 1});
  std::vector<float> w(9, 0.0f);
  w[4] = 1.0f;
  int f = b.AddConstant<float>("w", {1, 3, 3, 1}, w);
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2, 2, 1});
  ir::Conv2DParams p;
  p.padding = Padding::kSame;
  p.stride_h = p.stride_w = 2;
  b.AddOp(ir::OpCode::kConv2D, {x, f, ir::kNoTensor}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i);
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 4, 4, 1}, in)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{5, 7, 13, 15}));
}

TEST(Conv2DTest, FloatRandomCases) {
  Rng rng(20240601);
  const Padding paddings[] = {Padding::kSame, Padding::kValid};
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 40; ++iter) {
    ConvCase c;
    c.n = rng.Int(1, 2);
    c.kh = rng.Int(1, 4);
    c.kw = rng.Int(1, 4);
    c.sh = rng.Int(1, 3);
    c.sw = rng.Int(1, 3);
    c.dh = iter % 3 == 0 ? rng.Int(1, 3) : 1;
    c.dw = iter % 3 == 0 ? rng.Int(1, 3) : 1;
    c.h = (c.kh - 1) * c.dh + 1 + rng.Int(0, 7);
    c.w = (c.kw - 1) * c.dw + 1 + rng.Int(0, 7);
    c.c = rng.Int(1, 6);
    c.o = rng.Int(1, 6);
    c.padding = paddings[rng.Int(0, 1)];
    c.act = acts[rng.Int(0, 3)];
    c.bias = rng.Int(0, 3) != 0;
    RunFloatCase(c, rng);
  }
}

TEST(Conv2DTest, FloatGrouped) {
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

TEST(Conv2DTest, FloatOneByOneAndSizeOneDims) {
  Rng rng(5);
  ConvCase c;
  c.h = c.w = 1;
  c.kh = c.kw = 1;
  c.c = 7;
  c.o = 3;
  RunFloatCase(c, rng);
  c.h = 1;
  c.w = 9;
  c.kh = 1;
  c.kw = 3;
  c.sw = 2;
  c.padding = Padding::kValid;
  RunFloatCase(c, rng);
}

// Builds a quantized conv model. Per-channel int8 or per-tensor uint8.
template <typename T>
void RunQuantizedCase(const ConvCase& c, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << DTypeName(DTypeOf<T>()) << " in " << c.n << "x" << c.h << "x"
               << c.w << "x" << c.c << " filter " << c.o << "x" << c.kh << "x"
               << c.kw << " stride " << c.sh << "x" << c.sw << " dilation "
               << c.dh << "x" << c.dw << " same "
               << (c.padding == Padding::kSame) << " act "
               << static_cast<int>(c.act));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(kInt8 ? c.o : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  const int fc = c.c / c.groups;
  std::vector<T> input = rng.Ints<T>(c.n * c.h * c.w * c.c, qmin, qmax);
  std::vector<T> filter =
      rng.Ints<T>(c.o * c.kh * c.kw * fc, kInt8 ? -127 : 0, qmax);
  std::vector<int32_t> bias = rng.Ints<int32_t>(c.o, -3000, 3000);

  // Real-valued result to pick an output scale that uses the int range.
  std::vector<double> in_real, f_real, b_real;
  for (T v : input) in_real.push_back(in_scale * (static_cast<int>(v) - in_zp));
  for (size_t i = 0; i < filter.size(); ++i) {
    const int oc = static_cast<int>(i) / (c.kh * c.kw * fc);
    f_real.push_back(w_scale[kInt8 ? oc : 0] *
                     (static_cast<int>(filter[i]) - w_zp));
  }
  std::vector<float> bias_scale(c.o);
  for (int oc = 0; oc < c.o; ++oc) {
    bias_scale[oc] = in_scale * w_scale[kInt8 ? oc : 0];
    b_real.push_back(static_cast<double>(bias_scale[oc]) * bias[oc]);
  }
  std::vector<double> real = ReferenceConv(c, in_real, f_real, b_real);
  double max_abs = 1e-3;
  for (double v : real) max_abs = std::max(max_abs, std::fabs(v));
  const float out_scale = static_cast<float>(max_abs / 100.0);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = kInt8 ? testing::PerChannelQuant(w_scale, 0)
                             : testing::Quant(w_scale[0], w_zp);
  int f = b.AddConstant<T>("w", {c.o, c.kh, c.kw, fc}, filter, wq);
  ir::QuantParams bq = testing::PerChannelQuant(bias_scale, 0);
  int bi = b.AddConstant<int32_t>("b", {c.o}, bias, bq);
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kConv2D, {x, f, bi}, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();

  std::vector<HostTensor> in = {
      HostTensor::From<T>({c.n, c.h, c.w, c.c}, input)};
  auto ours = testing::RunMai(*model, in);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(*model, in);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  // The output is not degenerate: values spread over the range.
  std::vector<T> v = ours->at(0).values<T>();
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (c.act == Activation::kNone && v.size() > 8) EXPECT_GT(*hi - *lo, 20);
}

ConvCase RandomQuantCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  ConvCase c;
  c.n = rng.Int(1, 2);
  c.kh = rng.Int(1, 3);
  c.kw = rng.Int(1, 3);
  c.sh = rng.Int(1, 2);
  c.sw = rng.Int(1, 2);
  c.dh = iter % 4 == 3 ? 2 : 1;
  c.dw = iter % 4 == 3 ? 2 : 1;
  c.h = (c.kh - 1) * c.dh + 1 + rng.Int(0, 6);
  c.w = (c.kw - 1) * c.dw + 1 + rng.Int(0, 6);
  c.c = rng.Int(1, 8);
  c.o = rng.Int(1, 8);
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  c.act = acts[iter % 4];
  return c;
}

TEST(Conv2DTest, Int8PerChannelMatchesTflite) {
  Rng rng(31337);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomQuantCase(rng, iter), rng);
  }
}

TEST(Conv2DTest, UInt8MatchesTflite) {
  Rng rng(4242);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomQuantCase(rng, iter), rng);
  }
}

TEST(Conv2DTest, RejectsMismatchedChannels) {
  // Input has 3 channels, the filter 2: not a whole number of groups.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 3});
  int f = b.AddConstant<float>("w", {2, 3, 3, 2}, std::vector<float>(36, 1.0f));
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 2});
  b.AddOp(ir::OpCode::kConv2D, {x, f}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;  // rejected at build time: fine
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 4, 4, 3}, std::vector<float>(48))});
  EXPECT_FALSE(out.ok());
}

TEST(Conv2DTest, RejectsBiasOfWrongSize) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 2});
  int f = b.AddConstant<float>("w", {2, 3, 3, 2}, std::vector<float>(36, 1.0f));
  int bias = b.AddConstant<float>("b", {3}, {1, 2, 3});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 2});
  b.AddOp(ir::OpCode::kConv2D, {x, f, bias}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 4, 4, 2}, std::vector<float>(32))});
  EXPECT_FALSE(out.ok());
}

TEST(Conv2DTest, RejectsHybridWeights) {
  // float input with int8 weights (dynamic-range quantization) is not run.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 3, 3, 1});
  int f =
      b.AddConstant<int8_t>("w", {1, 1, 1, 1}, {5}, testing::Quant(0.1f, 0));
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 3, 3, 1});
  b.AddOp(ir::OpCode::kConv2D, {x, f}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 3, 3, 1}, std::vector<float>(9))});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

}  // namespace
}  // namespace mai
