// XNNPACK SOFTMAX against the reference backend: fp32 (beta 1) within 1e-5,
// uint8 (any beta, folded into the input scale) within 1; other betas and
// int8 fall back.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai {
namespace {

using testing::BuildModel;
using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> SoftmaxModel(DType dtype, const Shape& shape, float beta,
                                  const ir::QuantParams& qin = {},
                                  const ir::QuantParams& qout = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, shape, qin);
  const int y = m.AddTensor("y", dtype, std::nullopt, qout);
  m.AddOp(ir::OpCode::kSoftmax, {x}, {y}, ir::SoftmaxParams{beta});
  m.MarkOutput(y);
  return BuildModel(m);
}

Shape RandomShape(Rng& rng) {
  Shape s(rng.Int(1, 4));
  for (int& d : s) d = rng.Int(1, 9);
  s.back() = rng.Int(1, 40);
  return s;
}

TEST(XnnSoftmaxTest, FloatMatchesReference) {
  Rng rng(7401);
  for (int iter = 0; iter < 30; ++iter) {
    const Shape shape = RandomShape(rng);
    auto model = SoftmaxModel(DType::kFloat32, shape, 1.0f);
    HostTensor x = HostTensor::From<float>(
        shape, rng.Floats(NumElementsUnchecked(shape), -10.0f, 10.0f));
    SCOPED_TRACE(ShapeToString(shape));
    testing::ExpectXnnMatchesRefFloat(model, {x});
  }
}

TEST(XnnSoftmaxTest, FloatRowsSumToOne) {
  // Independent of the reference: each row of exp(x - max) / sum.
  const Shape shape = {2, 3};
  auto model = SoftmaxModel(DType::kFloat32, shape, 1.0f);
  HostTensor x = HostTensor::From<float>(shape, {0, 1, 2, -50, 0, 50});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  const double e1 = std::exp(1.0), e2 = std::exp(2.0);
  const double s = 1 + e1 + e2;
  const std::vector<double> want = {
      1 / s, e1 / s, e2 / s, std::exp(-100.0), std::exp(-50.0), 1.0};
  EXPECT_TRUE(testing::NearRelative(y->at(0).values<float>(), want, 1e-6));
}

TEST(XnnSoftmaxTest, UInt8MatchesReferenceWithinOne) {
  Rng rng(7402);
  const auto qout = testing::Quant(1.0f / 256, 0);
  for (int iter = 0; iter < 30; ++iter) {
    const Shape shape = RandomShape(rng);
    const float beta = iter % 3 == 0 ? rng.Uniform(0.3f, 2.0f) : 1.0f;
    const auto qin = testing::Quant(rng.Uniform(0.02f, 0.2f), rng.Int(0, 255));
    auto model = SoftmaxModel(DType::kUInt8, shape, beta, qin, qout);
    HostTensor x = HostTensor::From<uint8_t>(
        shape, rng.Ints<uint8_t>(NumElementsUnchecked(shape), 0, 255));
    SCOPED_TRACE(::testing::Message()
                 << ShapeToString(shape) << " beta " << beta);
    testing::ExpectXnnMatchesRefQuantized(model, {x});
  }
}

TEST(XnnSoftmaxTest, DeclinedCasesFallBack) {
  Rng rng(7403);
  const Shape shape = {2, 7};
  {  // float with beta != 1
    auto model = SoftmaxModel(DType::kFloat32, shape, 0.5f);
    HostTensor x = HostTensor::From<float>(shape, rng.Floats(14, -3, 3));
    testing::ExpectFallsBack(model, {x});
  }
  {  // int8: no XNNPACK operator
    auto model =
        SoftmaxModel(DType::kInt8, shape, 1.0f, testing::Quant(0.1f, 0),
                     testing::Quant(1.0f / 256, -128));
    HostTensor x =
        HostTensor::From<int8_t>(shape, rng.Ints<int8_t>(14, -128, 127));
    testing::ExpectFallsBack(model, {x});
  }
}

}  // namespace
}  // namespace mai
