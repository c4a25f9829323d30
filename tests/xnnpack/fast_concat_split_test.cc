// mai's fast CONCATENATION, PACK, SPLIT, SPLIT_V and UNPACK on the xnnpack
// backend against the reference backend, byte for byte: seeded random
// shapes and axes (negative ones included), every element size,
// requantizing int8/uint8 concatenation, fused activations, and tensors
// large enough to run on two threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
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
  if (dtype == DType::kInt8) return Quant(0.25f, -3);
  if (dtype == DType::kUInt8) return Quant(0.25f, 128);
  return {};
}

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

std::string Describe(const char* op, DType dtype, const Shape& shape,
                     int axis) {
  return std::string(op) + " " + std::string(DTypeName(dtype)) + " " +
         ShapeToString(shape) + " axis " + std::to_string(axis);
}

// Adds a concatenation of random inputs of `shapes` along `axis`; inputs
// take `in_quant[i]` (none when absent).
void AddConcat(CaseBatch& batch, Rng& rng, DType dtype,
               const std::vector<Shape>& shapes, int axis, ir::Activation act,
               const std::vector<ir::QuantParams>& in_quant,
               const ir::QuantParams& out_quant) {
  std::vector<int> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(batch.Input(
        "x" + std::to_string(i), RandomTensor(rng, dtype, shapes[i]),
        i < in_quant.size() ? in_quant[i] : ir::QuantParams{}));
  }
  const int y =
      batch.Output(dtype, out_quant,
                   Describe("concat", dtype, shapes[0], axis) + " of " +
                       std::to_string(shapes.size()) + " act " +
                       std::to_string(static_cast<int>(act)));
  batch.builder.AddOp(ir::OpCode::kConcatenation, inputs, {y},
                      ir::ConcatenationParams{axis, act});
  batch.NextCase();
}

// Shapes equal to `base` except along `axis`, where each takes 0..4.
std::vector<Shape> ConcatShapes(Rng& rng, const Shape& base, int axis,
                                int count, bool allow_empty) {
  std::vector<Shape> shapes(count, base);
  for (Shape& s : shapes) s[axis] = rng.Int(allow_empty ? 0 : 1, 4);
  return shapes;
}

TEST(FastConcatTest, RandomShapesEveryDType) {
  Rng rng(9101);
  CaseBatch batch;
  for (int iter = 0; iter < 70; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 5;
    const Shape base = RandomShape(rng, rank, 5);
    const int axis = rng.Int(0, rank - 1);
    const int count = rng.Int(1, 4);
    const std::vector<Shape> shapes =
        ConcatShapes(rng, base, axis, count, /*allow_empty=*/false);
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    std::vector<ir::QuantParams> q(count, QuantFor(dtype));
    AddConcat(batch, rng, dtype, shapes, axis_param, ir::Activation::kNone, q,
              QuantFor(dtype));
  }
  batch.ExpectExact();
}

TEST(FastConcatTest, EmptyInputAlongAxis) {
  Rng rng(9102);
  CaseBatch batch;
  AddConcat(batch, rng, DType::kFloat32, {{2, 0, 3}, {2, 4, 3}, {2, 1, 3}}, 1,
            ir::Activation::kNone, {}, {});
  batch.ExpectExact();
}

TEST(FastConcatTest, FloatFusedActivations) {
  Rng rng(9103);
  const ir::Activation acts[] = {ir::Activation::kRelu,
                                 ir::Activation::kReluN1To1,
                                 ir::Activation::kRelu6};
  CaseBatch batch;
  for (int iter = 0; iter < 15; ++iter) {
    const Shape base = RandomShape(rng, 4, 6);
    const int axis = rng.Int(0, 3);
    AddConcat(batch, rng, DType::kFloat32,
              ConcatShapes(rng, base, axis, 3, false), axis, acts[iter % 3], {},
              {});
  }
  batch.ExpectExact();
}

TEST(FastConcatTest, QuantizedRequantizationAndActivation) {
  Rng rng(9104);
  CaseBatch batch;
  for (int iter = 0; iter < 36; ++iter) {
    const DType dtype = iter % 2 ? DType::kInt8 : DType::kUInt8;
    const int zp_lo = dtype == DType::kInt8 ? -128 : 0;
    const int zp_hi = dtype == DType::kInt8 ? 127 : 255;
    const Shape base = RandomShape(rng, 4, 5);
    const int axis = rng.Int(0, 3);
    const int count = rng.Int(2, 4);
    const ir::QuantParams out_q =
        Quant(rng.Uniform(0.02f, 0.2f), rng.Int(zp_lo / 2, zp_hi / 2));
    std::vector<ir::QuantParams> in_q;
    for (int i = 0; i < count; ++i) {
      // Some inputs share the output's quantization (plain copy).
      in_q.push_back(rng.Int(0, 2) == 0 ? out_q
                                        : Quant(rng.Uniform(0.01f, 0.4f),
                                                rng.Int(zp_lo, zp_hi)));
    }
    const ir::Activation act = iter % 3 == 0   ? ir::Activation::kRelu
                               : iter % 3 == 1 ? ir::Activation::kRelu6
                                               : ir::Activation::kNone;
    AddConcat(batch, rng, dtype, ConcatShapes(rng, base, axis, count, false),
              axis, act, in_q, out_q);
  }
  batch.ExpectExact();
}

