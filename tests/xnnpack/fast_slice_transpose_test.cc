// mai's fast SLICE, STRIDED_SLICE, TRANSPOSE and TILE on the xnnpack backend
// against the reference backend, byte for byte: seeded random shapes and
// specs (negative strides, every mask kind, size -1), every element size,
// the NHWC <-> NCHW permutations at odd sizes, and tensors large enough to
// run on two threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "xnnpack/fast_case_batch.h"

namespace mai {
namespace {

using testing::CaseBatch;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;

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

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

int32_t Len(const std::vector<int32_t>& v) {
  return static_cast<int32_t>(v.size());
}

std::string Describe(const char* op, DType dtype, const Shape& shape,
                     const std::vector<int32_t>& v) {
  std::string text = std::string(op) + " " + std::string(DTypeName(dtype)) +
                     " " + ShapeToString(shape) + " [";
  for (int32_t x : v) text += std::to_string(x) + " ";
  return text + "]";
}

void AddSlice(CaseBatch& batch, Rng& rng, DType dtype, const Shape& shape,
              const std::vector<int32_t>& begin,
              const std::vector<int32_t>& size) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int bi = batch.Constant<int32_t>("begin", {Len(begin)}, begin);
  const int si = batch.Constant<int32_t>("size", {Len(size)}, size);
  const int y = batch.Output(dtype, QuantFor(dtype),
                             Describe("slice", dtype, shape, size));
  batch.builder.AddOp(ir::OpCode::kSlice, {x, bi, si}, {y});
  batch.NextCase();
}

struct SliceSpec {
  std::vector<int32_t> begin, end, strides;
  ir::StridedSliceParams params;
};

void AddStridedSlice(CaseBatch& batch, Rng& rng, DType dtype,
                     const Shape& shape, const SliceSpec& spec) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int bi =
      batch.Constant<int32_t>("begin", {Len(spec.begin)}, spec.begin);
  const int ei = batch.Constant<int32_t>("end", {Len(spec.end)}, spec.end);
  const int si =
      batch.Constant<int32_t>("strides", {Len(spec.strides)}, spec.strides);
  const ir::StridedSliceParams& p = spec.params;
  const int y = batch.Output(
      dtype, QuantFor(dtype),
      Describe("strided_slice", dtype, shape, spec.strides) + " masks " +
          std::to_string(p.begin_mask) + "/" + std::to_string(p.end_mask) +
          "/" + std::to_string(p.ellipsis_mask) + "/" +
          std::to_string(p.new_axis_mask) + "/" +
          std::to_string(p.shrink_axis_mask));
  batch.builder.AddOp(ir::OpCode::kStridedSlice, {x, bi, ei, si}, {y}, p);
  batch.NextCase();
}

// A valid random spec: per entry either a plain range (any sign of stride,
// bounds possibly beyond the dim, begin/end masks), a shrunk axis, a new
// axis, or (once) an ellipsis.
SliceSpec RandomSliceSpec(Rng& rng, const Shape& shape) {
  SliceSpec s;
  const int rank = static_cast<int>(shape.size());
  int axis = 0;
  bool ellipsis_used = false;
  int new_axes = 0;
  while (axis < rank) {
    const int32_t bit = int32_t{1} << s.begin.size();
    const int pick = rng.Int(0, 9);
    if (pick == 0 && !ellipsis_used && rank >= 2) {
      ellipsis_used = true;
      s.params.ellipsis_mask |= bit;
      s.begin.push_back(0);
      s.end.push_back(0);
      s.strides.push_back(1);
      axis += rng.Int(1, rank - axis);
      continue;
    }
    if (pick == 1 && new_axes < 2) {
      ++new_axes;
      s.params.new_axis_mask |= bit;
      s.begin.push_back(0);
      s.end.push_back(1);
      s.strides.push_back(1);
      continue;
    }
    const int32_t dim = shape[axis];
    if (pick == 2) {
      s.params.shrink_axis_mask |= bit;
      s.begin.push_back(rng.Int(-dim, dim - 1));
      s.end.push_back(0);
      s.strides.push_back(1);
    } else {
      s.begin.push_back(rng.Int(-dim - 1, dim + 1));
      s.end.push_back(rng.Int(-dim - 1, dim + 1));
      s.strides.push_back(rng.Int(1, 3) * (rng.Int(0, 2) == 0 ? -1 : 1));
      if (rng.Int(0, 3) == 0) s.params.begin_mask |= bit;
      if (rng.Int(0, 3) == 0) s.params.end_mask |= bit;
    }
    ++axis;
  }
  return s;
}

void AddTranspose(CaseBatch& batch, Rng& rng, DType dtype, const Shape& shape,
                  const std::vector<int32_t>& perm) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int p = batch.Constant<int32_t>("perm", {Len(perm)}, perm);
  const int y = batch.Output(dtype, QuantFor(dtype),
                             Describe("transpose", dtype, shape, perm));
  batch.builder.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
  batch.NextCase();
}

void AddTile(CaseBatch& batch, Rng& rng, DType dtype, const Shape& shape,
             const std::vector<int32_t>& multiples) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int m =
      batch.Constant<int32_t>("multiples", {Len(multiples)}, multiples);
  const int y = batch.Output(dtype, QuantFor(dtype),
                             Describe("tile", dtype, shape, multiples));
  batch.builder.AddOp(ir::OpCode::kTile, {x, m}, {y});
  batch.NextCase();
}

