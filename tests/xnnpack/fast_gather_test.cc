// mai's fast GATHER on the xnnpack backend against the reference backend,
// byte for byte: seeded random params/indices shapes, negative axes,
// batch_dims, int16/int32/int64 indices, every element size, a large gather
// on two threads, and an out-of-range index rejected at run time.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "xnnpack/fast_case_batch.h"

namespace mai {
namespace {

using testing::CaseBatch;
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
    std::vector<float> v = rng.Floats(n, -8, 8);
    if (n) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  } else {
    for (uint8_t& b : t.bytes) {
      b = static_cast<uint8_t>(dtype == DType::kBool ? rng.Int(0, 1)
                                                     : rng.Int(0, 255));
    }
  }
  return t;
}

ir::QuantParams QuantFor(DType dtype) {
  if (dtype == DType::kInt8) return Quant(0.5f, 1);
  if (dtype == DType::kUInt8) return Quant(0.5f, 127);
  return {};
}

// Indices of `index_dtype` in [0, limit).
HostTensor RandomIndices(Rng& rng, DType index_dtype, const Shape& shape,
                         int limit) {
  const int64_t n = NumElementsUnchecked(shape);
  std::vector<int64_t> v(n);
  for (int64_t& i : v) i = rng.Int(0, limit - 1);
  if (index_dtype == DType::kInt64) return HostTensor::From<int64_t>(shape, v);
  if (index_dtype == DType::kInt16) {
    return HostTensor::From<int16_t>(shape,
                                     std::vector<int16_t>(v.begin(), v.end()));
  }
  return HostTensor::From<int32_t>(shape,
                                   std::vector<int32_t>(v.begin(), v.end()));
}

void AddGather(CaseBatch& batch, Rng& rng, DType dtype, const Shape& params,
               DType index_dtype, const Shape& indices, int axis,
               int batch_dims) {
  const int rank = static_cast<int>(params.size());
  const int p =
      batch.Input("params", RandomTensor(rng, dtype, params), QuantFor(dtype));
  const int i = batch.Input(
      "indices", RandomIndices(rng, index_dtype, indices,
                               params[axis < 0 ? axis + rank : axis]));
  const int y = batch.Output(
      dtype, QuantFor(dtype),
      "gather " + std::string(DTypeName(dtype)) + " " + ShapeToString(params) +
          " by " + std::string(DTypeName(index_dtype)) + " " +
          ShapeToString(indices) + " axis " + std::to_string(axis) +
          " batch_dims " + std::to_string(batch_dims));
  batch.builder.AddOp(ir::OpCode::kGather, {p, i}, {y},
                      ir::GatherParams{axis, batch_dims});
  batch.NextCase();
}

TEST(FastGatherTest, RandomShapesAxesAndBatchDims) {
  Rng rng(9301);
  const DType index_dtypes[] = {DType::kInt32, DType::kInt64, DType::kInt16};
  CaseBatch batch;
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const DType index_dtype = index_dtypes[iter % 3];
    const int rank = 1 + iter % 4;
    Shape params(rank);
    for (int32_t& d : params) d = rng.Int(1, 5);
    const int axis = rng.Int(0, rank - 1);
    const int batch_dims = rng.Int(0, axis);
    Shape indices(params.begin(), params.begin() + batch_dims);
    const int extra = rng.Int(0, 2);
    for (int k = 0; k < extra; ++k) indices.push_back(rng.Int(1, 4));
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    const int batch_param = batch_dims > 0 && rng.Int(0, 1)
                                ? batch_dims - static_cast<int>(indices.size())
                                : batch_dims;
    AddGather(batch, rng, dtype, params, index_dtype, indices, axis_param,
              batch_param);
  }
  batch.ExpectExact();
}

TEST(FastGatherTest, EmbeddingRowsOnTwoThreads) {
  Rng rng(9302);
  CaseBatch batch;
  AddGather(batch, rng, DType::kFloat32, {500, 96}, DType::kInt32, {4, 90}, 0,
            0);
  // Channel gather: small rows, many of them.
  AddGather(batch, rng, DType::kFloat32, {1, 64, 64, 20}, DType::kInt64, {9},
            -1, 0);
  batch.ExpectExact();
}

TEST(FastGatherTest, OutOfRangeIndexFailsAtRun) {
  Rng rng(9303);
  const Shape params = {6, 3};
  ModelBuilder b;
  const int p = b.AddInput("params", DType::kFloat32, params);
  const int i = b.AddInput("indices", DType::kInt32, {4});
  const int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kGather, {p, i}, {y}, ir::GatherParams{0, 0});
  b.MarkOutput(y);
  const std::vector<uint8_t> model = testing::BuildModel(b);
  for (int32_t bad : {6, -1}) {
    const HostTensor indices = HostTensor::From<int32_t>({4}, {0, 2, bad, 1});
    auto out = testing::RunMai(
        model, {RandomTensor(rng, DType::kFloat32, params), indices},
        testing::XnnOptions());
    ASSERT_FALSE(out.ok()) << "index " << bad;
    EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange)
        << out.status().message();
  }
}

}  // namespace
}  // namespace mai
