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
#include <optional>
#include <string>
#include <vector>

#include "xnnpack/backend_compare.h"

namespace mai {
namespace {

using testing::ExpectXnnMatchesRefExactly;
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

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

int32_t Len(const std::vector<int32_t>& v) {
  return static_cast<int32_t>(v.size());
}

std::vector<uint8_t> BuildSlice(DType dtype, const Shape& shape,
                                const std::vector<int32_t>& begin,
                                const std::vector<int32_t>& size) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int bi = b.AddConstant<int32_t>("begin", {Len(begin)}, begin);
  const int si = b.AddConstant<int32_t>("size", {Len(size)}, size);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kSlice, {x, bi, si}, {y});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

struct SliceSpec {
  std::vector<int32_t> begin, end, strides;
  ir::StridedSliceParams params;
};

std::vector<uint8_t> BuildStridedSlice(DType dtype, const Shape& shape,
                                       const SliceSpec& spec) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int bi = b.AddConstant<int32_t>("begin", {Len(spec.begin)}, spec.begin);
  const int ei = b.AddConstant<int32_t>("end", {Len(spec.end)}, spec.end);
  const int si =
      b.AddConstant<int32_t>("strides", {Len(spec.strides)}, spec.strides);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kStridedSlice, {x, bi, ei, si}, {y}, spec.params);
  b.MarkOutput(y);
  return testing::BuildModel(b);
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

std::vector<uint8_t> BuildTranspose(DType dtype, const Shape& shape,
                                    const std::vector<int32_t>& perm) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int p = b.AddConstant<int32_t>("perm", {Len(perm)}, perm);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kTranspose, {x, p}, {y});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

std::vector<uint8_t> BuildTile(DType dtype, const Shape& shape,
                               const std::vector<int32_t>& multiples) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int m =
      b.AddConstant<int32_t>("multiples", {Len(multiples)}, multiples);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kTile, {x, m}, {y});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