TEST(FastSliceTest, RandomBoxesEveryDType) {
  Rng rng(9201);
  CaseBatch batch;
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 5;
    const Shape shape = RandomShape(rng, rank, 6);
    std::vector<int32_t> begin(rank), size(rank);
    for (int d = 0; d < rank; ++d) {
      begin[d] = rng.Int(0, shape[d] - 1);
      size[d] = rng.Int(0, 2) == 0 ? -1 : rng.Int(1, shape[d] - begin[d]);
    }
    AddSlice(batch, rng, dtype, shape, begin, size);
  }
  batch.ExpectExact();
}

TEST(FastSliceTest, LargeSliceOnTwoThreads) {
  Rng rng(9202);
  const Shape shape = {2, 60, 70, 12};
  CaseBatch batch;
  AddSlice(batch, rng, DType::kFloat32, shape, {0, 3, 1, 2}, {-1, 50, 61, 7});
  AddSlice(batch, rng, DType::kInt8, shape, {1, 0, 5, 0}, {1, 60, 60, 12});
  batch.ExpectExact();
}

TEST(FastStridedSliceTest, RandomSpecsEveryDType) {
  Rng rng(9203);
  CaseBatch batch;
  for (int iter = 0; iter < 120; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 6);
    AddStridedSlice(batch, rng, dtype, shape, RandomSliceSpec(rng, shape));
  }
  batch.ExpectExact();
}

TEST(FastStridedSliceTest, OffsetAndEmptyResults) {
  Rng rng(9204);
  const Shape shape = {3, 5, 4};
  SliceSpec offset{{1, 0, 1}, {2, 5, 2}, {1, 2, 1}, {}};
  offset.params.offset = true;
  CaseBatch batch;
  AddStridedSlice(batch, rng, DType::kFloat32, shape, offset);
  AddStridedSlice(batch, rng, DType::kFloat32, shape,
                  {{2, 0, 0}, {1, 5, 4}, {1, 1, 1}, {}});
  batch.ExpectExact();
}

TEST(FastStridedSliceTest, LargeStridesOnTwoThreads) {
  Rng rng(9205);
  const Shape shape = {2, 128, 128, 16};
  CaseBatch batch;
  // Unit stride on channels (contiguous runs), then stride 2 on width and
  // a reversed channel axis (gathered rows).
  AddStridedSlice(batch, rng, DType::kFloat32, shape,
                  {{0, 1, 0, 0}, {2, 127, 128, 12}, {1, 2, 3, 1}, {}});
  AddStridedSlice(batch, rng, DType::kUInt8, shape,
                  {{0, 0, 0, -1}, {2, 128, 128, -17}, {1, 1, 2, -1}, {}});
  batch.ExpectExact();
}

TEST(FastTransposeTest, RandomPermutationsEveryDType) {
  Rng rng(9206);
  CaseBatch batch;
  for (int iter = 0; iter < 84; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 6;
    const Shape shape = RandomShape(rng, rank, 5);
    std::vector<int32_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng.engine());
    AddTranspose(batch, rng, dtype, shape, perm);
  }
  batch.ExpectExact();
}

TEST(FastTransposeTest, LayoutChangesAtOddAndLargeSizes) {
  Rng rng(9207);
  const std::vector<Shape> shapes = {
      {1, 37, 53, 3}, {2, 7, 9, 33}, {1, 64, 80, 24}, {3, 1, 45, 70}};
  CaseBatch batch;
  for (const Shape& shape : shapes) {
    for (DType dtype :
         {DType::kFloat32, DType::kInt8, DType::kInt16, DType::kInt64}) {
      AddTranspose(batch, rng, dtype, shape, {0, 3, 1, 2});  // to NCHW
      AddTranspose(batch, rng, dtype, shape, {0, 2, 3, 1});  // to NHWC
    }
  }
  // A plain 2-D transpose and one that keeps the last axis (row copies).
  AddTranspose(batch, rng, DType::kFloat32, {300, 257}, {1, 0});
  AddTranspose(batch, rng, DType::kFloat32, {40, 50, 64}, {1, 0, 2});
  batch.ExpectExact();
}

TEST(FastTileTest, RandomMultiplesEveryDType) {
  Rng rng(9208);
  CaseBatch batch;
  for (int iter = 0; iter < 50; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 4);
    std::vector<int32_t> multiples(rank);
    for (int32_t& m : multiples) m = rng.Int(1, 3);
    AddTile(batch, rng, dtype, shape, multiples);
  }
  batch.ExpectExact();
}

TEST(FastTileTest, BroadcastsAndLargeTiles) {
  Rng rng(9209);
  CaseBatch batch;
  // Leading repeats (one block replicated), a column repeated along rows
  // (a transposing copy with stride 0), and a repeat in the middle (rows
  // copied on two threads).
  AddTile(batch, rng, DType::kFloat32, {1, 1, 1, 24}, {2, 40, 30, 1});
  AddTile(batch, rng, DType::kInt8, {50, 1}, {3, 700});
  AddTile(batch, rng, DType::kFloat32, {64, 1, 32}, {1, 50, 1});
  batch.ExpectExact();
}

}  // namespace
}  // namespace mai
