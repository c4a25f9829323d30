// MAX_POOL_2D and AVERAGE_POOL_2D: fp32 against double-precision pooling
// written here, int8/uint8 against TensorFlow Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

struct PoolCase {
  Shape input;  // NHWC
  ir::Pool2DParams params;
};

std::vector<uint8_t> BuildPoolModel(ir::OpCode op, DType dtype,
                                    const PoolCase& c,
                                    const ir::QuantParams& quant = {}) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", dtype, c.input, quant);
  int y = b.AddTensor("y", dtype, std::nullopt, quant);
  b.AddOp(op, {x}, {y}, c.params);
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Output size and leading padding of one dim, computed independently.
void Window(ir::Padding padding, int in, int filter, int stride, int* out,
            int* pad) {
  if (padding == ir::Padding::kSame) {
    *out = (in + stride - 1) / stride;
  } else {
    *out = (in - filter) / stride + 1;
  }
  *pad = std::max((*out - 1) * stride + filter - in, 0) / 2;
}

double ActivationClamp(double v, ir::Activation a) {
  switch (a) {
    case ir::Activation::kRelu:
      return std::max(v, 0.0);
    case ir::Activation::kRelu6:
      return std::clamp(v, 0.0, 6.0);
    case ir::Activation::kReluN1To1:
      return std::clamp(v, -1.0, 1.0);
    default:
      return v;
  }
}

std::vector<double> ReferencePool(bool is_max, const PoolCase& c,
                                  const std::vector<float>& x, Shape* shape) {
  const int n = c.input[0], h = c.input[1], w = c.input[2], ch = c.input[3];
  int oh, ow, ph, pw;
  Window(c.params.padding, h, c.params.filter_h, c.params.stride_h, &oh, &ph);
  Window(c.params.padding, w, c.params.filter_w, c.params.stride_w, &ow, &pw);
  *shape = {n, oh, ow, ch};
  std::vector<double> y;
  for (int b = 0; b < n; ++b) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        for (int k = 0; k < ch; ++k) {
          double acc = is_max ? -INFINITY : 0.0;
          int count = 0;
          for (int fy = 0; fy < c.params.filter_h; ++fy) {
            for (int fx = 0; fx < c.params.filter_w; ++fx) {
              const int iy = oy * c.params.stride_h - ph + fy;
              const int ix = ox * c.params.stride_w - pw + fx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const double v = x[((b * h + iy) * w + ix) * ch + k];
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          if (!is_max) acc /= count;
          y.push_back(ActivationClamp(acc, c.params.activation));
        }
      }
    }
  }
  return y;
}

PoolCase RandomCase(Rng& rng) {
  PoolCase c;
  c.input = {rng.Int(1, 2), rng.Int(1, 9), rng.Int(1, 9), rng.Int(1, 5)};
  c.params.filter_h = rng.Int(1, 4);
  c.params.filter_w = rng.Int(1, 4);
  c.params.stride_h = rng.Int(1, 3);
  c.params.stride_w = rng.Int(1, 3);
  c.params.padding = rng.Int(0, 1) ? ir::Padding::kSame : ir::Padding::kValid;
  if (c.params.padding == ir::Padding::kValid) {
    c.input[1] = std::max(c.input[1], c.params.filter_h);
    c.input[2] = std::max(c.input[2], c.params.filter_w);
  }
  const ir::Activation acts[] = {ir::Activation::kNone, ir::Activation::kRelu,
                                 ir::Activation::kRelu6,
                                 ir::Activation::kReluN1To1};
  c.params.activation = acts[rng.Int(0, 3)];
  return c;
}

class PoolFloatTest : public ::testing::TestWithParam<ir::OpCode> {};

