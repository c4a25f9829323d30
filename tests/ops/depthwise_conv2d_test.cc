// DEPTHWISE_CONV_2D: fp32 against double-precision math written here; int8
// (per-channel weights along dim 3) and uint8 against real TensorFlow Lite.
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

struct DwCase {
  int n = 1, h = 5, w = 5, c = 3, m = 1;
  int kh = 3, kw = 3;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
  int option_multiplier = -1;  // value written to the options; -1: m
};

struct Window {
  int out = 0;
  int pad = 0;
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

Shape OutShape(const DwCase& c) {
  return {c.n, WindowDim(c.padding, c.h, c.kh, c.sh, c.dh).out,
          WindowDim(c.padding, c.w, c.kw, c.sw, c.dw).out, c.c * c.m};
}

// in [n,h,w,c], f [1,kh,kw,c*m]; output channel ic*m+j reads input channel ic.
std::vector<double> ReferenceDepthwise(const DwCase& c,
                                       const std::vector<double>& in,
                                       const std::vector<double>& f,
                                       const std::vector<double>& bias) {
  const Window wy = WindowDim(c.padding, c.h, c.kh, c.sh, c.dh);
  const Window wx = WindowDim(c.padding, c.w, c.kw, c.sw, c.dw);
  const int oc_count = c.c * c.m;
  std::vector<double> out;
  for (int b = 0; b < c.n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox)
        for (int oc = 0; oc < oc_count; ++oc) {
          const int ic = oc / c.m;
          double acc = bias.empty() ? 0.0 : bias[oc];
          for (int fy = 0; fy < c.kh; ++fy)
            for (int fx = 0; fx < c.kw; ++fx) {
              const int iy = oy * c.sh - wy.pad + fy * c.dh;
              const int ix = ox * c.sw - wx.pad + fx * c.dw;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              acc += in[((b * c.h + iy) * c.w + ix) * c.c + ic] *
                     f[(fy * c.kw + fx) * oc_count + oc];
            }
          out.push_back(acc);
        }
  return out;
}

ir::DepthwiseConv2DParams Params(const DwCase& c) {
  ir::DepthwiseConv2DParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.dilation_h = c.dh;
  p.dilation_w = c.dw;
  p.depth_multiplier = c.option_multiplier < 0 ? c.m : c.option_multiplier;
  p.activation = c.act;
  return p;
}

std::vector<double> ToDouble(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

void RunFloatCase(const DwCase& c, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << "in " << c.n << "x" << c.h << "x" << c.w << "x" << c.c
               << " m " << c.m << " filter " << c.kh << "x" << c.kw
               << " stride " << c.sh << "x" << c.sw << " dilation " << c.dh
               << "x" << c.dw << " same " << (c.padding == Padding::kSame)
               << " act " << static_cast<int>(c.act));
  const int oc = c.c * c.m;
  std::vector<float> input = rng.Floats(c.n * c.h * c.w * c.c, -2.0f, 2.0f);
  std::vector<float> filter = rng.Floats(c.kh * c.kw * oc);
  std::vector<float> bias = c.bias ? rng.Floats(oc) : std::vector<float>{};

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  int f = b.AddConstant<float>("w", {1, c.kh, c.kw, oc}, filter);
  int bi = c.bias ? b.AddConstant<float>("b", {oc}, bias) : ir::kNoTensor;
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, f, bi}, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();

  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({c.n, c.h, c.w, c.c}, input)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, OutShape(c));
  std::vector<double> expected =
      ReferenceDepthwise(c, ToDouble(input), ToDouble(filter), ToDouble(bias));
  for (double& e : expected) e = Act(e, c.act);
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected));
}

TEST(DepthwiseConv2DTest, HandComputed) {
  // Two channels, multiplier 2, 2x2 VALID on a 2x2 input: one output pixel
  // with 4 channels: ch0*{1,2}, ch1*{3,4} summed over the window.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 2});
  // filter [1,2,2,4]: every tap has weights {1,2,3,4}.
  std::vector<float> w;
  for (int t = 0; t < 4; ++t) w.insert(w.end(), {1, 2, 3, 4});
  int f = b.AddConstant<float>("w", {1, 2, 2, 4}, w);
  int bias = b.AddConstant<float>("b", {4}, {0, 0, 0, 100});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 1, 1, 4});
  ir::DepthwiseConv2DParams p;
  p.padding = Padding::kValid;
  p.depth_multiplier = 2;
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, f, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  // channel 0 values 1,2,3,4 (sum 10); channel 1 values 10,20,30,40 (sum 100).
  auto out = testing::RunMai(
      *model,
      {HostTensor::From<float>({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{10, 20, 300, 500}));
}

TEST(DepthwiseConv2DTest, FloatRandomCases) {
  Rng rng(8675309);
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 40; ++iter) {
    DwCase c;
    c.n = rng.Int(1, 2);
    c.kh = rng.Int(1, 5);
    c.kw = rng.Int(1, 5);
    c.sh = rng.Int(1, 3);
    c.sw = rng.Int(1, 3);
    c.dh = iter % 3 == 0 ? rng.Int(1, 3) : 1;
    c.dw = iter % 3 == 0 ? rng.Int(1, 3) : 1;
    c.h = (c.kh - 1) * c.dh + 1 + rng.Int(0, 7);
    c.w = (c.kw - 1) * c.dw + 1 + rng.Int(0, 7);
    c.c = rng.Int(1, 6);
    c.m = rng.Int(1, 3);
    c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
    c.act = acts[rng.Int(0, 3)];
    c.bias = rng.Int(0, 3) != 0;
    RunFloatCase(c, rng);
  }
}

