// TRANSPOSE_CONV: fp32 against double-precision scatter math written here
// (and against real TensorFlow Lite for odd output sizes); int8 (per-channel
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

struct TcCase {
  int n = 1, h = 3, w = 3, c = 2;
  int o = 2, kh = 3, kw = 3;
  int sh = 2, sw = 2;
  int oh = 6, ow = 6;  // the output_shape input
  Padding padding = Padding::kSame;
  Activation act = Activation::kNone;
  bool bias = true;
};

// Leading padding: the one a forward conv from the output size would use.
int LeadingPad(Padding p, int out, int k, int s) {
  int conv_out = p == Padding::kSame ? (out + s - 1) / s : (out + s - k) / s;
  return std::max(0, (conv_out - 1) * s + k - out) / 2;
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

// Scatter form: every input pixel adds its weighted filter to the output.
std::vector<double> ReferenceTransposeConv(const TcCase& c,
                                           const std::vector<double>& in,
                                           const std::vector<double>& w,
                                           const std::vector<double>& bias) {
  const int pt = LeadingPad(c.padding, c.oh, c.kh, c.sh);
  const int pl = LeadingPad(c.padding, c.ow, c.kw, c.sw);
  std::vector<double> out(static_cast<size_t>(c.n) * c.oh * c.ow * c.o, 0.0);
  for (int b = 0; b < c.n; ++b)
    for (int iy = 0; iy < c.h; ++iy)
      for (int ix = 0; ix < c.w; ++ix)
        for (int fy = 0; fy < c.kh; ++fy)
          for (int fx = 0; fx < c.kw; ++fx) {
            const int oy = iy * c.sh - pt + fy;
            const int ox = ix * c.sw - pl + fx;
            if (oy < 0 || oy >= c.oh || ox < 0 || ox >= c.ow) continue;
            for (int oc = 0; oc < c.o; ++oc)
              for (int ic = 0; ic < c.c; ++ic) {
                out[((b * c.oh + oy) * c.ow + ox) * c.o + oc] +=
                    in[((b * c.h + iy) * c.w + ix) * c.c + ic] *
                    w[((oc * c.kh + fy) * c.kw + fx) * c.c + ic];
              }
          }
  if (!bias.empty()) {
    for (size_t i = 0; i < out.size(); ++i) out[i] += bias[i % c.o];
  }
  return out;
}

ir::TransposeConvParams Params(const TcCase& c) {
  ir::TransposeConvParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.activation = c.act;
  return p;
}

std::vector<double> ToDouble(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

::testing::Message Describe(const TcCase& c) {
  return ::testing::Message()
         << "in " << c.n << "x" << c.h << "x" << c.w << "x" << c.c
         << " weights " << c.o << "x" << c.kh << "x" << c.kw << " stride "
         << c.sh << "x" << c.sw << " out " << c.oh << "x" << c.ow << " same "
         << (c.padding == Padding::kSame) << " act " << static_cast<int>(c.act)
         << " bias " << c.bias;
}

Result<std::vector<uint8_t>> FloatModel(const TcCase& c,
                                        const std::vector<float>& w,
                                        const std::vector<float>& bias) {
  tflite::ModelBuilder b;
  int shape =
      b.AddConstant<int32_t>("output_shape", {4}, {c.n, c.oh, c.ow, c.o});
  int wt = b.AddConstant<float>("w", {c.o, c.kh, c.kw, c.c}, w);
  int x = b.AddInput("x", DType::kFloat32, {c.n, c.h, c.w, c.c});
  std::vector<int> inputs = {shape, wt, x};
  if (c.bias) inputs.push_back(b.AddConstant<float>("b", {c.o}, bias));
  int y = b.AddTensor("y", DType::kFloat32, Shape{c.n, c.oh, c.ow, c.o});
  b.AddOp(ir::OpCode::kTransposeConv, inputs, {y}, Params(c));
  b.MarkOutput(y);
  return b.Build();
}

void RunFloatCase(const TcCase& c, Rng& rng, bool also_tflite) {
  SCOPED_TRACE(Describe(c));
  std::vector<float> input = rng.Floats(c.n * c.h * c.w * c.c, -2.0f, 2.0f);
  std::vector<float> w = rng.Floats(c.o * c.kh * c.kw * c.c);
  std::vector<float> bias = c.bias ? rng.Floats(c.o) : std::vector<float>{};
  auto model = FloatModel(c, w, bias);
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<HostTensor> in = {
      HostTensor::From<float>({c.n, c.h, c.w, c.c}, input)};
  auto out = testing::RunMai(*model, in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{c.n, c.oh, c.ow, c.o}));
  std::vector<double> expected =
      ReferenceTransposeConv(c, ToDouble(input), ToDouble(w), ToDouble(bias));
  for (double& e : expected) e = Act(e, c.act);
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected));
  if (also_tflite) {
    auto theirs = testing::RunTflite(*model, in);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                      theirs->at(0).values<float>(), 1e-5));
  }
}

