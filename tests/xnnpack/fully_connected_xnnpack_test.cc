// FULLY_CONNECTED on the XNNPACK backend against the reference backend:
// fp32, int8 (per-tensor weights: XNNPACK's qs8 fully connected;
// per-channel: a 1x1 qc8 convolution), uint8; keep_num_dims, inputs of
// rank 2 to 4, fused activations, 1 and 2 threads; non-constant weights
// fall back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tflite/model_builder.h"
#include "xnnpack/conv_test_util.h"

namespace mai {
namespace {

using ir::Activation;
using xnn_test::HostTensor;
using xnn_test::Rng;

struct FcCase {
  Shape input = {2, 8};  // last dim = depth unless keep_num_dims is false
  int depth = 8;
  int units = 5;
  Activation act = Activation::kNone;
  bool keep_num_dims = false;
  bool bias = true;
};

std::string Describe(const FcCase& c) {
  return fmt::format(
      "input {} depth {} units {} act {} keep_num_dims {} bias {}",
      ShapeToString(c.input), c.depth, c.units, static_cast<int>(c.act),
      c.keep_num_dims, c.bias);
}

Shape OutShape(const FcCase& c) {
  if (c.keep_num_dims) {
    Shape s = c.input;
    s.back() = c.units;
    return s;
  }
  return {static_cast<int32_t>(NumElementsUnchecked(c.input) / c.depth),
          c.units};
}

ir::FullyConnectedParams Params(const FcCase& c) {
  ir::FullyConnectedParams p;
  p.activation = c.act;
  p.keep_num_dims = c.keep_num_dims;
  return p;
}

std::vector<uint8_t> FloatModel(const FcCase& c, Rng& rng,
                                bool weights_as_input = false) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, c.input);
  const Shape w_shape = {c.units, c.depth};
  int f = weights_as_input ? b.AddInput("w", DType::kFloat32, w_shape)
                           : b.AddConstant<float>(
                                 "w", w_shape, rng.Floats(c.units * c.depth));
  std::vector<int> inputs = {x, f};
  if (c.bias) {
    inputs.push_back(b.AddConstant<float>("b", {c.units}, rng.Floats(c.units)));
  }
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  b.AddOp(ir::OpCode::kFullyConnected, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

void RunFloatCase(const FcCase& c, Rng& rng) {
  SCOPED_TRACE(Describe(c));
  std::vector<uint8_t> model = FloatModel(c, rng);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectXnnMatchesRef(
      model, {HostTensor::From<float>(
                 c.input, rng.Floats(NumElementsUnchecked(c.input), -2, 2))});
}

enum class QuantScheme { kPerTensor, kPerChannel };

template <typename T>
void RunQuantizedCase(const FcCase& c, QuantScheme scheme, Rng& rng) {
  SCOPED_TRACE(Describe(c) + " " + std::string(DTypeName(DTypeOf<T>())) +
               (scheme == QuantScheme::kPerChannel ? " per-channel" : ""));
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const int qmin = kInt8 ? -128 : 0, qmax = kInt8 ? 127 : 255;
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = kInt8 ? rng.Int(-20, 20) : rng.Int(100, 150);
  std::vector<float> w_scale(scheme == QuantScheme::kPerChannel ? c.units : 1);
  for (float& s : w_scale) s = rng.Uniform(0.002f, 0.02f);
  const int w_zp = kInt8 ? 0 : rng.Int(110, 140);
  const float out_scale =
      xnn_test::OutputScaleFor(c.depth, in_scale, w_scale[0]);
  const int out_zp = kInt8 ? rng.Int(-10, 10) : rng.Int(118, 138);

  tflite::ModelBuilder b;
  int x =
      b.AddInput("x", DTypeOf<T>(), c.input, testing::Quant(in_scale, in_zp));
  ir::QuantParams wq = scheme == QuantScheme::kPerChannel
                           ? testing::PerChannelQuant(w_scale, 0)
                           : testing::Quant(w_scale[0], w_zp);
  int f = b.AddConstant<T>(
      "w", {c.units, c.depth},
      rng.Ints<T>(c.units * c.depth, kInt8 ? -127 : 0, qmax), wq);
  std::vector<int> inputs = {x, f};
  if (c.bias) {
    std::vector<float> bias_scale(c.units);
    for (int o = 0; o < c.units; ++o) {
      bias_scale[o] = in_scale * w_scale[w_scale.size() == 1 ? 0 : o];
    }
    inputs.push_back(b.AddConstant<int32_t>(
        "b", {c.units}, rng.Ints<int32_t>(c.units, -3000, 3000),
        testing::PerChannelQuant(bias_scale, 0)));
  }
  int y = b.AddTensor("y", DTypeOf<T>(), OutShape(c),
                      testing::Quant(out_scale, out_zp));
  b.AddOp(ir::OpCode::kFullyConnected, inputs, {y}, Params(c));
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<HostTensor> in = {HostTensor::From<T>(
      c.input, rng.Ints<T>(NumElementsUnchecked(c.input), qmin, qmax))};
  xnn_test::ExpectXnnMatchesRef(*model, in);
  if (c.act == Activation::kNone && NumElementsUnchecked(OutShape(c)) > 16) {
    auto ref = testing::RunMai(*model, in, xnn_test::RefOptions());
    ASSERT_TRUE(ref.ok());
    EXPECT_TRUE(xnn_test::Spread(ref->at(0), 20)) << "degenerate output";
  }
}

FcCase RandomCase(Rng& rng, int iter) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  FcCase c;
  c.depth = rng.Int(1, 40);
  c.units = rng.Int(1, 20);
  c.act = acts[iter % 4];
  c.bias = rng.Int(0, 3) != 0;
  c.keep_num_dims = iter % 3 == 2;
  const int rank = rng.Int(2, 4);
  c.input.clear();
  for (int i = 0; i + 1 < rank; ++i) c.input.push_back(rng.Int(1, 3));
  c.input.push_back(c.depth);
  return c;
}

TEST(XnnFullyConnectedTest, HandComputed) {
  // x = (1, 2, 3), W = ((1, 0, -1), (2, 2, 2)), b = (0.5, -1), RELU:
  // (1 - 3 + 0.5, 12 - 1) = (-1.5 → 0, 11).
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 3});
  int f = b.AddConstant<float>("w", {2, 3}, {1, 0, -1, 2, 2, 2});
  int bias = b.AddConstant<float>("b", {2}, {0.5f, -1.0f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2});
  ir::FullyConnectedParams p;
  p.activation = Activation::kRelu;
  b.AddOp(ir::OpCode::kFullyConnected, {x, f, bias}, {y}, p);
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 3}, {1, 2, 3})},
                      xnn_test::XnnOptions(1));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{0.0f, 11.0f}));
  xnn_test::ExpectRunsOnXnnpack(*model);
}