TEST_P(PoolFloatTest, RandomShapesMatchDoubleReference) {
  const bool is_max = GetParam() == ir::OpCode::kMaxPool2D;
  Rng rng(is_max ? 1101 : 1102);
  for (int iter = 0; iter < 40; ++iter) {
    PoolCase c = RandomCase(rng);
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " input " << ShapeToString(c.input)
                 << " filter " << c.params.filter_h << "x" << c.params.filter_w
                 << " stride " << c.params.stride_h << "x" << c.params.stride_w
                 << " same " << (c.params.padding == ir::Padding::kSame));
    auto model = BuildPoolModel(GetParam(), DType::kFloat32, c);
    std::vector<float> x = rng.Floats(NumElementsUnchecked(c.input), -8, 8);
    auto out = testing::RunMai(model, {HostTensor::From<float>(c.input, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    Shape want_shape;
    std::vector<double> want = ReferencePool(is_max, c, x, &want_shape);
    EXPECT_EQ(out->at(0).shape, want_shape);
    std::vector<float> got = out->at(0).values<float>();
    EXPECT_TRUE(testing::NearRelative(got, want, 1e-5));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, PoolFloatTest,
                         ::testing::Values(ir::OpCode::kMaxPool2D,
                                           ir::OpCode::kAveragePool2D));

TEST(PoolFloatTest, AverageCountsOnlyValidElements) {
  // 2x2 input, 3x3 SAME window, stride 1: each output averages the 4
  // elements of the input, not 9 (padding is not counted).
  PoolCase c;
  c.input = {1, 2, 2, 1};
  c.params = {ir::Padding::kSame, 1, 1, 3, 3, ir::Activation::kNone};
  auto model = BuildPoolModel(ir::OpCode::kAveragePool2D, DType::kFloat32, c);
  auto out =
      testing::RunMai(model, {HostTensor::From<float>(c.input, {1, 2, 3, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{3, 3, 3, 3}));
}

struct QuantPoolParam {
  ir::OpCode op;
  DType dtype;
};

class PoolQuantizedTest : public ::testing::TestWithParam<QuantPoolParam> {};

TEST_P(PoolQuantizedTest, RandomShapesMatchTflite) {
  const QuantPoolParam p = GetParam();
  Rng rng(1200 + static_cast<int>(p.op) * 3 + static_cast<int>(p.dtype));
  const bool is_int8 = p.dtype == DType::kInt8;
  for (int iter = 0; iter < 25; ++iter) {
    PoolCase c = RandomCase(rng);
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " input " << ShapeToString(c.input));
    const float scale = rng.Uniform(0.01f, 0.1f);
    const int zp = is_int8 ? rng.Int(-20, 20) : rng.Int(100, 150);
    auto model = BuildPoolModel(p.op, p.dtype, c, testing::Quant(scale, zp));
    const size_t n = NumElementsUnchecked(c.input);
    HostTensor x =
        is_int8
            ? HostTensor::From<int8_t>(c.input, rng.Ints<int8_t>(n, -128, 127))
            : HostTensor::From<uint8_t>(c.input, rng.Ints<uint8_t>(n, 0, 255));
    auto ours = testing::RunMai(model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, PoolQuantizedTest,
    ::testing::Values(QuantPoolParam{ir::OpCode::kMaxPool2D, DType::kInt8},
                      QuantPoolParam{ir::OpCode::kMaxPool2D, DType::kUInt8},
                      QuantPoolParam{ir::OpCode::kAveragePool2D, DType::kInt8},
                      QuantPoolParam{ir::OpCode::kAveragePool2D,
                                     DType::kUInt8}));

TEST(PoolQuantizedTest, AverageRoundsHalfAwayFromZero) {
  // Windows summing to -3 and 3 over 2 elements: -1.5 -> -2, 1.5 -> 2.
  PoolCase c;
  c.input = {1, 1, 4, 1};
  c.params = {ir::Padding::kValid, 2, 1, 2, 1, ir::Activation::kNone};
  auto model = BuildPoolModel(ir::OpCode::kAveragePool2D, DType::kInt8, c,
                              testing::Quant(0.5f, 0));
  auto out = testing::RunMai(
      model, {HostTensor::From<int8_t>(c.input, {-1, -2, 1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(), (std::vector<int8_t>{-2, 2}));
}

// True when the model is refused, at build time or when mai prepares it.
bool Rejected(const tflite::ModelBuilder& b, const HostTensor& x) {
  auto bytes = b.Build();
  if (!bytes.ok()) return true;
  return !testing::RunMai(*bytes, {x}).ok();
}

TEST(PoolShapeTest, RejectsBadModels) {
  ir::Pool2DParams params = {ir::Padding::kValid,  1, 1, 5, 5,
                             ir::Activation::kNone};
  {  // VALID window larger than the input.
    tflite::ModelBuilder b;
    int x = b.AddInput("x", DType::kFloat32, {1, 3, 3, 1});
    int y = b.AddTensor("y", DType::kFloat32, Shape{1, 1, 1, 1});
    b.AddOp(ir::OpCode::kMaxPool2D, {x}, {y}, params);
    b.MarkOutput(y);
    EXPECT_TRUE(Rejected(
        b, HostTensor::From<float>({1, 3, 3, 1}, std::vector<float>(9, 1))));
  }
  {  // Rank-3 input.
    params.filter_h = params.filter_w = 1;
    tflite::ModelBuilder b;
    int x = b.AddInput("x", DType::kFloat32, {3, 3, 1});
    int y = b.AddTensor("y", DType::kFloat32, Shape{3, 3, 1});
    b.AddOp(ir::OpCode::kAveragePool2D, {x}, {y}, params);
    b.MarkOutput(y);
    EXPECT_TRUE(Rejected(
        b, HostTensor::From<float>({3, 3, 1}, std::vector<float>(9, 1))));
  }
  {  // Zero stride.
    params.stride_h = 0;
    tflite::ModelBuilder b;
    int x = b.AddInput("x", DType::kFloat32, {1, 3, 3, 1});
    int y = b.AddTensor("y", DType::kFloat32, Shape{1, 3, 3, 1});
    b.AddOp(ir::OpCode::kAveragePool2D, {x}, {y}, params);
    b.MarkOutput(y);
    EXPECT_TRUE(Rejected(
        b, HostTensor::From<float>({1, 3, 3, 1}, std::vector<float>(9, 1))));
  }
}

}  // namespace
}  // namespace mai
