// TILE: random shapes and multiples (zero and int64 multiples included) for
// every dtype against a coordinate reference, agreement with TFLite, and
// bad multiples rejected.
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

Result<std::vector<uint8_t>> BuildTile(
    DType dtype, const Shape& shape, const std::vector<int32_t>& multiples,
    bool int64, std::optional<Shape> out_shape = std::nullopt) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int32_t n = static_cast<int32_t>(multiples.size());
  const int m =
      int64 ? b.AddConstant<int64_t>(
                  "multiples", {n},
                  std::vector<int64_t>(multiples.begin(), multiples.end()))
            : b.AddConstant<int32_t>("multiples", {n}, multiples);
  const int y = b.AddTensor("y", dtype, out_shape, QuantFor(dtype));
  b.AddOp(ir::OpCode::kTile, {x, m}, {y});
  b.MarkOutput(y);
  return b.Build();
}

// out[c] = in[c mod in.shape].
HostTensor ReferenceTile(const HostTensor& in,
                         const std::vector<int32_t>& multiples) {
  const int rank = static_cast<int>(in.shape.size());
  HostTensor out;
  out.dtype = in.dtype;
  out.shape.resize(rank);
  for (int d = 0; d < rank; ++d) out.shape[d] = in.shape[d] * multiples[d];
  const size_t es = DTypeSize(in.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k, offset = 0, scale = 1;
    for (int d = rank - 1; d >= 0; --d) {
      offset += (rem % out.shape[d]) % in.shape[d] * scale;
      scale *= in.shape[d];
      rem /= out.shape[d];
    }
    std::memcpy(out.bytes.data() + k * es, in.bytes.data() + offset * es, es);
  }
  return out;
}

TEST(TileTest, HandExample) {
  auto model = BuildTile(DType::kInt32, {2, 2}, {1, 2}, false);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model,
                             {HostTensor::From<int32_t>({2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 4}));
  EXPECT_EQ(out->at(0).values<int32_t>(),
            (std::vector<int32_t>{1, 2, 1, 2, 3, 4, 3, 4}));
}

TEST(TileTest, RandomEveryDType) {
  Rng rng(901);
  for (int iter = 0; iter < 56; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    std::vector<int32_t> multiples(rank);
    for (int d = 0; d < rank; ++d) {
      shape[d] = rng.Int(1, 3);
      multiples[d] = rng.Int(iter % 8 == 0 ? 0 : 1, 3);
    }
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildTile(dtype, shape, multiples, iter % 2 == 1);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto out = testing::RunMai(*model, {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected = ReferenceTile(x, multiples);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes) << "iteration " << iter;
  }
}

TEST(TileTest, ScalarAndEmptyInput) {
  Rng rng(902);
  const HostTensor empty = RandomTensor(rng, DType::kFloat32, {2, 0});
  auto model = BuildTile(DType::kFloat32, {2, 0}, {2, 3}, false);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model, {empty});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{4, 0}));
  EXPECT_TRUE(out->at(0).bytes.empty());
}

TEST(TileTest, MatchesTflite) {
  Rng rng(903);
  for (int iter = 0; iter < 12; ++iter) {
    const DType dtype = std::vector<DType>{
        DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}[iter % 4];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    std::vector<int32_t> multiples(rank);
    for (int d = 0; d < rank; ++d) {
      shape[d] = rng.Int(1, 4);
      multiples[d] = rng.Int(1, 3);
    }
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildTile(dtype, shape, multiples, iter % 3 == 0);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ours = testing::RunMai(*model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(*model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape) << "iteration " << iter;
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << "iteration " << iter;
  }
}

TEST(TileTest, RejectsBadMultiples) {
  for (const std::vector<int32_t>& m :
       {std::vector<int32_t>{-1, 1}, {1}, {1, 1, 1}, {1 << 30, 1 << 30}}) {
    auto model = BuildTile(DType::kFloat32, {2, 3}, m, false, Shape{2, 3});
    if (!model.ok()) continue;
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({2, 3}, std::vector<float>(6))});
    EXPECT_FALSE(out.ok()) << "multiples[0] " << m[0];
  }
}

}  // namespace
}  // namespace mai