TEST(TransposeConvTest, HandComputedStride2) {
  // 2x2 input, 2x2 filter of ones, stride 2, VALID: each input pixel fills
  // its own 2x2 output block; bias 1.
  TcCase c;
  c.h = c.w = 2;
  c.c = c.o = 1;
  c.kh = c.kw = 2;
  c.oh = c.ow = 4;
  c.padding = Padding::kValid;
  auto model = FloatModel(c, {1, 1, 1, 1}, {1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(
      out->at(0).values<float>(),
      (std::vector<float>{2, 2, 3, 3, 2, 2, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5}));
}

TEST(TransposeConvTest, HandComputedSameOverlap) {
  // 1x2 input {1, 10}, 1x3 filter {1, 2, 3}, stride 2, SAME, output width 4:
  // total padding (2-1)*2+3-4 = 1, leading 0. Input 0 writes x=0..2 with
  // {1,2,3}; input 1 writes x=2..4 (4 clipped) with {10,20}.
  TcCase c;
  c.h = 1;
  c.w = 2;
  c.c = c.o = 1;
  c.kh = 1;
  c.kw = 3;
  c.sh = 1;
  c.sw = 2;
  c.oh = 1;
  c.ow = 4;
  c.bias = false;
  auto model = FloatModel(c, {1, 2, 3}, {});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 1, 2, 1}, {1, 10})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{1, 2, 13, 20}));
}

TcCase RandomCase(Rng& rng, bool odd_output) {
  TcCase c;
  c.n = rng.Int(1, 2);
  c.h = rng.Int(1, 5);
  c.w = rng.Int(1, 5);
  c.c = rng.Int(1, 5);
  c.o = rng.Int(1, 5);
  c.kh = rng.Int(1, 4);
  c.kw = rng.Int(1, 4);
  c.sh = rng.Int(1, 3);
  c.sw = rng.Int(1, 3);
  c.padding = rng.Int(0, 1) ? Padding::kSame : Padding::kValid;
  // The output size a forward conv would map back onto the input.
  if (c.padding == Padding::kSame) {
    c.oh = c.h * c.sh;
    c.ow = c.w * c.sw;
  } else {
    c.oh = (c.h - 1) * c.sh + c.kh;
    c.ow = (c.w - 1) * c.sw + c.kw;
  }
  if (odd_output) {
    // Any other size whose forward conv maps back onto the input size:
    // SAME covers ((H-1)*s, H*s], VALID [(H-1)*s+K, (H-1)*s+K+s-1]. (TFLite's
    // own kernels disagree with each other outside these ranges.)
    const int dy = rng.Int(0, c.sh - 1), dx = rng.Int(0, c.sw - 1);
    c.oh += c.padding == Padding::kSame ? -dy : dy;
    c.ow += c.padding == Padding::kSame ? -dx : dx;
  }
  c.bias = rng.Int(0, 3) != 0;
  return c;
}

TEST(TransposeConvTest, FloatRandomCases) {
  Rng rng(1001);
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 40; ++iter) {
    TcCase c = RandomCase(rng, iter % 2 == 1);
    c.act = acts[iter % 4];
    RunFloatCase(c, rng, /*also_tflite=*/false);
  }
}

TEST(TransposeConvTest, FloatMatchesTflite) {
  // Checks the padding rule against TFLite itself, odd output sizes included.
  Rng rng(1002);
  for (int iter = 0; iter < 10; ++iter) {
    RunFloatCase(RandomCase(rng, iter % 2 == 1), rng, /*also_tflite=*/true);
  }
}

