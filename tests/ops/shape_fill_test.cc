// SHAPE (int32 and int64 outputs, ranks 0..5) and FILL (int32/int64 dims,
// every value dtype): hand-derived results, agreement with TFLite, and bad
// dims rejected.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;
using tflite::ModelBuilder;

std::vector<uint8_t> BuildShape(const Shape& in, DType out_type) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, in);
  const int y = b.AddTensor("y", out_type, std::nullopt);
  b.AddOp(ir::OpCode::kShape, {x}, {y}, ir::ShapeParams{out_type});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(ShapeTest, Int32AndInt64Outputs) {
  for (const Shape& in : {Shape{}, Shape{7}, Shape{2, 3}, Shape{1, 224, 224, 3},
                          Shape{2, 1, 4, 0, 5}}) {
    std::vector<float> x(NumElementsUnchecked(in), 1.5f);
    const HostTensor xt = HostTensor::From<float>(in, x);
    auto out32 = testing::RunMai(BuildShape(in, DType::kInt32), {xt});
    ASSERT_TRUE(out32.ok()) << out32.status().message();
    EXPECT_EQ(out32->at(0).shape, (Shape{static_cast<int32_t>(in.size())}));
    EXPECT_EQ(out32->at(0).values<int32_t>(),
              std::vector<int32_t>(in.begin(), in.end()));
    auto out64 = testing::RunMai(BuildShape(in, DType::kInt64), {xt});
    ASSERT_TRUE(out64.ok()) << out64.status().message();
    EXPECT_EQ(out64->at(0).dtype, DType::kInt64);
    EXPECT_EQ(out64->at(0).values<int64_t>(),
              std::vector<int64_t>(in.begin(), in.end()));
  }
}

// SHAPE, followed by a CAST to int32 when `out_type` is int64 (the oracle
// cannot return int64 tensors).
std::vector<uint8_t> BuildShapeForOracle(const Shape& in, DType out_type) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, in);
  const int y = b.AddTensor("y", out_type, std::nullopt);
  b.AddOp(ir::OpCode::kShape, {x}, {y}, ir::ShapeParams{out_type});
  int result = y;
  if (out_type == DType::kInt64) {
    result = b.AddTensor("y32", DType::kInt32, std::nullopt);
    b.AddOp(ir::OpCode::kCast, {y}, {result},
            ir::CastParams{DType::kInt64, DType::kInt32});
  }
  b.MarkOutput(result);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(ShapeTest, MatchesTflite) {
  for (DType out_type : {DType::kInt32, DType::kInt64}) {
    const Shape in = {2, 3, 5};
    const std::vector<HostTensor> inputs = {
        HostTensor::From<float>(in, std::vector<float>(30, 0.25f))};
    auto model = BuildShapeForOracle(in, out_type);
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).dtype, theirs->at(0).dtype);
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes);
  }
}

// FILL with constant dims and a value fed as a graph input.
template <typename D>
std::vector<uint8_t> BuildFill(DType value_dtype, const std::vector<D>& dims,
                               std::optional<Shape> out_shape = std::nullopt) {
  ModelBuilder b;
  const int d =
      b.AddConstant<D>("dims", {static_cast<int32_t>(dims.size())}, dims);
  const int v = b.AddInput("value", value_dtype, {});
  const int y = b.AddTensor("y", value_dtype, out_shape);
  b.AddOp(ir::OpCode::kFill, {d, v}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

HostTensor Scalar(DType dtype, const std::vector<uint8_t>& bytes) {
  HostTensor t;
  t.dtype = dtype;
  t.bytes = bytes;
  return t;
}

template <typename T>
std::vector<uint8_t> BytesOf(T v) {
  std::vector<uint8_t> b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

TEST(FillTest, EveryValueDType) {
  const std::vector<std::pair<DType, std::vector<uint8_t>>> values = {
      {DType::kFloat32, BytesOf<float>(-2.75f)},
      {DType::kInt32, BytesOf<int32_t>(-123456)},
      {DType::kInt64, BytesOf<int64_t>(int64_t{1} << 40)},
      {DType::kBool, {1}},
      {DType::kInt8, BytesOf<int8_t>(-5)},
      {DType::kUInt8, BytesOf<uint8_t>(250)},
      {DType::kInt16, BytesOf<int16_t>(-30000)}};
  for (const auto& [dtype, bytes] : values) {
    auto model = BuildFill<int32_t>(dtype, {2, 3});
    auto out = testing::RunMai(model, {Scalar(dtype, bytes)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, (Shape{2, 3}));
    EXPECT_EQ(out->at(0).dtype, dtype);
    std::vector<uint8_t> expected;
    for (int i = 0; i < 6; ++i)
      expected.insert(expected.end(), bytes.begin(), bytes.end());
    EXPECT_EQ(out->at(0).bytes, expected) << DTypeName(dtype);
  }
}

TEST(FillTest, Int64DimsScalarAndEmptyOutputs) {
  auto model = BuildFill<int64_t>(DType::kFloat32, {3, 1, 2});
  auto out =
      testing::RunMai(model, {Scalar(DType::kFloat32, BytesOf<float>(0.5f))});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3, 1, 2}));
  EXPECT_EQ(out->at(0).values<float>(), std::vector<float>(6, 0.5f));

  auto scalar = BuildFill<int32_t>(DType::kInt32, {});
  auto sout =
      testing::RunMai(scalar, {Scalar(DType::kInt32, BytesOf<int32_t>(9))});
  if (sout.ok()) {  // dims of shape [0]: a scalar output
    EXPECT_EQ(sout->at(0).shape, Shape{});
    EXPECT_EQ(sout->at(0).values<int32_t>(), std::vector<int32_t>{9});
  }

  auto empty = BuildFill<int32_t>(DType::kInt32, {4, 0});
  auto eout =
      testing::RunMai(empty, {Scalar(DType::kInt32, BytesOf<int32_t>(9))});
  ASSERT_TRUE(eout.ok()) << eout.status().message();
  EXPECT_EQ(eout->at(0).shape, (Shape{4, 0}));
  EXPECT_TRUE(eout->at(0).bytes.empty());
}

TEST(FillTest, MatchesTflite) {
  const std::vector<std::pair<DType, std::vector<uint8_t>>> values = {
      {DType::kFloat32, BytesOf<float>(3.25f)},
      {DType::kInt32, BytesOf<int32_t>(-7)},
      {DType::kBool, {1}},
      {DType::kInt16, BytesOf<int16_t>(-300)},
      {DType::kInt8, BytesOf<int8_t>(-3)}};
  for (const auto& [dtype, bytes] : values) {
    auto model = BuildFill<int32_t>(dtype, {2, 4, 3});
    const std::vector<HostTensor> inputs = {Scalar(dtype, bytes)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << DTypeName(dtype);
  }
}

TEST(FillTest, RejectsNegativeAndRunTimeDims) {
  auto negative = BuildFill<int32_t>(DType::kFloat32, {2, -3}, Shape{2, 3});
  EXPECT_FALSE(
      testing::RunMai(negative, {Scalar(DType::kFloat32, BytesOf<float>(1))})
          .ok());

  ModelBuilder b;
  const int d = b.AddInput("dims", DType::kInt32, {2});
  const int v = b.AddInput("value", DType::kFloat32, {});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 3});
  b.AddOp(ir::OpCode::kFill, {d, v}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<int32_t>({2}, {2, 3}),
                               Scalar(DType::kFloat32, BytesOf<float>(1))});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

}  // namespace
}  // namespace mai
