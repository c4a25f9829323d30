// L2_NORMALIZATION: fp32 against double-precision math written here,
// int8/uint8 against TensorFlow Lite.
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

std::vector<uint8_t> BuildModel(DType dtype, const Shape& shape,
                                const ir::QuantParams& in_q = {},
                                const ir::QuantParams& out_q = {},
                                ir::Activation act = ir::Activation::kNone) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", dtype, shape, in_q);
  int y = b.AddTensor("y", dtype, std::nullopt, out_q);
  b.AddOp(ir::OpCode::kL2Normalization, {x}, {y}, ir::L2NormParams{act});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

Shape RandomShape(Rng& rng) {
  Shape s;
  const int rank = rng.Int(1, 4);
  for (int d = 0; d < rank; ++d)
    s.push_back(rng.Int(1, d + 1 == rank ? 33 : 3));
  return s;
}

TEST(L2NormFloatTest, RandomShapesMatchDoubleReference) {
  Rng rng(4001);
  for (int iter = 0; iter < 30; ++iter) {
    Shape shape = RandomShape(rng);
    auto model = BuildModel(DType::kFloat32, shape);
    std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), -5, 5);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const int depth = shape.back();
    std::vector<double> want(x.size());
    for (size_t r = 0; r < x.size() / depth; ++r) {
      double sum = 0;
      for (int c = 0; c < depth; ++c)
        sum += double{x[r * depth + c]} * x[r * depth + c];
      const double norm = std::max(std::sqrt(sum), 1e-6);
      for (int c = 0; c < depth; ++c)
        want[r * depth + c] = x[r * depth + c] / norm;
    }
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), want, 1e-5))
        << "iter " << iter << " shape " << ShapeToString(shape);
  }
}

TEST(L2NormFloatTest, ZeroRowStaysZero) {
  auto model = BuildModel(DType::kFloat32, {2, 2});
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({2, 2}, {0, 0, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                    std::vector<double>{0, 0, 0.6, 0.8}, 1e-6));
}

class L2NormQuantizedTest : public ::testing::TestWithParam<DType> {};

TEST_P(L2NormQuantizedTest, RandomShapesMatchTflite) {
  const bool is_int8 = GetParam() == DType::kInt8;
  Rng rng(is_int8 ? 4101 : 4102);
  for (int iter = 0; iter < 30; ++iter) {
    Shape shape = RandomShape(rng);
    ir::QuantParams in_q =
        testing::Quant(rng.Uniform(0.01f, 0.2f),
                       is_int8 ? rng.Int(-30, 30) : rng.Int(90, 160));
    ir::QuantParams out_q = testing::Quant(1.0f / 128, is_int8 ? 0 : 128);
    auto model = BuildModel(GetParam(), shape, in_q, out_q);
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
        << "iter " << iter << " shape " << ShapeToString(shape);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, L2NormQuantizedTest,
                         ::testing::Values(DType::kInt8, DType::kUInt8));

TEST(L2NormQuantizedTest, KnownVector) {
  // (3, 4) / 5 = (0.6, 0.8) -> 0.6 * 128 = 76.8, 0.8 * 128 = 102.4.
  auto model = BuildModel(DType::kInt8, {1, 2}, testing::Quant(1.0f, 0),
                          testing::Quant(1.0f / 128, 0));
  auto out = testing::RunMai(model, {HostTensor::From<int8_t>({1, 2}, {3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  std::vector<int8_t> got = out->at(0).values<int8_t>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NEAR(got[0], 77, 1);
  EXPECT_NEAR(got[1], 102, 1);
}

TEST(L2NormQuantizedTest, RejectsWrongOutputQuantization) {
  auto model = BuildModel(DType::kUInt8, {1, 2}, testing::Quant(1.0f, 128),
                          testing::Quant(1.0f / 128, 0));
  auto out =
      testing::RunMai(model, {HostTensor::From<uint8_t>({1, 2}, {3, 4})});
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace mai