template <typename T>
void RunQuantizedCase(const TcCase& c, Rng& rng) {
  SCOPED_TRACE(Describe(c) << " " << DTypeName(DTypeOf<T>()));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(kInt8 ? c.o : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  std::vector<T> input = rng.Ints<T>(c.n * c.h * c.w * c.c, qmin, qmax);
  std::vector<T> w =
      rng.Ints<T>(c.o * c.kh * c.kw * c.c, kInt8 ? -127 : 0, qmax);
  std::vector<int32_t> bias = rng.Ints<int32_t>(c.o, -3000, 3000);

  std::vector<double> in_real, w_real, b_real;
  for (T v : input) in_real.push_back(in_scale * (static_cast<int>(v) - in_zp));
  for (size_t i = 0; i < w.size(); ++i) {
    const int oc = static_cast<int>(i) / (c.kh * c.kw * c.c);
    w_real.push_back(w_scale[kInt8 ? oc : 0] * (static_cast<int>(w[i]) - w_zp));
  }
  std::vector<float> bias_scale(c.o);
  for (int oc = 0; oc < c.o; ++oc) {
    bias_scale[oc] = in_scale * w_scale[kInt8 ? oc : 0];
    if (c.bias)
      b_real.push_back(static_cast<double>(bias_scale[oc]) * bias[oc]);
  }
  std::vector<double> real = ReferenceTransposeConv(c, in_real, w_real, b_real);
  double max_abs = 1e-3;
  for (double v : real) max_abs = std::max(max_abs, std::fabs(v));
  const float out_scale = static_cast<float>(max_abs / 100.0);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int shape =
      b.AddConstant<int32_t>("output_shape", {4}, {c.n, c.oh, c.ow, c.o});
  ir::QuantParams wq = kInt8 ? testing::PerChannelQuant(w_scale, 0)
                             : testing::Quant(w_scale[0], w_zp);
  int wt = b.AddConstant<T>("w", {c.o, c.kh, c.kw, c.c}, w, wq);
  int x = b.AddInput("x", DTypeOf<T>(), {c.n, c.h, c.w, c.c},
                     testing::Quant(in_scale, in_zp));
  std::vector<int> inputs = {shape, wt, x};
  if (c.bias) {
    inputs.push_back(b.AddConstant<int32_t>(
        "b", {c.o}, bias, testing::PerChannelQuant(bias_scale, 0)));
  }
  int y = b.AddTensor("y", DTypeOf<T>(), Shape{c.n, c.oh, c.ow, c.o},
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kTransposeConv, inputs, {y}, Params(c));
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
  if (v.size() > 8) EXPECT_GT(*hi - *lo, 20);
}

TEST(TransposeConvTest, Int8PerChannelMatchesTflite) {
  Rng rng(555);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter % 3 == 2), rng);
  }
}

TEST(TransposeConvTest, UInt8MatchesTflite) {
  Rng rng(556);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomCase(rng, iter % 3 == 2), rng);
  }
}

TEST(TransposeConvTest, RejectsNonConstantOutputShape) {
  tflite::ModelBuilder b;
  int shape = b.AddInput("output_shape", DType::kInt32, {4});
  int wt = b.AddConstant<float>("w", {1, 2, 2, 1}, {1, 1, 1, 1});
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 1});
  b.AddOp(ir::OpCode::kTransposeConv, {shape, wt, x}, {y},
          ir::TransposeConvParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;
  auto out = testing::RunMai(
      *model, {HostTensor::From<int32_t>({4}, {1, 4, 4, 1}),
               HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})});
  EXPECT_FALSE(out.ok());
}

TEST(TransposeConvTest, RejectsOutputShapeChannelMismatch) {
  tflite::ModelBuilder b;
  int shape = b.AddConstant<int32_t>("output_shape", {4}, {1, 4, 4, 3});
  int wt = b.AddConstant<float>("w", {1, 2, 2, 1}, {1, 1, 1, 1});
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 3});
  b.AddOp(ir::OpCode::kTransposeConv, {shape, wt, x}, {y},
          ir::TransposeConvParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
