// mai's fast MEAN, SUM, REDUCE_MAX and REDUCE_MIN on the xnnpack backend
// against the reference backend: seeded random shapes whose reduced axes
// form one block (spatial axes of NHWC, leading or trailing axes, size-1
// dims in between, negative and repeated axes, keep_dims both ways); fp32
// within 1e-5 relative (the fast kernel sums in float, the reference in
// double), int8/uint8 exactly (both sum in integers and requantize with
// the same float formula); large global poolings on two threads; and
// the axis sets and dtypes the fast kernel declines fall back to the
// reference kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "xnnpack/fast_case_batch.h"

namespace mai {
namespace {

using testing::CaseBatch;
using testing::ExpectFallsBack;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

const ir::OpCode kOps[] = {ir::OpCode::kMean, ir::OpCode::kSum,
                           ir::OpCode::kReduceMax, ir::OpCode::kReduceMin};

std::vector<uint8_t> BuildReduce(ir::OpCode op, DType dtype, const Shape& shape,
                                 const std::vector<int32_t>& axes,
                                 bool keep_dims,
                                 const ir::QuantParams& in_quant = {},
                                 const ir::QuantParams& out_quant = {}) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, in_quant);
  const int a =
      b.AddConstant<int32_t>("axes", {static_cast<int32_t>(axes.size())}, axes);
  const int y = b.AddTensor("y", dtype, std::nullopt, out_quant);
  b.AddOp(op, {x, a}, {y}, ir::ReducerParams{keep_dims});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

// Adds one reduction of `input` to the batch.
void AddReduce(CaseBatch& batch, ir::OpCode op, const HostTensor& input,
               const std::vector<int32_t>& axes, bool keep_dims,
               const ir::QuantParams& in_quant = {},
               const ir::QuantParams& out_quant = {}) {
  const int x = batch.Input("x", input, in_quant);
  const int a = batch.Constant<int32_t>(
      "axes", {static_cast<int32_t>(axes.size())}, axes);
  std::string what = ir::OpCodeName(op) + " " +
                     std::string(DTypeName(input.dtype)) + " " +
                     ShapeToString(input.shape) + " axes";
  for (int32_t v : axes) what += " " + std::to_string(v);
  if (keep_dims) what += " keep_dims";
  const int y = batch.Output(input.dtype, out_quant, what);
  batch.builder.AddOp(op, {x, a}, {y}, ir::ReducerParams{keep_dims});
  batch.NextCase();
}

HostTensor RandomFloats(Rng& rng, const Shape& shape) {
  return HostTensor::From<float>(
      shape, rng.Floats(NumElementsUnchecked(shape), -4, 4));
}

HostTensor RandomQuantized(Rng& rng, DType dtype, const Shape& shape) {
  const size_t n = NumElementsUnchecked(shape);
  if (dtype == DType::kInt8) {
    return HostTensor::From<int8_t>(shape, rng.Ints<int8_t>(n, -128, 127));
  }
  return HostTensor::From<uint8_t>(shape, rng.Ints<uint8_t>(n, 0, 255));
}

// A random shape and a set of axes that is one contiguous block once
// size-1 dims are ignored; axes may be negative or repeated.
void RandomBlockReduction(Rng& rng, Shape* shape, std::vector<int32_t>* axes) {
  const int rank = rng.Int(1, 5);
  shape->assign(rank, 1);
  for (int32_t& d : *shape) d = rng.Int(0, 3) == 0 ? 1 : rng.Int(2, 7);
  const int first = rng.Int(0, rank - 1);
  const int last = rng.Int(first, rank - 1);
  axes->clear();
  for (int d = first; d <= last; ++d) {
    // Size-1 dims inside the block may be left out.
    if ((*shape)[d] == 1 && rng.Int(0, 1)) continue;
    axes->push_back(rng.Int(0, 1) ? d - rank : d);
  }
  if (axes->empty()) axes->push_back(first);
  if (rng.Int(0, 4) == 0) axes->push_back(axes->front());  // repeated
  std::shuffle(axes->begin(), axes->end(), rng.engine());
}

TEST(FastReduceTest, FloatRandomBlocks) {
  Rng rng(9501);
  CaseBatch batch;
  for (int iter = 0; iter < 100; ++iter) {
    Shape shape;
    std::vector<int32_t> axes;
    RandomBlockReduction(rng, &shape, &axes);
    AddReduce(batch, kOps[iter % 4], RandomFloats(rng, shape), axes,
              rng.Int(0, 1) == 1);
  }
  batch.ExpectFloatNear(1e-5);
}

TEST(FastReduceTest, FloatSpatialAndLastAxis) {
  Rng rng(9502);
  const Shape maps = {2, 13, 11, 37};
  CaseBatch batch;
  for (ir::OpCode op : kOps) {
    for (bool keep : {true, false}) {
      AddReduce(batch, op, RandomFloats(rng, maps), {1, 2}, keep);
      AddReduce(batch, op, RandomFloats(rng, maps), {-1}, keep);
      AddReduce(batch, op, RandomFloats(rng, maps), {0}, keep);
    }
  }
  batch.ExpectFloatNear(1e-5);
}

TEST(FastReduceTest, FloatGlobalPoolingOnTwoThreads) {
  Rng rng(9503);
  // 28 * 28 = 784 rows of 300 channels (several channel blocks, a partial
  // one), and a long last-axis reduction with a ragged tail.
  CaseBatch batch;
  for (ir::OpCode op : kOps) {
    AddReduce(batch, op, RandomFloats(rng, {1, 28, 28, 300}), {1, 2}, true);
    AddReduce(batch, op, RandomFloats(rng, {40, 3001}), {1}, false);
  }
  batch.ExpectFloatNear(1e-5);
}

TEST(FastReduceTest, FloatEmptyReduction) {
  Rng rng(9504);
  // MEAN of nothing is NaN in both; the others have exact values.
  CaseBatch batch;
  for (ir::OpCode op : kOps) {
    AddReduce(batch, op, RandomFloats(rng, {3, 0, 4}), {1}, true);
  }
  batch.ExpectExact();
}

TEST(FastReduceTest, QuantizedMeanAndSum) {
  Rng rng(9505);
  CaseBatch batch;
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = iter % 2 ? DType::kInt8 : DType::kUInt8;
    const ir::OpCode op = iter % 4 < 2 ? ir::OpCode::kMean : ir::OpCode::kSum;
    const int zp_lo = dtype == DType::kInt8 ? -128 : 0;
    const int zp_hi = dtype == DType::kInt8 ? 127 : 255;
    Shape shape;
    std::vector<int32_t> axes;
    RandomBlockReduction(rng, &shape, &axes);
    const ir::QuantParams in_q =
        Quant(rng.Uniform(0.01f, 0.1f), rng.Int(zp_lo, zp_hi));
    // A third of the cases keep the input quantization (the raw paths).
    const ir::QuantParams out_q =
        iter % 3 == 0 ? in_q
                      : Quant(op == ir::OpCode::kSum ? rng.Uniform(0.5f, 2.0f)
                                                     : rng.Uniform(0.01f, 0.1f),
                              rng.Int(zp_lo / 2, zp_hi / 2));
    const bool keep = rng.Int(0, 1) == 1;
    AddReduce(batch, op, RandomQuantized(rng, dtype, shape), axes, keep, in_q,
              out_q);
  }
  batch.ExpectQuantizedNear(0);
}

