// The patch deconvolution (stride == kernel) against the reference backend,
// for TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias: channel
// counts on and off the 16-lane blocks, rows longer and shorter than one
// vector of pixels, batches, bias, fused activations, 1 and 2 threads; and
// the nodes it declines (they stay on XNNPACK's deconvolution).
#include "backends/xnnpack/patch_deconv.h"

#include <gtest/gtest.h>

#include <cstring>

#include "backends/kernel.h"
#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai::testing {
namespace {

struct PatchCase {
  int batches = 1, h = 4, w = 4, in_c = 16, out_c = 1, kh = 2, kw = 2;
  int stride_h = 2, stride_w = 2;
  bool bias = true;
  ir::Activation activation = ir::Activation::kNone;
};

Shape OutShape(const PatchCase& c) {
  return {c.batches, c.h * c.stride_h, c.w * c.stride_w, c.out_c};
}

std::vector<uint8_t> TransposeConvModel(const PatchCase& c, Rng& rng) {
  tflite::ModelBuilder b;
  const Shape out = OutShape(c);
  int shape = b.AddConstant<int32_t>(
      "shape", {4}, std::vector<int32_t>(out.begin(), out.end()));
  int w = b.AddConstant<float>("w", {c.out_c, c.kh, c.kw, c.in_c},
                               rng.Floats(c.out_c * c.kh * c.kw * c.in_c));
  int x = b.AddInput("x", DType::kFloat32, {c.batches, c.h, c.w, c.in_c});
  std::vector<int> inputs = {shape, w, x};
  if (c.bias)
    inputs.push_back(b.AddConstant<float>("b", {c.out_c}, rng.Floats(c.out_c)));
  int y = b.AddTensor("y", DType::kFloat32, out);
  ir::TransposeConvParams p;
  p.padding = ir::Padding::kSame;
  p.stride_h = c.stride_h;
  p.stride_w = c.stride_w;
  p.activation = c.activation;
  b.AddOp(ir::OpCode::kTransposeConv, inputs, {y}, p);
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

std::vector<uint8_t> TransposeConvBiasModel(const PatchCase& c, Rng& rng) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.batches, c.h, c.w, c.in_c});
  int w = b.AddConstant<float>("w", {c.out_c, c.kh, c.kw, c.in_c},
                               rng.Floats(c.out_c * c.kh * c.kw * c.in_c));
  int bias = b.AddConstant<float>("b", {c.out_c}, rng.Floats(c.out_c));
  int y = b.AddTensor("y", DType::kFloat32, OutShape(c));
  std::vector<uint8_t> options(12);
  const int32_t values[3] = {/*VALID*/ 2, c.stride_w, c.stride_h};
  std::memcpy(options.data(), values, sizeof(values));
  b.AddCustomOp("Convolution2DTransposeBias", {x, w, bias}, {y}, options);
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

HostTensor PatchInput(const PatchCase& c, Rng& rng) {
  Shape s = {c.batches, c.h, c.w, c.in_c};
  return HostTensor::From<float>(s, rng.Floats(NumElementsUnchecked(s), -2, 2));
}

// Prepare with only the patch kernels registered and no fallback.
Status PreparePatchOnly(const std::vector<uint8_t>& model) {
  static const backends::KernelRegistry* registry = [] {
    auto* r = new backends::KernelRegistry();
    r->Register(ir::OpCode::kTransposeConv,
                backends::xnnpack::CreatePatchTransposeConvKernel);
    r->RegisterCustom("Convolution2DTransposeBias",
                      backends::ref::mediapipe::TransposeConvBiasShape,
                      backends::xnnpack::CreatePatchTransposeConvBiasKernel);
    return r;
  }();
  SessionOptions o = XnnOptions(1);
  o.custom_ops = registry;
  MAI_ASSIGN_OR_RETURN(auto session, Session::LoadBytes(model, o));
  return session->Prepare();
}

