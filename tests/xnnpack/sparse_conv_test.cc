// The sparse 1x1 convolution (pruned weights) against the reference
// backend: channel counts on and off the 16-lane blocks, pixel counts off
// the 64-pixel tile, batches, bias, fused activations, 1 and 2 threads; and
// which nodes it takes (the rest stay on XNNPACK's dense convolution).
#include "backends/xnnpack/sparse_conv.h"

#include <gtest/gtest.h>

#include "backends/kernel.h"
#include "xnnpack/backend_compare.h"

namespace mai::testing {
namespace {

struct SparseCase {
  int batches = 1, h = 1, w = 1, in_c = 16, out_c = 16;
  double zero_fraction = 0.8;
  bool bias = true;
  ir::Activation activation = ir::Activation::kNone;
};

std::vector<uint8_t> SparseConvModel(const SparseCase& c, Rng& rng) {
  std::vector<float> weights(static_cast<size_t>(c.out_c) * c.in_c);
  for (float& v : weights) {
    v = rng.Uniform(0.0f, 1.0f) < c.zero_fraction ? 0.0f
                                                  : rng.Uniform(-1.0f, 1.0f);
  }
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.batches, c.h, c.w, c.in_c});
  int wt = b.AddConstant<float>("w", {c.out_c, 1, 1, c.in_c}, weights);
  int bias = ir::kNoTensor;
  if (c.bias)
    bias = b.AddConstant<float>("b", {c.out_c}, rng.Floats(c.out_c, -1, 1));
  int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  ir::Conv2DParams p;
  p.activation = c.activation;
  b.AddOp(ir::OpCode::kConv2D, {x, wt, bias}, {y}, p);
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

HostTensor RandomInput(const SparseCase& c, Rng& rng) {
  Shape shape = {c.batches, c.h, c.w, c.in_c};
  return HostTensor::From<float>(
      shape, rng.Floats(NumElementsUnchecked(shape), -2.0f, 2.0f));
}

// Prepare with only the sparse kernel registered for CONV_2D and no
// fallback: OK when it takes the node, Unimplemented when it declines.
Status PrepareSparseOnly(const std::vector<uint8_t>& model) {
  static const backends::KernelRegistry* registry = [] {
    auto* r = new backends::KernelRegistry();
    r->Register(ir::OpCode::kConv2D,
                backends::xnnpack::CreateSparseConv1x1Kernel);
    return r;
  }();
  SessionOptions o = XnnOptions(1);
  o.custom_ops = registry;
  MAI_ASSIGN_OR_RETURN(auto session, Session::LoadBytes(model, o));
  return session->Prepare();
}

TEST(SparseConvTest, MatchesReferenceOnSeededShapes) {
  Rng rng(9101);
  const ir::Activation acts[] = {ir::Activation::kNone, ir::Activation::kRelu,
                                 ir::Activation::kRelu6,
                                 ir::Activation::kReluN1To1};
  for (int iter = 0; iter < 24; ++iter) {
    SparseCase c;
    c.batches = rng.Int(1, 2);
    c.h = rng.Int(1, 13);
    c.w = rng.Int(1, 13);
    c.in_c = rng.Int(16, 100);
    c.out_c = rng.Int(1, 70);
    c.zero_fraction = 0.6 + 0.35 * rng.Uniform(0.0f, 1.0f);
    c.bias = rng.Int(0, 3) != 0;
    c.activation = acts[rng.Int(0, 3)];
    auto model = SparseConvModel(c, rng);
    SCOPED_TRACE(::testing::Message()
                 << "case " << iter << ": " << c.batches << "x" << c.h << "x"
                 << c.w << " " << c.in_c << "->" << c.out_c << " zeros "
                 << c.zero_fraction);
    ASSERT_TRUE(PrepareSparseOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {RandomInput(c, rng)}, 1e-5);
  }
}

TEST(SparseConvTest, WholeTilesAndBlocks) {
  // 64-pixel tiles exactly, 16-channel blocks exactly, and the model's
  // largest layer shape (96 -> 384 channels on 6x6... at 24x24 here).
  Rng rng(9102);
  for (SparseCase c :
       {SparseCase{1, 8, 8, 16, 16}, SparseCase{1, 16, 8, 32, 48},
        SparseCase{1, 24, 24, 96, 384}, SparseCase{2, 12, 12, 384, 96}}) {
    auto model = SparseConvModel(c, rng);
    SCOPED_TRACE(::testing::Message() << c.in_c << "->" << c.out_c);
    ASSERT_TRUE(PrepareSparseOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {RandomInput(c, rng)}, 1e-5);
  }
}

TEST(SparseConvTest, DeclinesWhatItDoesNotTake) {
  Rng rng(9103);
  SparseCase dense;
  dense.h = dense.w = 8;
  dense.zero_fraction = 0.0;  // dense weights: XNNPACK's GEMM is faster
  EXPECT_EQ(PrepareSparseOnly(SparseConvModel(dense, rng)).code(),
            StatusCode::kUnimplemented);
  SparseCase half = dense;
  half.zero_fraction = 0.45;  // below kSparseConvMinZeroFraction
  EXPECT_EQ(PrepareSparseOnly(SparseConvModel(half, rng)).code(),
            StatusCode::kUnimplemented);
  SparseCase narrow = dense;
  narrow.zero_fraction = 0.8;
  narrow.in_c = 8;  // fewer input channels than one vector
  EXPECT_EQ(PrepareSparseOnly(SparseConvModel(narrow, rng)).code(),
            StatusCode::kUnimplemented);
  // The default CONV_2D kernel runs all of them (dense path) correctly.
  for (const SparseCase& c : {dense, half, narrow}) {
    ExpectXnnMatchesRefFloat(SparseConvModel(c, rng), {RandomInput(c, rng)},
                             1e-5);
  }
}

TEST(SparseConvTest, DeclinesStridedAndLargerKernels) {
  Rng rng(9104);
  std::vector<float> weights(16 * 3 * 3 * 16, 0.0f);
  for (size_t i = 0; i < weights.size(); i += 7) weights[i] = 0.5f;
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 8, 8, 16});
  int wt = b.AddConstant<float>("w", {16, 3, 3, 16}, weights);
  int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kConv2D, {x, wt, ir::kNoTensor}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  EXPECT_EQ(PrepareSparseOnly(*b.Build()).code(), StatusCode::kUnimplemented);

  tflite::ModelBuilder s;
  x = s.AddInput("x", DType::kFloat32, {1, 8, 8, 16});
  wt = s.AddConstant<float>(
      "w", {16, 1, 1, 16},
      std::vector<float>(weights.begin(), weights.begin() + 256));
  y = s.AddTensor("y", DType::kFloat32, std::nullopt);
  ir::Conv2DParams strided;
  strided.stride_h = strided.stride_w = 2;
  s.AddOp(ir::OpCode::kConv2D, {x, wt, ir::kNoTensor}, {y}, strided);
  s.MarkOutput(y);
  EXPECT_EQ(PrepareSparseOnly(*s.Build()).code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace mai::testing
