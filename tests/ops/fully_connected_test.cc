// FULLY_CONNECTED: fp32 against double-precision math written here; int8
// and uint8 against real TensorFlow Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::Activation;
using testing::HostTensor;
using testing::Rng;

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

struct FcCase {
  Shape input{2, 3};
  int units = 4;
  bool keep_num_dims = false;
  bool bias = true;
  Activation act = Activation::kNone;
};

int Depth(const FcCase& c) { return c.input.back(); }
int64_t Rows(const FcCase& c) {
  return NumElementsUnchecked(c.input) / Depth(c);
}

Shape OutShape(const FcCase& c) {
  if (c.keep_num_dims) {
    Shape s = c.input;
    s.back() = c.units;
    return s;
  }
  return {static_cast<int32_t>(Rows(c)), c.units};
}

std::vector<double> ReferenceFc(const FcCase& c, const std::vector<double>& in,
                                const std::vector<double>& w,
                                const std::vector<double>& bias) {
  const int d = Depth(c);
  std::vector<double> out;
  for (int64_t r = 0; r < Rows(c); ++r)
    for (int u = 0; u < c.units; ++u) {
      double acc = bias.empty() ? 0.0 : bias[u];
      for (int i = 0; i < d; ++i) acc += in[r * d + i] * w[u * d + i];
      out.push_back(acc);
    }
  return out;
}

ir::FullyConnectedParams Params(const FcCase& c) {
  ir::FullyConnectedParams p;
  p.activation = c.act;
  p.keep_num_dims = c.keep_num_dims;
  return p;
}

void RunFloatCase(const FcCase& c, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << "input " << ShapeToString(c.input) << " units " << c.units
               << " keep " << c.keep_num_dims << " act "
               << static_cast<int>(c.act) << " bias " << c.bias);
  const int d = Depth(c);
  std::vector<float> input =
      rng.Floats(NumElementsUnchecked(c.input), -2.0f, 2.0f);
  std::vector<float> w = rng.Floats(c.units * d);
  std::vector<float> bias = c.bias ? rng.Floats(c.units) : std::vector<float>{};
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, c.input);
  int wt = b.AddConstant<float>("w", {c.units, d}, w);
  int bi = c.bias ? b.AddConstant<float>("b", {c.units}, bias) : ir::kNoTensor;
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kFullyConnected, {x, wt, bi}, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model, {HostTensor::From<float>(c.input, input)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, OutShape(c));
  std::vector<double> expected =
      ReferenceFc(c, std::vector<double>(input.begin(), input.end()),
                  std::vector<double>(w.begin(), w.end()),
                  std::vector<double>(bias.begin(), bias.end()));
  for (double& e : expected) e = Act(e, c.act);
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected));
}

TEST(FullyConnectedTest, HandComputed) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 2});
  int w = b.AddConstant<float>("w", {3, 2}, {1, 0, 0, 1, 1, 1});
  int bias = b.AddConstant<float>("b", {3}, {0, 0, -10});
  int y = b.AddTensor("y", DType::kFloat32, Shape{2, 3});
  ir::FullyConnectedParams p;
  p.activation = Activation::kRelu;
  b.AddOp(ir::OpCode::kFullyConnected, {x, w, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model,
                             {HostTensor::From<float>({2, 2}, {1, 2, 30, -4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  // rows: (1,2) -> 1, 2, relu(3-10)=0; (30,-4) -> 30, relu(-4)=0, 16.
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1, 2, 0, 30, 0, 16}));
}

TEST(FullyConnectedTest, FloatRandomCases) {
  Rng rng(99);
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 30; ++iter) {
    FcCase c;
    const int rank = rng.Int(1, 4);
    c.input.clear();
    for (int i = 0; i < rank; ++i) c.input.push_back(rng.Int(1, 4));
    c.input.back() = rng.Int(1, 20);
    c.units = rng.Int(1, 10);
    c.keep_num_dims = rng.Int(0, 1) == 1;
    c.bias = rng.Int(0, 3) != 0;
    c.act = acts[rng.Int(0, 3)];
    RunFloatCase(c, rng);
  }
}

TEST(FullyConnectedTest, FlattensLeadingDims) {
  // [2,3,4] input with weights [5,12]: flattened to [2,12] rows.
  Rng rng(7);
  const std::vector<float> input = rng.Floats(24);
  const std::vector<float> w = rng.Floats(60);
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 3, 4});
  int wt = b.AddConstant<float>("w", {5, 12}, w);
  int y = b.AddTensor("y", DType::kFloat32, Shape{2, 5});
  b.AddOp(ir::OpCode::kFullyConnected, {x, wt}, {y},
          ir::FullyConnectedParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({2, 3, 4}, input)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->at(0).shape, (Shape{2, 5}));
  std::vector<double> expected;
  for (int r = 0; r < 2; ++r)
    for (int u = 0; u < 5; ++u) {
      double acc = 0;
      for (int i = 0; i < 12; ++i)
        acc += double{input[r * 12 + i]} * w[u * 12 + i];
      expected.push_back(acc);
    }
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected));
}