PatchCase RandomCase(Rng& rng) {
  PatchCase c;
  c.batches = rng.Int(1, 2);
  c.h = rng.Int(1, 9);
  c.w = rng.Int(1, 40);
  c.in_c = rng.Int(1, 40);
  c.out_c = rng.Int(1, 20);
  c.kh = c.stride_h = rng.Int(1, 3);
  c.kw = c.stride_w = rng.Int(1, 3);
  c.bias = rng.Int(0, 3) != 0;
  return c;
}

TEST(PatchDeconvTest, TransposeConvMatchesReference) {
  Rng rng(9401);
  const ir::Activation acts[] = {ir::Activation::kNone, ir::Activation::kRelu,
                                 ir::Activation::kRelu6};
  for (int iter = 0; iter < 30; ++iter) {
    PatchCase c = RandomCase(rng);
    c.activation = acts[rng.Int(0, 2)];
    SCOPED_TRACE(::testing::Message()
                 << "case " << iter << ": " << c.batches << "x" << c.h << "x"
                 << c.w << "x" << c.in_c << " -> " << c.out_c << " kernel "
                 << c.kh << "x" << c.kw);
    auto model = TransposeConvModel(c, rng);
    ASSERT_TRUE(PreparePatchOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {PatchInput(c, rng)}, 1e-5);
  }
}

TEST(PatchDeconvTest, TransposeConvBiasMatchesReference) {
  Rng rng(9402);
  for (int iter = 0; iter < 20; ++iter) {
    PatchCase c = RandomCase(rng);
    SCOPED_TRACE(::testing::Message()
                 << "case " << iter << ": " << c.batches << "x" << c.h << "x"
                 << c.w << "x" << c.in_c << " -> " << c.out_c << " kernel "
                 << c.kh << "x" << c.kw);
    auto model = TransposeConvBiasModel(c, rng);
    ASSERT_TRUE(PreparePatchOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {PatchInput(c, rng)}, 1e-5);
  }
}

TEST(PatchDeconvTest, SelfieSegmentationLastLayers) {
  // The selfie models' last layer: 16 -> 1 channel, 2x2, on 128x128 and
  // 72x128 (split over threads).
  Rng rng(9403);
  for (PatchCase c :
       {PatchCase{1, 128, 128, 16, 1}, PatchCase{1, 72, 128, 16, 1}}) {
    auto model = TransposeConvBiasModel(c, rng);
    ASSERT_TRUE(PreparePatchOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {PatchInput(c, rng)}, 1e-5);
  }
}

TEST(PatchDeconvTest, DeclinesOverlappingOrCroppedDeconvolutions) {
  Rng rng(9404);
  // TRANSPOSE_CONV models whose output_shape input differs from what the
  // patch kernel writes: a 3x3 kernel at stride 2 (blocks overlap), and a
  // 2x2 kernel at stride 2 cropped to 2 * 4 - 1 = 7 rows/columns.
  auto model = [&](int k, int out) {
    tflite::ModelBuilder b;
    int shape = b.AddConstant<int32_t>("shape", {4}, {1, out, out, 3});
    int w = b.AddConstant<float>("w", {3, k, k, 5}, rng.Floats(3 * k * k * 5));
    int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 5});
    int y = b.AddTensor("y", DType::kFloat32, Shape{1, out, out, 3});
    ir::TransposeConvParams p;
    p.padding = ir::Padding::kSame;
    p.stride_h = p.stride_w = 2;
    b.AddOp(ir::OpCode::kTransposeConv, {shape, w, x}, {y}, p);
    b.MarkOutput(y);
    return *b.Build();
  };
  for (auto [k, out] : {std::pair{3, 8}, std::pair{2, 7}}) {
    SCOPED_TRACE(::testing::Message() << "kernel " << k << " output " << out);
    auto m = model(k, out);
    EXPECT_EQ(PreparePatchOnly(m).code(), StatusCode::kUnimplemented);
    // The default kernel runs them on XNNPACK's deconvolution, correctly.
    EXPECT_EQ(AutoNodeBackend(m), "xnnpack");
    HostTensor x = HostTensor::From<float>({1, 4, 4, 5}, rng.Floats(80, -2, 2));
    ExpectXnnMatchesRefFloat(m, {x}, 1e-5);
  }
}

}  // namespace
}  // namespace mai::testing
