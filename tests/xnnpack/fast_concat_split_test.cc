// mai's fast CONCATENATION, PACK, SPLIT, SPLIT_V and UNPACK on the xnnpack
// backend against the reference backend: seeded random shapes and axes
// (negative ones included), every element size, requantizing int8/uint8
// concatenation, fused activations, and tensors large enough to run on two
// threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
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
  if (dtype == DType::kInt8) return Quant(0.25f, -3);
  if (dtype == DType::kUInt8) return Quant(0.25f, 128);
  return {};
}

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

// Concatenation of `shapes` along `axis`; per-input quantization optional.
std::vector<uint8_t> BuildConcat(DType dtype, const std::vector<Shape>& shapes,
                                 int axis, ir::Activation act,
                                 const std::vector<ir::QuantParams>& in_quant,
                                 const ir::QuantParams& out_quant) {
  ModelBuilder b;
  std::vector<int> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(
        b.AddInput("x" + std::to_string(i), dtype, shapes[i],
                   i < in_quant.size() ? in_quant[i] : ir::QuantParams{}));
  }
  const int y = b.AddTensor("y", dtype, std::nullopt, out_quant);
  b.AddOp(ir::OpCode::kConcatenation, inputs, {y},
          ir::ConcatenationParams{axis, act});
  b.MarkOutput(y);
  return testing::BuildModel(b);
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
  for (int iter = 0; iter < 49; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 5;
    const Shape base = RandomShape(rng, rank, 5);
    const int axis = rng.Int(0, rank - 1);
    const int count = rng.Int(1, 4);
    const std::vector<Shape> shapes =
        ConcatShapes(rng, base, axis, count, /*allow_empty=*/false);
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    std::vector<ir::QuantParams> q(count, QuantFor(dtype));
    auto model = BuildConcat(dtype, shapes, axis_param, ir::Activation::kNone,
                             q, QuantFor(dtype));
    std::vector<HostTensor> inputs;
    for (const Shape& s : shapes) inputs.push_back(RandomTensor(rng, dtype, s));
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(model, inputs);
  }
}

TEST(FastConcatTest, EmptyInputAlongAxis) {
  Rng rng(9102);
  const std::vector<Shape> shapes = {{2, 0, 3}, {2, 4, 3}, {2, 1, 3}};
  auto model =
      BuildConcat(DType::kFloat32, shapes, 1, ir::Activation::kNone, {}, {});
  std::vector<HostTensor> inputs;
  for (const Shape& s : shapes) {
    inputs.push_back(RandomTensor(rng, DType::kFloat32, s));
  }
  ExpectXnnMatchesRefExactly(model, inputs);
}

TEST(FastConcatTest, FloatFusedActivations) {
  Rng rng(9103);
  const ir::Activation acts[] = {ir::Activation::kRelu,
                                 ir::Activation::kReluN1To1,
                                 ir::Activation::kRelu6};
  for (int iter = 0; iter < 12; ++iter) {
    const Shape base = RandomShape(rng, 4, 6);
    const int axis = rng.Int(0, 3);
    const std::vector<Shape> shapes = ConcatShapes(rng, base, axis, 3, false);
    auto model =
        BuildConcat(DType::kFloat32, shapes, axis, acts[iter % 3], {}, {});
    std::vector<HostTensor> inputs;
    for (const Shape& s : shapes) {
      inputs.push_back(RandomTensor(rng, DType::kFloat32, s));
    }
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(model, inputs);
  }
}

TEST(FastConcatTest, QuantizedRequantizationAndActivation) {
  Rng rng(9104);
  for (int iter = 0; iter < 24; ++iter) {
    const DType dtype = iter % 2 ? DType::kInt8 : DType::kUInt8;
    const int zp_lo = dtype == DType::kInt8 ? -128 : 0;
    const int zp_hi = dtype == DType::kInt8 ? 127 : 255;
    const Shape base = RandomShape(rng, 4, 5);
    const int axis = rng.Int(0, 3);
    const int count = rng.Int(2, 4);
    const std::vector<Shape> shapes =
        ConcatShapes(rng, base, axis, count, false);
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
    auto model = BuildConcat(dtype, shapes, axis, act, in_q, out_q);
    std::vector<HostTensor> inputs;
    for (const Shape& s : shapes) inputs.push_back(RandomTensor(rng, dtype, s));
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(model, inputs);
  }
}

