// SOFTMAX (beta) and LOG_SOFTMAX: fp32 against double-precision math
// written here, int8/uint8 against TensorFlow Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> BuildModel(ir::OpCode op, DType dtype, const Shape& shape,
                                float beta, const ir::QuantParams& in_q = {},
                                const ir::QuantParams& out_q = {}) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", dtype, shape, in_q);
  int y = b.AddTensor("y", dtype, std::nullopt, out_q);
  if (op == ir::OpCode::kSoftmax) {
    b.AddOp(op, {x}, {y}, ir::SoftmaxParams{beta});
  } else {
    b.AddOp(op, {x}, {y});
  }
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<double> Reference(bool log, const std::vector<float>& x, int depth,
                              double beta) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / depth; ++r) {
    const float* row = x.data() + r * depth;
    double m = row[0];
    for (int c = 1; c < depth; ++c) m = std::max(m, double{row[c]});
    double sum = 0;
    for (int c = 0; c < depth; ++c) sum += std::exp((row[c] - m) * beta);
    for (int c = 0; c < depth; ++c) {
      const double z = (row[c] - m) * beta;
      y[r * depth + c] = log ? z - std::log(sum) : std::exp(z) / sum;
    }
  }
  return y;
}

Shape RandomShape(Rng& rng) {
  Shape s;
  const int rank = rng.Int(1, 4);
  for (int d = 0; d < rank; ++d)
    s.push_back(rng.Int(1, d + 1 == rank ? 40 : 4));
  return s;
}

TEST(SoftmaxFloatTest, RandomShapesAndBetas) {
  Rng rng(3001);
  for (int iter = 0; iter < 30; ++iter) {
    Shape shape = RandomShape(rng);
    const float beta = iter % 3 == 0 ? 1.0f : rng.Uniform(0.1f, 3.0f);
    auto model = BuildModel(ir::OpCode::kSoftmax, DType::kFloat32, shape, beta);
    std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -10, 10);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, shape);
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                      Reference(false, x, shape.back(), beta),
                                      1e-5))
        << "iter " << iter << " shape " << ShapeToString(shape) << " beta "
        << beta;
  }
}

TEST(LogSoftmaxFloatTest, RandomShapes) {
  Rng rng(3002);
  for (int iter = 0; iter < 30; ++iter) {
    Shape shape = RandomShape(rng);
    auto model = BuildModel(ir::OpCode::kLogSoftmax, DType::kFloat32, shape, 1);
    std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -10, 10);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                      Reference(true, x, shape.back(), 1.0),
                                      1e-5))
        << "iter " << iter << " shape " << ShapeToString(shape);
  }
}

TEST(SoftmaxFloatTest, LargeValuesDoNotOverflow) {
  auto model = BuildModel(ir::OpCode::kSoftmax, DType::kFloat32, {1, 3}, 1);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({1, 3}, {1000, 1000, -1000})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                    std::vector<double>{0.5, 0.5, 0.0}, 1e-6));
}

struct QuantParam {
  ir::OpCode op;
  DType dtype;
};

class SoftmaxQuantizedTest : public ::testing::TestWithParam<QuantParam> {};

TEST_P(SoftmaxQuantizedTest, RandomShapesMatchTflite) {
  const QuantParam p = GetParam();
  const bool is_int8 = p.dtype == DType::kInt8;
  const bool log = p.op == ir::OpCode::kLogSoftmax;
  Rng rng(3100 + static_cast<int>(p.op) + static_cast<int>(p.dtype));
  for (int iter = 0; iter < 25; ++iter) {
    Shape shape = RandomShape(rng);
    const float beta = log || iter % 2 == 0 ? 1.0f : rng.Uniform(0.3f, 2.0f);
    ir::QuantParams in_q =
        testing::Quant(rng.Uniform(0.02f, 0.2f),
                       is_int8 ? rng.Int(-20, 20) : rng.Int(100, 150));
    ir::QuantParams out_q =
        log ? testing::Quant(16.0f / 256, is_int8 ? 127 : 255)
            : testing::Quant(1.0f / 256, is_int8 ? -128 : 0);
    auto model = BuildModel(p.op, p.dtype, shape, beta, in_q, out_q);
    const size_t n = NumElementsUnchecked(shape);
    HostTensor x =
        is_int8
            ? HostTensor::From<int8_t>(shape, rng.Ints<int8_t>(n, -128, 127))
            : HostTensor::From<uint8_t>(shape, rng.Ints<uint8_t>(n, 0, 255));
    auto ours = testing::RunMai(model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "iter " << iter << " shape " << ShapeToString(shape) << " beta "
        << beta;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, SoftmaxQuantizedTest,
    ::testing::Values(QuantParam{ir::OpCode::kSoftmax, DType::kInt8},
                      QuantParam{ir::OpCode::kSoftmax, DType::kUInt8},
                      QuantParam{ir::OpCode::kLogSoftmax, DType::kInt8},
                      QuantParam{ir::OpCode::kLogSoftmax, DType::kUInt8}));

TEST(SoftmaxQuantizedTest, RejectsWrongOutputQuantization) {
  auto model = BuildModel(ir::OpCode::kSoftmax, DType::kInt8, {1, 4}, 1,
                          testing::Quant(0.1f, 0), testing::Quant(0.1f, 0));
  auto out =
      testing::RunMai(model, {HostTensor::From<int8_t>({1, 4}, {1, 2, 3, 4})});
  EXPECT_FALSE(out.ok());
}

TEST(SoftmaxQuantizedTest, UniformRowIsUniform) {
  // Four equal inputs: each probability is 1/4 = 64/256 -> -128 + 64.
  auto model =
      BuildModel(ir::OpCode::kSoftmax, DType::kInt8, {1, 4}, 1,
                 testing::Quant(0.1f, 0), testing::Quant(1.0f / 256, -128));
  auto out =
      testing::RunMai(model, {HostTensor::From<int8_t>({1, 4}, {5, 5, 5, 5})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(), (std::vector<int8_t>(4, -64)));
}

}  // namespace
}  // namespace mai
