// Activations RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU,
// HARD_SWISH, LOGISTIC, TANH, ELU, GELU: float32 against double-precision
// formulas written here; int8/uint8 against the TFLite oracle (within 1) and
// against real-valued math (dequantize, apply, requantize).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::OpCode;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

std::vector<uint8_t> BuildUnary(OpCode op, DType dt, const Shape& shape,
                                const ir::QuantParams& qin = {},
                                const ir::QuantParams& qout = {},
                                ir::OpParams params = {}) {
  ModelBuilder b;
  const int x = b.AddInput("x", dt, shape, qin);
  const int y = b.AddTensor("y", dt, std::nullopt, qout);
  b.AddOp(op, {x}, {y}, std::move(params));
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

double GeluExact(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double GeluTanh(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

struct ActCase {
  OpCode op;
  std::function<double(double)> fn;
  ir::OpParams params;
};

std::vector<ActCase> AllActivations() {
  ir::LeakyReluParams leaky;
  leaky.alpha = 0.15f;
  ir::GeluParams gelu_approx;
  gelu_approx.approximate = true;
  return {
      {OpCode::kRelu, [](double x) { return std::max(x, 0.0); }, {}},
      {OpCode::kRelu6,
       [](double x) { return std::min(std::max(x, 0.0), 6.0); },
       {}},
      {OpCode::kReluN1To1,
       [](double x) { return std::min(std::max(x, -1.0), 1.0); },
       {}},
      {OpCode::kRelu0To1,
       [](double x) { return std::min(std::max(x, 0.0), 1.0); },
       {}},
      {OpCode::kLeakyRelu, [](double x) { return x > 0 ? x : 0.15 * x; },
       leaky},
      {OpCode::kHardSwish,
       [](double x) { return x * std::min(6.0, std::max(0.0, x + 3.0)) / 6.0; },
       {}},
      {OpCode::kLogistic,
       [](double x) { return 1.0 / (1.0 + std::exp(-x)); },
       {}},
      {OpCode::kTanh, [](double x) { return std::tanh(x); }, {}},
      {OpCode::kElu, [](double x) { return x < 0 ? std::expm1(x) : x; }, {}},
      {OpCode::kGelu, GeluExact, ir::GeluParams{}},
      {OpCode::kGelu, GeluTanh, gelu_approx},
  };
}

TEST(ActivationTest, Float32AgainstDouble) {
  Rng rng(1);
  const Shape shape = {2, 3, 5, 7};
  std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -8, 8);
  // Exact edges: 0, the clamp points and the hard-swish knees.
  const float edges[] = {0.0f,  6.0f,  -1.0f, 1.0f,  3.0f,
                         -3.0f, -0.0f, 20.0f, -20.0f};
  for (size_t i = 0; i < std::size(edges); ++i) x[i] = edges[i];
  for (const ActCase& c : AllActivations()) {
    auto model = BuildUnary(c.op, DType::kFloat32, shape, {}, {}, c.params);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    std::vector<double> expected(x.size());
    for (size_t i = 0; i < x.size(); ++i) expected[i] = c.fn(x[i]);
    EXPECT_TRUE(
        testing::NearRelative(out->at(0).values<float>(), expected, 1e-5))
        << ir::OpCodeName(c.op);
  }
}

TEST(ActivationTest, ReluFamilyHandValues) {
  const std::vector<float> x = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f, 7.0f};
  const std::pair<OpCode, std::vector<float>> cases[] = {
      {OpCode::kRelu, {0, 0, 0, 0.5f, 2, 7}},
      {OpCode::kRelu6, {0, 0, 0, 0.5f, 2, 6}},
      {OpCode::kReluN1To1, {-1, -0.5f, 0, 0.5f, 1, 1}},
      {OpCode::kRelu0To1, {0, 0, 0, 0.5f, 1, 1}},
  };
  for (const auto& [op, expected] : cases) {
    auto model = BuildUnary(op, DType::kFloat32, {6});
    auto out = testing::RunMai(model, {HostTensor::From<float>({6}, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<float>(), expected) << ir::OpCodeName(op);
  }
}

// Every input value once (so every table entry is exercised), plus a shape.
template <typename T>
std::vector<T> AllValues() {
  std::vector<T> v;
  for (int i = std::numeric_limits<T>::min();
       i <= std::numeric_limits<T>::max(); ++i) {
    v.push_back(static_cast<T>(i));
  }
  return v;
}

struct QuantCase {
  float in_scale;
  int in_zp;
  float out_scale;
  int out_zp;
};

template <typename T>
void CheckQuantized(const ActCase& c, const QuantCase& q, bool check_real) {
  const std::vector<T> x = AllValues<T>();
  const Shape shape = {2, 4, 32};
  auto model = BuildUnary(c.op, DTypeOf<T>(), shape, Quant(q.in_scale, q.in_zp),
                          Quant(q.out_scale, q.out_zp), c.params);
  const std::vector<HostTensor> inputs = {HostTensor::From<T>(shape, x)};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
      << ir::OpCodeName(c.op) << " " << DTypeName(DTypeOf<T>()) << " scale "
      << q.in_scale;
  if (!check_real) return;
  const std::vector<T> got = ours->at(0).template values<T>();
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = c.fn(q.in_scale * (x[i] - q.in_zp));
    const double e = std::min<double>(
        std::max<double>(std::round(r / q.out_scale) + q.out_zp,
                         std::numeric_limits<T>::min()),
        std::numeric_limits<T>::max());
    ASSERT_LE(std::fabs(got[i] - e), 1.0)
        << ir::OpCodeName(c.op) << " input " << static_cast<int>(x[i]);
  }
}

TEST(ActivationTest, QuantizedReluFamilyMatchesTflite) {
  for (const ActCase& c : AllActivations()) {
    if (c.op != OpCode::kRelu && c.op != OpCode::kRelu6 &&
        c.op != OpCode::kReluN1To1 && c.op != OpCode::kLeakyRelu) {
      continue;
    }
    CheckQuantized<int8_t>(c, {0.05f, -10, 0.05f, -10}, true);
    CheckQuantized<int8_t>(c, {0.03f, 5, 0.02f, -100}, true);
    CheckQuantized<int8_t>(c, {0.1f, 0, 0.3f, 20}, true);
    CheckQuantized<uint8_t>(c, {0.05f, 128, 0.05f, 128}, true);
    CheckQuantized<uint8_t>(c, {0.02f, 100, 0.03f, 3}, true);
  }
}

TEST(ActivationTest, QuantizedRelu0To1MatchesTflite) {
  const ActCase c = AllActivations()[3];
  ASSERT_EQ(c.op, OpCode::kRelu0To1);
  CheckQuantized<int8_t>(c, {0.01f, 0, 1.0f / 255, -128}, true);
  CheckQuantized<int8_t>(c, {0.02f, 7, 0.01f, 3}, true);
  CheckQuantized<uint8_t>(c, {0.01f, 128, 1.0f / 255, 0}, true);
}

TEST(ActivationTest, QuantizedHardSwishMatchesTflite) {
  const ActCase c = AllActivations()[5];
  ASSERT_EQ(c.op, OpCode::kHardSwish);
  CheckQuantized<int8_t>(c, {0.05f, -10, 0.04f, -60}, false);
  CheckQuantized<int8_t>(c, {0.1f, 0, 0.1f, -30}, false);
  CheckQuantized<int8_t>(c, {0.02f, 30, 0.01f, 0}, false);
  CheckQuantized<uint8_t>(c, {0.05f, 128, 0.04f, 30}, false);
  CheckQuantized<uint8_t>(c, {0.3f, 90, 0.2f, 10}, false);
}

TEST(ActivationTest, QuantizedLogisticTanhMatchTflite) {
  const std::vector<ActCase> all = AllActivations();
  const ActCase& logistic = all[6];
  const ActCase& tanh = all[7];
  ASSERT_EQ(logistic.op, OpCode::kLogistic);
  ASSERT_EQ(tanh.op, OpCode::kTanh);
  for (const float s : {0.02f, 0.06f, 0.1f}) {
    CheckQuantized<int8_t>(logistic, {s, 3, 1.0f / 256, -128}, true);
    CheckQuantized<uint8_t>(logistic, {s, 120, 1.0f / 256, 0}, true);
    CheckQuantized<int8_t>(tanh, {s, -4, 1.0f / 128, 0}, true);
    CheckQuantized<uint8_t>(tanh, {s, 131, 1.0f / 128, 128}, true);
  }
}

TEST(ActivationTest, QuantizedEluGeluMatchTflite) {
  const std::vector<ActCase> all = AllActivations();
  const ActCase& elu = all[8];
  ASSERT_EQ(elu.op, OpCode::kElu);
  CheckQuantized<int8_t>(elu, {0.05f, 10, 0.04f, 0}, true);
  CheckQuantized<int8_t>(elu, {0.02f, -3, 0.02f, 60}, true);
  for (const ActCase* gelu : {&all[9], &all[10]}) {
    ASSERT_EQ(gelu->op, OpCode::kGelu);
    CheckQuantized<int8_t>(*gelu, {0.05f, 0, 0.04f, -40}, true);
    CheckQuantized<uint8_t>(*gelu, {0.04f, 128, 0.03f, 20}, true);
  }
}

TEST(ActivationTest, ExtremeScalesAreHandled) {
  // Hostile quantization parameters give saturated results or an error,
  // never undefined behaviour.
  const std::vector<int8_t> x = AllValues<int8_t>();
  for (OpCode op :
       {OpCode::kRelu6, OpCode::kRelu, OpCode::kLeakyRelu, OpCode::kHardSwish,
        OpCode::kLogistic, OpCode::kTanh, OpCode::kElu}) {
    for (const auto& [si, so] :
         {std::pair{1e-30f, 1e30f}, std::pair{1e30f, 1e-30f},
          std::pair{3e38f, 1e-38f}}) {
      auto model =
          BuildUnary(op, DType::kInt8, {256}, Quant(si, 0), Quant(so, 0));
      auto out = testing::RunMai(model, {HostTensor::From<int8_t>({256}, x)});
      if (out.ok()) EXPECT_EQ(out->at(0).shape, (Shape{256}));
    }
  }
  auto zero_scale = BuildUnary(OpCode::kRelu, DType::kInt8, {4}, Quant(0.0f, 0),
                               Quant(0.1f, 0));
  EXPECT_FALSE(
      testing::RunMai(zero_scale, {HostTensor::From<int8_t>({4}, {1, 2, 3, 4})})
          .ok());
}

TEST(ActivationTest, UnsupportedQuantizedDtypeIsRejected) {
  // TFLite has no uint8 ELU; neither does mai.
  auto model = BuildUnary(OpCode::kElu, DType::kUInt8, {4}, Quant(0.1f, 128),
                          Quant(0.1f, 128));
  auto out =
      testing::RunMai(model, {HostTensor::From<uint8_t>({4}, {1, 2, 3, 4})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