TEST(FastConcatTest, LargeTensorsOnTwoThreads) {
  Rng rng(9105);
  // Channel concat of NHWC maps (many small rows) and a batch concat (one
  // outer step, large parts), float and requantized int8.
  const std::vector<std::vector<Shape>> cases = {
      {{1, 48, 40, 8}, {1, 48, 40, 24}, {1, 48, 40, 3}},
      {{3, 64, 65}, {5, 64, 65}},
  };
  const int axes[] = {3, 0};
  for (size_t c = 0; c < cases.size(); ++c) {
    auto model = BuildConcat(DType::kFloat32, cases[c], axes[c],
                             ir::Activation::kRelu6, {}, {});
    std::vector<HostTensor> inputs;
    for (const Shape& s : cases[c]) {
      inputs.push_back(RandomTensor(rng, DType::kFloat32, s));
    }
    ExpectXnnMatchesRefExactly(model, inputs);
    ExpectXnnMatchesRefExactly(BuildConcat(DType::kFloat32, cases[c], axes[c],
                                           ir::Activation::kNone, {}, {}),
                               inputs);

    std::vector<ir::QuantParams> in_q = {Quant(0.1f, 3), Quant(0.05f, -20),
                                         Quant(0.3f, 0)};
    in_q.resize(cases[c].size());
    auto qmodel = BuildConcat(DType::kInt8, cases[c], axes[c],
                              ir::Activation::kNone, in_q, Quant(0.1f, 3));
    std::vector<HostTensor> qinputs;
    for (const Shape& s : cases[c]) {
      qinputs.push_back(RandomTensor(rng, DType::kInt8, s));
    }
    ExpectXnnMatchesRefExactly(qmodel, qinputs);
  }
}

TEST(FastPackTest, RandomShapesAndAxes) {
  Rng rng(9106);
  for (int iter = 0; iter < 30; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = iter % 5;  // rank-0 parts included
    const Shape shape = RandomShape(rng, rank, 5);
    const int count = rng.Int(1, 4);
    const int axis = rng.Int(-(rank + 1), rank);
    ModelBuilder b;
    std::vector<int> ins;
    std::vector<HostTensor> inputs;
    for (int i = 0; i < count; ++i) {
      ins.push_back(
          b.AddInput("x" + std::to_string(i), dtype, shape, QuantFor(dtype)));
      inputs.push_back(RandomTensor(rng, dtype, shape));
    }
    const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
    b.AddOp(ir::OpCode::kPack, ins, {y}, ir::PackParams{count, axis});
    b.MarkOutput(y);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(testing::BuildModel(b), inputs);
  }
}

TEST(FastSplitTest, SplitRandomShapesAndAxes) {
  Rng rng(9107);
  for (int iter = 0; iter < 35; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape = RandomShape(rng, rank, 5);
    const int axis = rng.Int(0, rank - 1);
    const int num = rng.Int(1, 4);
    shape[axis] = num * rng.Int(1, 3);
    const int axis_param = rng.Int(0, 1) ? axis - rank : axis;
    ModelBuilder b;
    const int a = b.AddConstant<int32_t>("axis", {}, {axis_param});
    const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                 QuantFor(dtype)));
    }
    b.AddOp(ir::OpCode::kSplit, {a, x}, outs, ir::SplitParams{num});
    for (int y : outs) b.MarkOutput(y);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(testing::BuildModel(b),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastSplitTest, SplitVWithInferredAndEmptyPieces) {
  Rng rng(9108);
  for (int iter = 0; iter < 30; ++iter) {
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
    ModelBuilder b;
    const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
    const int s = b.AddConstant<int32_t>("sizes", {num}, sizes);
    const int a = b.AddConstant<int32_t>("axis", {}, {axis_param});
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                 QuantFor(dtype)));
    }
    b.AddOp(ir::OpCode::kSplitV, {x, s, a}, outs, ir::SplitParams{num});
    for (int y : outs) b.MarkOutput(y);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(testing::BuildModel(b),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastSplitTest, UnpackRandomShapesAndAxes) {
  Rng rng(9109);
  for (int iter = 0; iter < 30; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    const Shape shape = RandomShape(rng, rank, 4);
    const int axis = rng.Int(-rank, rank - 1);
    const int num = shape[axis < 0 ? axis + rank : axis];
    ModelBuilder b;
    const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
    std::vector<int> outs;
    for (int i = 0; i < num; ++i) {
      outs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                 QuantFor(dtype)));
    }
    b.AddOp(ir::OpCode::kUnpack, {x}, outs, ir::UnpackParams{num, axis});
    for (int y : outs) b.MarkOutput(y);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(testing::BuildModel(b),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastSplitTest, LargeSplitOnTwoThreads) {
  Rng rng(9110);
  const Shape shape = {1, 40, 50, 36};
  ModelBuilder b;
  const int a = b.AddConstant<int32_t>("axis", {}, {-1});
  const int x = b.AddInput("x", DType::kFloat32, shape);
  std::vector<int> outs;
  for (int i = 0; i < 3; ++i) {
    outs.push_back(
        b.AddTensor("y" + std::to_string(i), DType::kFloat32, std::nullopt));
  }
  b.AddOp(ir::OpCode::kSplit, {a, x}, outs, ir::SplitParams{3});
  for (int y : outs) b.MarkOutput(y);
  ExpectXnnMatchesRefExactly(testing::BuildModel(b),
                             {RandomTensor(rng, DType::kFloat32, shape)});
}

}  // namespace
}  // namespace mai
