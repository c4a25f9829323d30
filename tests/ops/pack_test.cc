// PACK and UNPACK: random ranks, axes (negative too) and counts for every
// dtype against a coordinate reference, a round trip, agreement with TFLite,
// and bad axes / counts rejected.
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
  if (dtype == DType::kInt8) return Quant(0.5f, 4);
  if (dtype == DType::kUInt8) return Quant(0.5f, 120);
  return {};
}

std::vector<uint8_t> BuildPack(DType dtype, const Shape& shape, int count,
                               int axis) {
  ModelBuilder b;
  std::vector<int> inputs;
  for (int i = 0; i < count; ++i) {
    inputs.push_back(
        b.AddInput("x" + std::to_string(i), dtype, shape, QuantFor(dtype)));
  }
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kPack, inputs, {y}, ir::PackParams{count, axis});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<uint8_t> BuildUnpack(DType dtype, const Shape& shape, int axis) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int rank = static_cast<int>(shape.size());
  const int num = shape[axis < 0 ? axis + rank : axis];
  std::vector<int> outputs;
  for (int i = 0; i < num; ++i) {
    outputs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                  QuantFor(dtype)));
  }
  b.AddOp(ir::OpCode::kUnpack, {x}, outputs, ir::UnpackParams{num, axis});
  for (int y : outputs) b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Stacked coordinate c (rank r + 1) reads part c[axis] at c without axis.
HostTensor ReferencePack(const std::vector<HostTensor>& parts, int axis) {
  const int rank = static_cast<int>(parts[0].shape.size());
  if (axis < 0) axis += rank + 1;
  HostTensor out;
  out.dtype = parts[0].dtype;
  out.shape = parts[0].shape;
  out.shape.insert(out.shape.begin() + axis,
                   static_cast<int32_t>(parts.size()));
  const size_t es = DTypeSize(out.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  std::vector<int64_t> c(rank + 1);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = rank; d >= 0; --d) {
      c[d] = rem % out.shape[d];
      rem /= out.shape[d];
    }
    int64_t offset = 0;
    for (int d = 0; d <= rank; ++d) {
      if (d != axis) offset = offset * out.shape[d] + c[d];
    }
    std::memcpy(out.bytes.data() + k * es,
                parts[c[axis]].bytes.data() + offset * es, es);
  }
  return out;
}

