// RESHAPE, SQUEEZE, EXPAND_DIMS: output shapes derived by hand, bytes equal
// to the input's for every dtype, agreement with TFLite, and bad requests
// rejected at prepare.
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
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

const DType kDTypes[] = {DType::kFloat32, DType::kInt8,  DType::kUInt8,
                         DType::kInt16,   DType::kInt32, DType::kInt64,
                         DType::kBool};

HostTensor RandomTensor(Rng& rng, DType dtype, const Shape& shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  const int64_t n = NumElementsUnchecked(shape);
  t.bytes.resize(n * DTypeSize(dtype));
  if (dtype == DType::kFloat32) {
    std::vector<float> v = rng.Floats(n, -10, 10);
    if (n) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  } else {
    for (uint8_t& b : t.bytes)
      b = dtype == DType::kBool ? rng.Int(0, 1) : rng.Int(0, 255);
  }
  return t;
}

ir::QuantParams QuantFor(DType dtype) {
  if (dtype == DType::kInt8) return Quant(0.25f, -3);
  if (dtype == DType::kUInt8) return Quant(0.25f, 128);
  return {};
}

std::vector<uint8_t> Finish(ModelBuilder& b, int y) {
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// RESHAPE with a constant int32 shape tensor (or int64, or only options).
enum class ShapeSource { kInt32Tensor, kInt64Tensor, kOptions };

std::vector<uint8_t> BuildReshape(DType dtype, const Shape& in,
                                  const std::vector<int32_t>& target,
                                  ShapeSource source) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, in, QuantFor(dtype));
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  const int32_t n = static_cast<int32_t>(target.size());
  switch (source) {
    case ShapeSource::kInt32Tensor:
      b.AddOp(ir::OpCode::kReshape,
              {x, b.AddConstant<int32_t>("s", {n}, target)}, {y},
              ir::ReshapeParams{target, true});
      break;
    case ShapeSource::kInt64Tensor:
      b.AddOp(ir::OpCode::kReshape,
              {x, b.AddConstant<int64_t>(
                      "s", {n},
                      std::vector<int64_t>(target.begin(), target.end()))},
              {y});
      break;
    case ShapeSource::kOptions:
      b.AddOp(ir::OpCode::kReshape, {x}, {y}, ir::ReshapeParams{target, true});
      break;
  }
  return Finish(b, y);
}

std::vector<uint8_t> BuildSqueeze(DType dtype, const Shape& in,
                                  const std::vector<int32_t>& dims) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, in, QuantFor(dtype));
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kSqueeze, {x}, {y}, ir::SqueezeParams{dims});
  return Finish(b, y);
}

template <typename A>
std::vector<uint8_t> BuildExpandDims(DType dtype, const Shape& in, A axis) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, in, QuantFor(dtype));
  const int a = b.AddConstant<A>("axis", {1}, {axis});
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kExpandDims, {x, a}, {y});
  return Finish(b, y);
}

void ExpectCopy(const std::vector<uint8_t>& model, const HostTensor& x,
                const Shape& expected_shape) {
  auto out = testing::RunMai(model, {x});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).dtype, x.dtype);
  EXPECT_EQ(out->at(0).shape, expected_shape);
  EXPECT_EQ(out->at(0).bytes, x.bytes) << DTypeName(x.dtype);
}

TEST(ReshapeTest, InfersMinusOneForEveryDType) {
  Rng rng(101);
  for (DType dtype : kDTypes) {
    const HostTensor x = RandomTensor(rng, dtype, {2, 3, 4});
    ExpectCopy(
        BuildReshape(dtype, {2, 3, 4}, {4, -1}, ShapeSource::kInt32Tensor), x,
        {4, 6});
    ExpectCopy(
        BuildReshape(dtype, {2, 3, 4}, {-1, 2, 2}, ShapeSource::kInt64Tensor),
        x, {6, 2, 2});
    ExpectCopy(BuildReshape(dtype, {2, 3, 4}, {24}, ShapeSource::kOptions), x,
               {24});
  }
}

TEST(ReshapeTest, ScalarAndZeroSizedShapes) {
  Rng rng(102);
  const HostTensor one = RandomTensor(rng, DType::kFloat32, {1, 1});
  ExpectCopy(
      BuildReshape(DType::kFloat32, {1, 1}, {}, ShapeSource::kInt32Tensor), one,
      {});
  // Legacy converters wrote [0] in the options for a scalar.
  ExpectCopy(BuildReshape(DType::kFloat32, {1, 1}, {0}, ShapeSource::kOptions),
             one, {});
  const HostTensor scalar = RandomTensor(rng, DType::kInt32, {});
  ExpectCopy(
      BuildReshape(DType::kInt32, {}, {1, -1}, ShapeSource::kInt32Tensor),
      scalar, {1, 1});
  const HostTensor empty = RandomTensor(rng, DType::kFloat32, {0, 3});
  ExpectCopy(BuildReshape(DType::kFloat32, {0, 3}, {3, 0, 2},
                          ShapeSource::kInt32Tensor),
             empty, {3, 0, 2});
  ExpectCopy(
      BuildReshape(DType::kFloat32, {0, 3}, {-1, 3}, ShapeSource::kInt32Tensor),
      empty, {0, 3});
}