TEST(FastSliceTest, RandomBoxesEveryDType) {
  Rng rng(9201);
  for (int iter = 0; iter < 35; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 5;
    const Shape shape = RandomShape(rng, rank, 6);
    std::vector<int32_t> begin(rank), size(rank);
    for (int d = 0; d < rank; ++d) {
      begin[d] = rng.Int(0, shape[d] - 1);
      size[d] = rng.Int(0, 2) == 0 ? -1 : rng.Int(1, shape[d] - begin[d]);
    }
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(BuildSlice(dtype, shape, begin, size),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastSliceTest, LargeSliceOnTwoThreads) {
  Rng rng(9202);
  const Shape shape = {2, 60, 70, 12};
  ExpectXnnMatchesRefExactly(
      BuildSlice(DType::kFloat32, shape, {0, 3, 1, 2}, {-1, 50, 61, 7}),
      {RandomTensor(rng, DType::kFloat32, shape)});
  ExpectXnnMatchesRefExactly(
      BuildSlice(DType::kInt8, shape, {1, 0, 5, 0}, {1, 60, 60, 12}),
      {RandomTensor(rng, DType::kInt8, shape)});
}

TEST(FastStridedSliceTest, RandomSpecsEveryDType) {
  Rng rng(9203);
  for (int iter = 0; iter < 63; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 6);
    const SliceSpec spec = RandomSliceSpec(rng, shape);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(BuildStridedSlice(dtype, shape, spec),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastStridedSliceTest, OffsetAndEmptyResults) {
  Rng rng(9204);
  const Shape shape = {3, 5, 4};
  SliceSpec offset{{1, 0, 1}, {2, 5, 2}, {1, 2, 1}, {}};
  offset.params.offset = true;
  ExpectXnnMatchesRefExactly(BuildStridedSlice(DType::kFloat32, shape, offset),
                             {RandomTensor(rng, DType::kFloat32, shape)});
  const SliceSpec empty{{2, 0, 0}, {1, 5, 4}, {1, 1, 1}, {}};
  ExpectXnnMatchesRefExactly(BuildStridedSlice(DType::kFloat32, shape, empty),
                             {RandomTensor(rng, DType::kFloat32, shape)});
}

TEST(FastStridedSliceTest, LargeStridesOnTwoThreads) {
  Rng rng(9205);
  const Shape shape = {2, 128, 128, 16};
  // Unit stride on channels (contiguous runs), then stride 2 on width and
  // a reversed channel axis (gathered rows).
  const SliceSpec runs{{0, 1, 0, 0}, {2, 127, 128, 12}, {1, 2, 3, 1}, {}};
  ExpectXnnMatchesRefExactly(BuildStridedSlice(DType::kFloat32, shape, runs),
                             {RandomTensor(rng, DType::kFloat32, shape)});
  const SliceSpec reversed{
      {0, 0, 0, -1}, {2, 128, 128, -17}, {1, 1, 2, -1}, {}};
  ExpectXnnMatchesRefExactly(BuildStridedSlice(DType::kUInt8, shape, reversed),
                             {RandomTensor(rng, DType::kUInt8, shape)});
}

TEST(FastTransposeTest, RandomPermutationsEveryDType) {
  Rng rng(9206);
  for (int iter = 0; iter < 36; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 6;
    const Shape shape = RandomShape(rng, rank, 5);
    std::vector<int32_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng.engine());
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(BuildTranspose(dtype, shape, perm),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastTransposeTest, LayoutChangesAtOddAndLargeSizes) {
  Rng rng(9207);
  const std::vector<int32_t> to_nchw = {0, 3, 1, 2};
  const std::vector<int32_t> to_nhwc = {0, 2, 3, 1};
  const std::vector<Shape> shapes = {
      {1, 37, 53, 3}, {2, 7, 9, 33}, {1, 64, 80, 24}, {3, 1, 45, 70}};
  for (const Shape& shape : shapes) {
    for (DType dtype :
         {DType::kFloat32, DType::kInt8, DType::kInt16, DType::kInt64}) {
      SCOPED_TRACE(ShapeToString(shape) + " " + std::string(DTypeName(dtype)));
      ExpectXnnMatchesRefExactly(BuildTranspose(dtype, shape, to_nchw),
                                 {RandomTensor(rng, dtype, shape)});
      ExpectXnnMatchesRefExactly(BuildTranspose(dtype, shape, to_nhwc),
                                 {RandomTensor(rng, dtype, shape)});
    }
  }
  // A plain 2-D transpose and one that keeps the last axis (row copies).
  const Shape matrix = {300, 257};
  ExpectXnnMatchesRefExactly(BuildTranspose(DType::kFloat32, matrix, {1, 0}),
                             {RandomTensor(rng, DType::kFloat32, matrix)});
  const Shape maps = {40, 50, 64};
  ExpectXnnMatchesRefExactly(BuildTranspose(DType::kFloat32, maps, {1, 0, 2}),
                             {RandomTensor(rng, DType::kFloat32, maps)});
}

TEST(FastTileTest, RandomMultiplesEveryDType) {
  Rng rng(9208);
  for (int iter = 0; iter < 28; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 4);
    std::vector<int32_t> multiples(rank);
    for (int32_t& m : multiples) m = rng.Int(1, 3);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(BuildTile(dtype, shape, multiples),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastTileTest, BroadcastsAndLargeTiles) {
  Rng rng(9209);
  const Shape pixel = {1, 1, 1, 24};
  ExpectXnnMatchesRefExactly(BuildTile(DType::kFloat32, pixel, {2, 40, 30, 1}),
                             {RandomTensor(rng, DType::kFloat32, pixel)});
  const Shape column = {50, 1};
  ExpectXnnMatchesRefExactly(BuildTile(DType::kInt8, column, {3, 700}),
                             {RandomTensor(rng, DType::kInt8, column)});
  // A repeat in the middle: rows copied on two threads.
  const Shape rows = {64, 1, 32};
  ExpectXnnMatchesRefExactly(BuildTile(DType::kFloat32, rows, {1, 50, 1}),
                             {RandomTensor(rng, DType::kFloat32, rows)});
}

}  // namespace
}  // namespace mai