TEST(DepthwiseConv2DTest, MultiplierComesFromShapes) {
  // Some converters write depth_multiplier 0; the shapes decide.
  Rng rng(3);
  DwCase c;
  c.c = 3;
  c.m = 2;
  c.option_multiplier = 0;
  RunFloatCase(c, rng);
}

template <typename T>
void RunQuantizedCase(const DwCase& c, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << DTypeName(DTypeOf<T>()) << " in " << c.n << "x" << c.h << "x"
               << c.w << "x" << c.c << " m " << c.m << " filter " << c.kh << "x"
               << c.kw << " stride " << c.sh << "x" << c.sw << " dilation "
               << c.dh << "x" << c.dw << " same "
               << (c.padding == Padding::kSame) << " act "
               << static_cast<int>(c.act));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const int oc_count = c.c * c.m;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(kInt8 ? oc_count : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  std::vector<T> input = rng.Ints<T>(c.n * c.h * c.w * c.c, qmin, qmax);
  std::vector<T> filter =
      rng.Ints<T>(c.kh * c.kw * oc_count, kInt8 ? -127 : 0, qmax);
  std::vector<int32_t> bias = rng.Ints<int32_t>(oc_count, -3000, 3000);

  std::vector<double> in_real, f_real, b_real;
  for (T v : input) in_real.push_back(in_scale * (static_cast<int>(v) - in_zp));
  for (size_t i = 0; i < filter.size(); ++i) {
    const int oc = static_cast<int>(i) % oc_count;
    f_real.push_back(w_scale[kInt8 ? oc : 0] *
                     (static_cast<int>(filter[i]) - w_zp));
  }
  std::vector<float> bias_scale(oc_count);
  for (int oc = 0; oc < oc_count; ++oc) {
    bias_scale[oc] = in_scale * w_scale[kInt8 ? oc : 0];
    b_real.push_back(static_cast<double>(bias_scale[oc]) * bias[oc]);
  }
  std::vector<double> real = ReferenceDepthwise(c, in_real, f_real, b_real);
  double max_abs = 1e-3;
  for (double v : real) max_abs = std::max(max_abs, std::fabs(v));
  const float out_scale = static_cast<float>(max_abs / 100.0);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = kInt8 ? testing::PerChannelQuant(w_scale, 3)
                             : testing::Quant(w_scale[0], w_zp);
  int f = b.AddConstant<T>("w", {1, c.kh, c.kw, oc_count}, filter, wq);
  int bi = b.AddConstant<int32_t>("b", {oc_count}, bias,
                                  testing::PerChannelQuant(bias_scale, 0));
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, f, bi}, {y}, Params(c));
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
  std::vector<T> v = ours->at(0).values<T>();
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (c.act == Activation::kNone && v.size() > 8) EXPECT_GT(*hi - *lo, 20);
}

DwCase RandomQuantCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  DwCase c;
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
  c.m = iter % 3 == 2 ? 2 : 1;
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  c.act = acts[iter % 4];
  return c;
}

TEST(DepthwiseConv2DTest, Int8PerChannelMatchesTflite) {
  Rng rng(2718);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomQuantCase(rng, iter), rng);
  }
}

TEST(DepthwiseConv2DTest, UInt8MatchesTflite) {
  Rng rng(1618);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomQuantCase(rng, iter), rng);
  }
}

TEST(DepthwiseConv2DTest, RejectsFilterNotMultipleOfInput) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 3});
  int f = b.AddConstant<float>("w", {1, 3, 3, 4}, std::vector<float>(36, 1.0f));
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 4});
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, f}, {y},
          ir::DepthwiseConv2DParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 4, 4, 3}, std::vector<float>(48))});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