template <typename T>
void RunQuantizedCase(const FcCase& c, bool per_channel, Rng& rng) {
  SCOPED_TRACE(::testing::Message()
               << DTypeName(DTypeOf<T>()) << " input " << ShapeToString(c.input)
               << " units " << c.units << " keep " << c.keep_num_dims << " act "
               << static_cast<int>(c.act) << " per_channel " << per_channel);
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const int d = Depth(c);
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(per_channel ? c.units : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  std::vector<T> input = rng.Ints<T>(NumElementsUnchecked(c.input), qmin, qmax);
  std::vector<T> w = rng.Ints<T>(c.units * d, kInt8 ? -127 : 0, qmax);
  std::vector<int32_t> bias = rng.Ints<int32_t>(c.units, -3000, 3000);

  std::vector<double> in_real, w_real, b_real;
  for (T v : input) in_real.push_back(in_scale * (static_cast<int>(v) - in_zp));
  for (size_t i = 0; i < w.size(); ++i) {
    const int u = static_cast<int>(i) / d;
    w_real.push_back(w_scale[per_channel ? u : 0] *
                     (static_cast<int>(w[i]) - w_zp));
  }
  std::vector<float> bias_scale(c.units);
  for (int u = 0; u < c.units; ++u) {
    bias_scale[u] = in_scale * w_scale[per_channel ? u : 0];
    if (c.bias) b_real.push_back(static_cast<double>(bias_scale[u]) * bias[u]);
  }
  std::vector<double> real = ReferenceFc(c, in_real, w_real, b_real);
  double max_abs = 1e-3;
  for (double v : real) max_abs = std::max(max_abs, std::fabs(v));
  const float out_scale = static_cast<float>(max_abs / 100.0);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x =
      b.AddInput("x", DTypeOf<T>(), c.input, testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = per_channel ? testing::PerChannelQuant(w_scale, 0)
                                   : testing::Quant(w_scale[0], w_zp);
  int wt = b.AddConstant<T>("w", {c.units, d}, w, wq);
  int bi = ir::kNoTensor;
  if (c.bias) {
    bi = b.AddConstant<int32_t>("b", {c.units}, bias,
                                per_channel
                                    ? testing::PerChannelQuant(bias_scale, 0)
                                    : testing::Quant(bias_scale[0], 0));
  }
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kFullyConnected, {x, wt, bi}, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();

  std::vector<HostTensor> in = {HostTensor::From<T>(c.input, input)};
  auto ours = testing::RunMai(*model, in);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(*model, in);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  std::vector<T> v = ours->at(0).values<T>();
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (c.act == Activation::kNone && v.size() > 8) EXPECT_GT(*hi - *lo, 20);
}

FcCase RandomQuantCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  FcCase c;
  c.input = {rng.Int(1, 4), rng.Int(1, 40)};
  if (iter % 3 == 1) c.input.insert(c.input.begin(), 2);
  c.units = rng.Int(2, 12);
  c.keep_num_dims = iter % 3 == 1 && iter % 2 == 0;
  c.bias = iter % 5 != 4;
  c.act = acts[iter % 4];
  return c;
}

TEST(FullyConnectedTest, Int8MatchesTflite) {
  Rng rng(123);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomQuantCase(rng, iter), /*per_channel=*/false,
                             rng);
  }
}

TEST(FullyConnectedTest, Int8PerChannelMatchesTflite) {
  Rng rng(125);
  for (int iter = 0; iter < 8; ++iter) {
    RunQuantizedCase<int8_t>(RandomQuantCase(rng, iter), /*per_channel=*/true,
                             rng);
  }
}

TEST(FullyConnectedTest, UInt8MatchesTflite) {
  Rng rng(124);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomQuantCase(rng, iter), /*per_channel=*/false,
                              rng);
  }
}

TEST(FullyConnectedTest, RejectsInputNotMultipleOfDepth) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 5});
  int wt = b.AddConstant<float>("w", {2, 3}, std::vector<float>(6, 1.0f));
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2});
  b.AddOp(ir::OpCode::kFullyConnected, {x, wt}, {y},
          ir::FullyConnectedParams{});
  b.MarkOutput(y);
  auto model = b.Build();
  if (!model.ok()) return;
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 5}, {1, 2, 3, 4, 5})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