TEST(FastConcatTest, LargeTensorsOnTwoThreads) {
  Rng rng(9105);
  // Channel concat of NHWC maps (many small rows) and a batch concat (one
  // outer step, large parts): plain float, float with an activation (the
  // transforming copy), requantized int8.
  const std::vector<std::vector<Shape>> cases = {
      {{1, 48, 40, 8}, {1, 48, 40, 24}, {1, 48, 40, 3}},
      {{3, 64, 65}, {5, 64, 65}},
  };
  const int axes[] = {3, 0};
  CaseBatch batch;
  for (size_t c = 0; c < cases.size(); ++c) {
    AddConcat(batch, rng, DType::kFloat32, cases[c], axes[c],
              ir::Activation::kNone, {}, {});
    AddConcat(batch, rng, DType::kFloat32, cases[c], axes[c],
              ir::Activation::kRelu6, {}, {});
    std::vector<ir::QuantParams> in_q = {Quant(0.1f, 3), Quant(0.05f, -20),
                                         Quant(0.3f, 0)};
    in_q.resize(cases[c].size());
    AddConcat(batch, rng, DType::kInt8, cases[c], axes[c],
              ir::Activation::kNone, in_q, Quant(0.1f, 3));
  }
  batch.ExpectExact();
}

TEST(FastPackTest, RandomShapesAndAxes) {
  Rng rng(9106);
  CaseBatch batch;
  for (int iter = 0; iter < 40; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = iter % 5;  // rank-0 parts included
    const Shape shape = RandomShape(rng, rank, 5);
    const int count = rng.Int(1, 4);
    const int axis = rng.Int(-(rank + 1), rank);
    std::vector<int> ins;
    for (int i = 0; i < count; ++i) {
      ins.push_back(batch.Input("x" + std::to_string(i),
                                RandomTensor(rng, dtype, shape),
                                QuantFor(dtype)));
    }
    const int y = batch.Output(dtype, QuantFor(dtype),
                               Describe("pack", dtype, shape, axis));
    batch.builder.AddOp(ir::OpCode::kPack, ins, {y},
                        ir::PackParams{count, axis});
    batch.NextCase();
  }
  batch.ExpectExact();
}

TEST(FastSplitTest, SplitRandomShapesAndAxes) {
  Rng rng(9107);
  CaseBatch batch;
  for (int iter = 0; iter < 50; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape = RandomShape(rng, rank, 5);
    const int axis = rng.Int(0, rank - 1);
    const int num = rng.Int(1, 4);
    shape[axis] = num * rng.Int(1, 3);
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    const int a = batch.Constant<int32_t>("axis", {}, {axis_param});
    const int x =
        batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(batch.Output(dtype, QuantFor(dtype),
                                  Describe("split", dtype, shape, axis_param)));
    }
    batch.builder.AddOp(ir::OpCode::kSplit, {a, x}, outs, ir::SplitParams{num});
    batch.NextCase();
  }
  batch.ExpectExact();
}

TEST(FastSplitTest, SplitVWithInferredAndEmptyPieces) {
  Rng rng(9108);
  CaseBatch batch;
  for (int iter = 0; iter < 40; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape = RandomShape(rng, rank, 4);
    const int axis = rng.Int(0, rank - 1);
    const int num = rng.Int(1, 4);
    std::vector<int32_t> sizes(num);
    int32_t total = 0;
    for (int32_t& s : sizes) {
      s = rng.Int(0, 3);
      total += s;
    }
    if (total == 0) {
      sizes[0] = 2;
      total = 2;
    }
    shape[axis] = total;
    if (rng.Int(0, 1)) sizes[rng.Int(0, num - 1)] = -1;  // inferred
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    const int x =
        batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
    const int s = batch.Constant<int32_t>("sizes", {num}, sizes);
    const int a = batch.Constant<int32_t>("axis", {}, {axis_param});
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(
          batch.Output(dtype, QuantFor(dtype),
                       Describe("split_v", dtype, shape, axis_param)));
    }
    batch.builder.AddOp(ir::OpCode::kSplitV, {x, s, a}, outs,
                        ir::SplitParams{num});
    batch.NextCase();
  }
  batch.ExpectExact();
}

TEST(FastSplitTest, UnpackRandomShapesAndAxes) {
  Rng rng(9109);
  CaseBatch batch;
  for (int iter = 0; iter < 40; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 4);
    const int axis = rng.Int(-rank, rank - 1);
    const int num = shape[axis < 0 ? axis + rank : axis];
    const int x =
        batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(batch.Output(dtype, QuantFor(dtype),
                                  Describe("unpack", dtype, shape, axis)));
    }
    batch.builder.AddOp(ir::OpCode::kUnpack, {x}, outs,
                        ir::UnpackParams{num, axis});
    batch.NextCase();
  }
  batch.ExpectExact();
}

TEST(FastSplitTest, LargeSplitOnTwoThreads) {
  Rng rng(9110);
  const Shape shape = {1, 40, 50, 36};
  CaseBatch batch;
  const int a = batch.Constant<int32_t>("axis", {}, {-1});
  const int x = batch.Input("x", RandomTensor(rng, DType::kFloat32, shape));
  std::vector<int> outs;
  for (int i = 0; i < 3; ++i) {
    outs.push_back(batch.Output(DType::kFloat32, {},
                                Describe("split", DType::kFloat32, shape, -1)));
  }
  batch.builder.AddOp(ir::OpCode::kSplit, {a, x}, outs, ir::SplitParams{3});
  batch.ExpectExact();
}

}  // namespace
}  // namespace mai