TEST(ReshapeTest, RejectsBadTargets) {
  for (const std::vector<int32_t>& target :
       {std::vector<int32_t>{-1, -1}, {5, 5}, {7, -1}, {-2, 12}, {0, -1}}) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {2, 3, 4});
    const int s = b.AddConstant<int32_t>(
        "s", {static_cast<int32_t>(target.size())}, target);
    const int y = b.AddTensor("y", DType::kFloat32, Shape{24});
    b.AddOp(ir::OpCode::kReshape, {x, s}, {y});
    b.MarkOutput(y);
    auto model = b.Build();
    if (!model.ok()) continue;  // the builder may already refuse it
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({2, 3, 4}, std::vector<float>(24))});
    EXPECT_FALSE(out.ok()) << "target of " << target.size() << " dims accepted";
  }
}

TEST(ReshapeTest, RunTimeShapeTensorMustMatchThePlannedShape) {
  // The shape arrives as a graph input: the file's output shape is kept and
  // every Invoke checks the values against it.
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {2, 6});
  const int s = b.AddInput("s", DType::kInt32, {2});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{3, 4});
  b.AddOp(ir::OpCode::kReshape, {x, s}, {y});
  auto model = Finish(b, y);
  std::vector<float> values(12);
  for (int i = 0; i < 12; ++i) values[i] = 0.5f * i;
  const HostTensor xt = HostTensor::From<float>({2, 6}, values);
  auto ok =
      testing::RunMai(model, {xt, HostTensor::From<int32_t>({2}, {3, -1})});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->at(0).shape, (Shape{3, 4}));
  EXPECT_EQ(ok->at(0).values<float>(), values);
  auto bad =
      testing::RunMai(model, {xt, HostTensor::From<int32_t>({2}, {4, 3})});
  EXPECT_FALSE(bad.ok());
}

TEST(SqueezeTest, AllOnesListedAndNegativeDims) {
  Rng rng(103);
  for (DType dtype : kDTypes) {
    const HostTensor x = RandomTensor(rng, dtype, {1, 3, 1, 2, 1});
    ExpectCopy(BuildSqueeze(dtype, {1, 3, 1, 2, 1}, {}), x, {3, 2});
    ExpectCopy(BuildSqueeze(dtype, {1, 3, 1, 2, 1}, {2}), x, {1, 3, 2, 1});
    ExpectCopy(BuildSqueeze(dtype, {1, 3, 1, 2, 1}, {-1, 0}), x, {3, 1, 2});
  }
  const HostTensor ones = RandomTensor(rng, DType::kFloat32, {1, 1});
  ExpectCopy(BuildSqueeze(DType::kFloat32, {1, 1}, {}), ones, {});
}

TEST(SqueezeTest, RejectsDimThatIsNotOne) {
  for (const std::vector<int32_t>& dims :
       {std::vector<int32_t>{1}, {5}, {-6}}) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {1, 3, 1, 2, 1});
    const int y = b.AddTensor("y", DType::kFloat32, Shape{3, 2});
    b.AddOp(ir::OpCode::kSqueeze, {x}, {y}, ir::SqueezeParams{dims});
    b.MarkOutput(y);
    auto model = b.Build();
    if (!model.ok()) continue;
    auto out = testing::RunMai(
        *model,
        {HostTensor::From<float>({1, 3, 1, 2, 1}, std::vector<float>(6))});
    EXPECT_FALSE(out.ok()) << "squeeze dim " << dims[0] << " accepted";
  }
}

TEST(ExpandDimsTest, EveryAxisIncludingNegative) {
  Rng rng(104);
  const Shape in = {2, 3};
  const std::vector<std::pair<int32_t, Shape>> cases = {
      {0, {1, 2, 3}},  {1, {2, 1, 3}},  {2, {2, 3, 1}},
      {-1, {2, 3, 1}}, {-2, {2, 1, 3}}, {-3, {1, 2, 3}}};
  for (DType dtype : kDTypes) {
    const HostTensor x = RandomTensor(rng, dtype, in);
    for (const auto& [axis, shape] : cases) {
      ExpectCopy(BuildExpandDims<int32_t>(dtype, in, axis), x, shape);
    }
    ExpectCopy(BuildExpandDims<int64_t>(dtype, in, -1), x, {2, 3, 1});
  }
  // A scalar becomes [1].
  const HostTensor s = RandomTensor(rng, DType::kFloat32, {});
  ExpectCopy(BuildExpandDims<int32_t>(DType::kFloat32, {}, 0), s, {1});
}

TEST(ExpandDimsTest, RejectsAxisOutOfRange) {
  for (int32_t axis : {3, -4}) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {2, 3});
    const int a = b.AddConstant<int32_t>("axis", {1}, {axis});
    const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 3, 1});
    b.AddOp(ir::OpCode::kExpandDims, {x, a}, {y});
    b.MarkOutput(y);
    auto model = b.Build();
    if (!model.ok()) continue;  // rejected while building
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({2, 3}, std::vector<float>(6))});
    EXPECT_FALSE(out.ok()) << "axis " << axis << " accepted";
  }
}

void ExpectSameAsTflite(const std::vector<uint8_t>& model,
                        const HostTensor& x) {
  auto ours = testing::RunMai(model, {x});
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(model, {x});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
  EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << DTypeName(x.dtype);
}

TEST(ReshapeTest, MatchesTflite) {
  Rng rng(105);
  for (DType dtype : {DType::kFloat32, DType::kInt8, DType::kUInt8}) {
    const HostTensor x = RandomTensor(rng, dtype, {1, 4, 6});
    ExpectSameAsTflite(
        BuildReshape(dtype, {1, 4, 6}, {-1, 3}, ShapeSource::kInt32Tensor), x);
    ExpectSameAsTflite(BuildSqueeze(dtype, {1, 4, 6}, {}), x);
    ExpectSameAsTflite(BuildExpandDims<int32_t>(dtype, {1, 4, 6}, -2), x);
  }
}

}  // namespace
}  // namespace mai