TEST(XnnFullyConnectedTest, FloatRandomCases) {
  Rng rng(1001);
  for (int iter = 0; iter < 40; ++iter)
    RunFloatCase(RandomCase(rng, iter), rng);
}

TEST(XnnFullyConnectedTest, FloatClassifierHead) {
  Rng rng(1002);
  FcCase c;
  c.input = {1, 1024};
  c.depth = 1024;
  c.units = 101;
  RunFloatCase(c, rng);
  c.input = {3, 7, 64};
  c.depth = 64;
  c.units = 33;
  c.keep_num_dims = true;
  c.act = Activation::kRelu6;
  RunFloatCase(c, rng);
}

TEST(XnnFullyConnectedTest, Int8PerTensor) {
  Rng rng(1003);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                             rng);
  }
}

TEST(XnnFullyConnectedTest, Int8PerChannel) {
  Rng rng(1004);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<int8_t>(RandomCase(rng, iter), QuantScheme::kPerChannel,
                             rng);
  }
}

TEST(XnnFullyConnectedTest, UInt8) {
  Rng rng(1005);
  for (int iter = 0; iter < 12; ++iter) {
    RunQuantizedCase<uint8_t>(RandomCase(rng, iter), QuantScheme::kPerTensor,
                              rng);
  }
}

TEST(XnnFullyConnectedTest, QuantizedWide) {
  Rng rng(1006);
  FcCase c;
  c.input = {4, 300};
  c.depth = 300;
  c.units = 70;
  RunQuantizedCase<int8_t>(c, QuantScheme::kPerChannel, rng);
  RunQuantizedCase<int8_t>(c, QuantScheme::kPerTensor, rng);
  RunQuantizedCase<uint8_t>(c, QuantScheme::kPerTensor, rng);
}

TEST(XnnFullyConnectedTest, NonConstantWeightsFallBack) {
  Rng rng(1007);
  FcCase c;
  std::vector<uint8_t> model = FloatModel(c, rng, /*weights_as_input=*/true);
  ASSERT_FALSE(model.empty());
  xnn_test::ExpectFallsBack(model,
                            {HostTensor::From<float>({2, 8}, rng.Floats(16)),
                             HostTensor::From<float>({5, 8}, rng.Floats(40))},
                            "must be constant");
}

}  // namespace
}  // namespace mai
