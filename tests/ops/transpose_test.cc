// TRANSPOSE: seeded random shapes and permutations of rank 1..6 for every
// dtype against an element-by-element reference, agreement with TFLite, and
// invalid or non-constant perms rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
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

std::vector<uint8_t> BuildTranspose(DType dtype, const Shape& in,
                                    const std::vector<int32_t>& perm) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, in, QuantFor(dtype));
  const int p =
      b.AddConstant<int32_t>("perm", {static_cast<int32_t>(perm.size())}, perm);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// out[c] = in[c'] with c'[perm[i]] = c[i], element by element.
HostTensor ReferenceTranspose(const HostTensor& in,
                              const std::vector<int32_t>& perm) {
  const int rank = static_cast<int>(in.shape.size());
  HostTensor out;
  out.dtype = in.dtype;
  out.shape.resize(rank);
  for (int i = 0; i < rank; ++i) out.shape[i] = in.shape[perm[i]];
  const size_t es = DTypeSize(in.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  std::vector<int64_t> coord(rank), src(rank);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = rank - 1; d >= 0; --d) {
      coord[d] = rem % out.shape[d];
      rem /= out.shape[d];
    }
    for (int i = 0; i < rank; ++i) src[perm[i]] = coord[i];
    int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset = offset * in.shape[d] + src[d];
    std::memcpy(out.bytes.data() + k * es, in.bytes.data() + offset * es, es);
  }
  return out;
}

TEST(TransposeTest, HandExample) {
  // [[0 1 2] [3 4 5]] transposed.
  auto model = BuildTranspose(DType::kFloat32, {2, 3}, {1, 0});
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({2, 3}, {0, 1, 2, 3, 4, 5})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3, 2}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(TransposeTest, RandomPermutationsEveryDType) {
  Rng rng(201);
  for (int iter = 0; iter < 42; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 6;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 4);
    if (rank > 0 && iter % 5 == 0) shape[rng.Int(0, rank - 1)] = 1;
    std::vector<int32_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng.engine());
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto out = testing::RunMai(BuildTranspose(dtype, shape, perm), {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected = ReferenceTranspose(x, perm);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes)
        << "iteration " << iter << " " << DTypeName(dtype) << " "
        << ShapeToString(shape);
  }
}

TEST(TransposeTest, ZeroSizedDim) {
  Rng rng(202);
  const HostTensor x = RandomTensor(rng, DType::kFloat32, {2, 0, 3});
  auto out = testing::RunMai(
      BuildTranspose(DType::kFloat32, {2, 0, 3}, {2, 0, 1}), {x});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3, 2, 0}));
  EXPECT_TRUE(out->at(0).bytes.empty());
}

TEST(TransposeTest, MatchesTflite) {
  Rng rng(203);
  const std::vector<std::pair<Shape, std::vector<int32_t>>> cases = {
      {{1, 4, 5, 3}, {0, 3, 1, 2}},
      {{2, 3, 4}, {2, 0, 1}},
      {{3, 2, 2, 1, 4}, {4, 2, 0, 3, 1}},
      {{6, 7}, {1, 0}}};
  for (DType dtype :
       {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}) {
    for (const auto& [shape, perm] : cases) {
      auto model = BuildTranspose(dtype, shape, perm);
      const std::vector<HostTensor> inputs = {RandomTensor(rng, dtype, shape)};
      auto ours = testing::RunMai(model, inputs);
      ASSERT_TRUE(ours.ok()) << ours.status().message();
      auto theirs = testing::RunTflite(model, inputs);
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
      EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes)
          << DTypeName(dtype) << " " << ShapeToString(shape);
    }
  }
}

TEST(TransposeTest, RejectsBadPerms) {
  for (const std::vector<int32_t>& perm :
       {std::vector<int32_t>{0, 0, 1}, {0, 1}, {0, 1, 3}, {-1, 0, 1}}) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {2, 3, 4});
    const int p = b.AddConstant<int32_t>(
        "perm", {static_cast<int32_t>(perm.size())}, perm);
    const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 3, 4});
    b.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
    b.MarkOutput(y);
    auto model = b.Build();
    if (!model.ok()) continue;
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({2, 3, 4}, std::vector<float>(24))});
    EXPECT_FALSE(out.ok());
  }
  // Rank 7 is beyond the supported 6.
  const Shape big = {1, 1, 1, 1, 1, 1, 2};
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, big);
  const int p = b.AddConstant<int32_t>("perm", {7}, {6, 5, 4, 3, 2, 1, 0});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{2, 1, 1, 1, 1, 1, 1});
  b.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model, {HostTensor::From<float>(big, {1, 2})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

TEST(TransposeTest, RejectsRunTimePerm) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {2, 3});
  const int p = b.AddInput("perm", DType::kInt32, {2});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{3, 2});
  b.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({2, 3}, std::vector<float>(6)),
               HostTensor::From<int32_t>({2}, {1, 0})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

}  // namespace
}  // namespace mai