TEST(FastReduceTest, QuantizedMaxMin) {
  Rng rng(9506);
  CaseBatch batch;
  for (int iter = 0; iter < 32; ++iter) {
    const DType dtype = iter % 2 ? DType::kInt8 : DType::kUInt8;
    const ir::OpCode op =
        iter % 4 < 2 ? ir::OpCode::kReduceMax : ir::OpCode::kReduceMin;
    Shape shape;
    std::vector<int32_t> axes;
    RandomBlockReduction(rng, &shape, &axes);
    const ir::QuantParams q = Quant(0.05f, dtype == DType::kInt8 ? -5 : 130);
    const bool keep = rng.Int(0, 1) == 1;
    AddReduce(batch, op, RandomQuantized(rng, dtype, shape), axes, keep, q, q);
  }
  batch.ExpectQuantizedNear(0);
}

TEST(FastReduceTest, QuantizedGlobalMeanOnTwoThreads) {
  Rng rng(9507);
  const Shape maps = {2, 30, 30, 200};
  CaseBatch batch;
  AddReduce(batch, ir::OpCode::kMean, RandomQuantized(rng, DType::kInt8, maps),
            {1, 2}, true, Quant(0.05f, -7), Quant(0.02f, 3));
  AddReduce(batch, ir::OpCode::kMean, RandomQuantized(rng, DType::kUInt8, maps),
            {1, 2}, false, Quant(0.05f, 120), Quant(0.05f, 120));
  batch.ExpectQuantizedNear(0);
}

TEST(FastReduceTest, DeclinedCasesFallBack) {
  Rng rng(9508);
  // Axes that are not one block, and integer dtypes.
  const Shape shape = {2, 3, 4};
  ExpectFallsBack(
      BuildReduce(ir::OpCode::kSum, DType::kFloat32, shape, {0, 2}, false),
      {RandomFloats(rng, shape)});
  ExpectFallsBack(
      BuildReduce(ir::OpCode::kReduceMax, DType::kInt32, shape, {1}, false),
      {HostTensor::From<int32_t>(shape, rng.Ints<int32_t>(24, -100, 100))});
}

}  // namespace
}  // namespace mai