TEST(PackTest, HandExample) {
  auto model = BuildPack(DType::kFloat32, {2}, 2, 1);
  auto out = testing::RunMai(model, {HostTensor::From<float>({2}, {1, 2}),
                                     HostTensor::From<float>({2}, {3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 2}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{1, 3, 2, 4}));
}

TEST(PackTest, RandomAxesEveryDTypeAndUnpackRoundTrip) {
  Rng rng(401);
  for (int iter = 0; iter < 42; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = iter % 4;  // parts of rank 0..3
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 3);
    const int count = rng.Int(1, 4);
    const int axis = rng.Int(-(rank + 1), rank);
    std::vector<HostTensor> parts;
    for (int i = 0; i < count; ++i)
      parts.push_back(RandomTensor(rng, dtype, shape));
    auto packed = testing::RunMai(BuildPack(dtype, shape, count, axis), parts);
    ASSERT_TRUE(packed.ok()) << packed.status().message();
    const HostTensor expected = ReferencePack(parts, axis);
    EXPECT_EQ(packed->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(packed->at(0).bytes, expected.bytes) << "iteration " << iter;

    // UNPACK along the same axis gives the parts back.
    auto unpacked =
        testing::RunMai(BuildUnpack(dtype, expected.shape, axis), {expected});
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().message();
    ASSERT_EQ(unpacked->size(), parts.size());
    for (int i = 0; i < count; ++i) {
      EXPECT_EQ(unpacked->at(i).shape, shape) << "iteration " << iter;
      EXPECT_EQ(unpacked->at(i).bytes, parts[i].bytes)
          << "iteration " << iter << " part " << i;
    }
  }
}

TEST(PackTest, UnpackHandExample) {
  // [[1 2 3] [4 5 6]] along axis -1: columns.
  auto model = BuildUnpack(DType::kInt32, {2, 3}, -1);
  auto out = testing::RunMai(
      model, {HostTensor::From<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ(out->at(0).values<int32_t>(), (std::vector<int32_t>{1, 4}));
  EXPECT_EQ(out->at(1).values<int32_t>(), (std::vector<int32_t>{2, 5}));
  EXPECT_EQ(out->at(2).values<int32_t>(), (std::vector<int32_t>{3, 6}));
}

TEST(PackTest, MatchesTflite) {
  Rng rng(402);
  for (DType dtype :
       {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}) {
    for (int axis : {0, 1, -1}) {
      const Shape shape = {3, 4};
      std::vector<HostTensor> parts;
      for (int i = 0; i < 3; ++i)
        parts.push_back(RandomTensor(rng, dtype, shape));
      auto model = BuildPack(dtype, shape, 3, axis);
      auto ours = testing::RunMai(model, parts);
      ASSERT_TRUE(ours.ok()) << ours.status().message();
      auto theirs = testing::RunTflite(model, parts);
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
      EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes)
          << DTypeName(dtype) << " " << axis;

      const HostTensor stacked = RandomTensor(rng, dtype, {2, 3, 4});
      auto umodel = BuildUnpack(dtype, stacked.shape, axis);
      auto uours = testing::RunMai(umodel, {stacked});
      ASSERT_TRUE(uours.ok()) << uours.status().message();
      auto utheirs = testing::RunTflite(umodel, {stacked});
      ASSERT_TRUE(utheirs.ok()) << utheirs.status().message();
      ASSERT_EQ(uours->size(), utheirs->size());
      for (size_t i = 0; i < uours->size(); ++i) {
        EXPECT_EQ(uours->at(i).shape, utheirs->at(i).shape);
        EXPECT_EQ(uours->at(i).bytes, utheirs->at(i).bytes) << DTypeName(dtype);
      }
    }
  }
}

TEST(PackTest, RejectsBadAxesAndCounts) {
  // PACK axis beyond rank + 1.
  {
    ModelBuilder b;
    const int x0 = b.AddInput("x0", DType::kFloat32, {2});
    const int x1 = b.AddInput("x1", DType::kFloat32, {2});
    const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 2});
    b.AddOp(ir::OpCode::kPack, {x0, x1}, {y}, ir::PackParams{2, 2});
    b.MarkOutput(y);
    auto model = b.Build();
    if (model.ok()) {
      EXPECT_FALSE(
          testing::RunMai(*model, {HostTensor::From<float>({2}, {1, 2}),
                                   HostTensor::From<float>({2}, {3, 4})})
              .ok());
    }
  }
  // PACK of parts with different shapes.
  {
    ModelBuilder b;
    const int x0 = b.AddInput("x0", DType::kFloat32, {2});
    const int x1 = b.AddInput("x1", DType::kFloat32, {3});
    const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 2});
    b.AddOp(ir::OpCode::kPack, {x0, x1}, {y}, ir::PackParams{2, 0});
    b.MarkOutput(y);
    auto model = b.Build();
    if (model.ok()) {
      EXPECT_FALSE(
          testing::RunMai(*model, {HostTensor::From<float>({2}, {1, 2}),
                                   HostTensor::From<float>({3}, {3, 4, 5})})
              .ok());
    }
  }
  // UNPACK into fewer outputs than the axis size.
  {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {3, 2});
    const int y0 = b.AddTensor("y0", DType::kFloat32, Shape{2});
    const int y1 = b.AddTensor("y1", DType::kFloat32, Shape{2});
    b.AddOp(ir::OpCode::kUnpack, {x}, {y0, y1}, ir::UnpackParams{2, 0});
    b.MarkOutput(y0);
    b.MarkOutput(y1);
    auto model = b.Build();
    if (model.ok()) {
      EXPECT_FALSE(testing::RunMai(*model, {HostTensor::From<float>(
                                               {3, 2}, std::vector<float>(6))})
                       .ok());
    }
  }
}

}  // namespace
}  // namespace mai
