// PRELU: float32 against double math with alpha broadcast along channels,
// rows and single elements; int8/uint8 against the TFLite oracle and against
// real-valued math (within 1); alpha that does not broadcast is rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

int64_t BroadcastSource(const Shape& out, const Shape& in, int64_t flat) {
  const int rank = static_cast<int>(out.size());
  const int offset = rank - static_cast<int>(in.size());
  int64_t src = 0;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t coord = flat % out[d];
    flat /= out[d];
    if (d >= offset) {
      const int32_t dim = in[d - offset];
      src += (dim == 1 ? 0 : coord) * stride;
      stride *= dim;
    }
  }
  return src;
}

// PRELU with a constant alpha (the usual form in models).
template <typename T>
std::vector<uint8_t> BuildPrelu(const Shape& x_shape, const Shape& alpha_shape,
                                const std::vector<T>& alpha,
                                const ir::QuantParams& qx = {},
                                const ir::QuantParams& qa = {},
                                const ir::QuantParams& qo = {}) {
  ModelBuilder b;
  const DType dt = DTypeOf<T>();
  const int x = b.AddInput("x", dt, x_shape, qx);
  const int a = b.AddConstant<T>("alpha", alpha_shape, alpha, qa);
  const int y = b.AddTensor("y", dt, std::nullopt, qo);
  b.AddOp(OpCode::kPrelu, {x, a}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(PreluTest, HandExample) {
  auto model = BuildPrelu<float>({2, 2}, {2}, {0.5f, -2.0f});
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({2, 2}, {-2, -3, 4, 0})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{-1, 6, 4, 0}));
}

TEST(PreluTest, Float32AlphaShapes) {
  Rng rng(5);
  const Shape x_shape = {2, 3, 4, 5};
  for (const Shape& alpha_shape : {Shape{5}, Shape{1, 1, 5}, Shape{3, 4, 5},
                                   Shape{1}, Shape{4, 1}, Shape{1, 3, 1, 1}}) {
    const std::vector<float> alpha =
        rng.Floats(NumElementsUnchecked(alpha_shape), -1, 1);
    const std::vector<float> x =
        rng.Floats(NumElementsUnchecked(x_shape), -5, 5);
    auto model = BuildPrelu<float>(x_shape, alpha_shape, alpha);
    auto out = testing::RunMai(model, {HostTensor::From<float>(x_shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->at(0).shape, x_shape);
    std::vector<double> expected(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      expected[i] =
          v >= 0 ? v : v * alpha[BroadcastSource(x_shape, alpha_shape, i)];
    }
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected))
        << "alpha " << ShapeToString(alpha_shape);
  }
}

template <typename T>
void CheckQuantized(uint32_t seed, int zp_base) {
  Rng rng(seed);
  constexpr int kLo = std::numeric_limits<T>::min();
  constexpr int kHi = std::numeric_limits<T>::max();
  struct Case {
    Shape x, alpha;
    float sx, sa, so;
    int zx, za, zo;
  };
  const std::vector<Case> cases = {
      {{1, 4, 4, 3}, {3}, 0.05f, 0.01f, 0.05f, 5, 0, 5},
      {{1, 3, 5, 2}, {1, 1, 2}, 0.1f, 0.004f, 0.06f, -10, 3, 0},
      {{2, 3, 4}, {3, 4}, 0.02f, 0.008f, 0.03f, 0, -5, -20},
      {{1, 2, 2, 6}, {1}, 0.2f, 0.02f, 0.1f, 20, 10, -4},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    const Case& k = cases[c];
    const std::vector<T> alpha =
        rng.Ints<T>(NumElementsUnchecked(k.alpha), kLo, kHi);
    const std::vector<T> x = rng.Ints<T>(NumElementsUnchecked(k.x), kLo, kHi);
    auto model =
        BuildPrelu<T>(k.x, k.alpha, alpha, Quant(k.sx, k.zx + zp_base),
                      Quant(k.sa, k.za + zp_base), Quant(k.so, k.zo + zp_base));
    const std::vector<HostTensor> inputs = {HostTensor::From<T>(k.x, x)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "case " << c;

    const std::vector<T> got = ours->at(0).template values<T>();
    for (size_t i = 0; i < x.size(); ++i) {
      const double rx = k.sx * (x[i] - (k.zx + zp_base));
      const double ra =
          k.sa * (alpha[BroadcastSource(k.x, k.alpha, i)] - (k.za + zp_base));
      const double r = rx >= 0 ? rx : rx * ra;
      const double e = std::min<double>(
          std::max<double>(std::round(r / k.so) + k.zo + zp_base, kLo), kHi);
      ASSERT_LE(std::fabs(got[i] - e), 1.0) << "case " << c << " element " << i;
    }
  }
}

TEST(PreluTest, Int8MatchesTflite) { CheckQuantized<int8_t>(11, 0); }
TEST(PreluTest, Uint8MatchesTflite) { CheckQuantized<uint8_t>(12, 128); }

TEST(PreluTest, NonBroadcastingAlphaIsRejected) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {2, 3});
  const int a = b.AddConstant<float>("alpha", {4}, {1, 2, 3, 4});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 3});
  b.AddOp(OpCode::kPrelu, {x, a}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  if (!bytes.ok()) return;
  auto out = testing::RunMai(
      *bytes, {HostTensor::From<float>({2, 3}, std::vector<float>(6))});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
