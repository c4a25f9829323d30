// The direct depthwise convolution against the reference backend: channel
// counts that hit every block width (16, 8, 4, 1), square and non-square
// windows, strides, SAME/VALID, images smaller than the window, batches,
// bias, fused activations, 1 and 2 threads; and what it declines (those
// nodes stay on XNNPACK's depthwise operator).
#include "backends/xnnpack/depthwise_direct.h"

#include <gtest/gtest.h>

#include "backends/kernel.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai::testing {
namespace {

struct DwCase {
  int batches = 1, h = 20, w = 20, channels = 16;
  int kh = 3, kw = 3, stride_h = 1, stride_w = 1;
  int multiplier = 1, dilation = 1;
  ir::Padding padding = ir::Padding::kSame;
  bool bias = true;
  ir::Activation activation = ir::Activation::kNone;
};

std::vector<uint8_t> DwModel(const DwCase& c, Rng& rng) {
  const int out_c = c.channels * c.multiplier;
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {c.batches, c.h, c.w, c.channels});
  int w = b.AddConstant<float>("w", {1, c.kh, c.kw, out_c},
                               rng.Floats(c.kh * c.kw * out_c, -1, 1));
  int bias = ir::kNoTensor;
  if (c.bias)
    bias = b.AddConstant<float>("b", {out_c}, rng.Floats(out_c, -1, 1));
  int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  ir::DepthwiseConv2DParams p;
  p.padding = c.padding;
  p.stride_h = c.stride_h;
  p.stride_w = c.stride_w;
  p.dilation_h = p.dilation_w = c.dilation;
  p.depth_multiplier = c.multiplier;
  p.activation = c.activation;
  b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, w, bias}, {y}, p);
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

HostTensor DwInput(const DwCase& c, Rng& rng) {
  Shape s = {c.batches, c.h, c.w, c.channels};
  return HostTensor::From<float>(s, rng.Floats(NumElementsUnchecked(s), -2, 2));
}

Status PrepareDirectOnly(const std::vector<uint8_t>& model) {
  static const backends::KernelRegistry* registry = [] {
    auto* r = new backends::KernelRegistry();
    r->Register(ir::OpCode::kDepthwiseConv2D,
                backends::xnnpack::CreateDepthwiseDirectKernel);
    return r;
  }();
  SessionOptions o = XnnOptions(1);
  o.custom_ops = registry;
  MAI_ASSIGN_OR_RETURN(auto session, Session::LoadBytes(model, o));
  return session->Prepare();
}

TEST(DepthwiseDirectTest, MatchesReferenceOnSeededShapes) {
  Rng rng(9301);
  const ir::Activation acts[] = {ir::Activation::kNone, ir::Activation::kRelu,
                                 ir::Activation::kRelu6};
  for (int iter = 0; iter < 40; ++iter) {
    DwCase c;
    c.batches = rng.Int(1, 2);
    c.h = rng.Int(1, 20);
    c.channels = rng.Int(1, 45);
    c.kh = rng.Int(1, 5);
    c.kw = rng.Int(1, 5);
    c.stride_h = rng.Int(1, 3);
    c.stride_w = rng.Int(1, 3);
    // Output rows of at least 16 pixels (narrower ones are declined).
    c.w = 15 * c.stride_w + c.kw + rng.Int(0, 8);
    c.padding = rng.Int(0, 1) ? ir::Padding::kSame : ir::Padding::kValid;
    if (c.padding == ir::Padding::kValid) {
      c.h = std::max(c.h, c.kh);
      c.w = std::max(c.w, c.kw);
    }
    c.bias = rng.Int(0, 3) != 0;
    c.activation = acts[rng.Int(0, 2)];
    SCOPED_TRACE(::testing::Message()
                 << "case " << iter << ": " << c.batches << "x" << c.h << "x"
                 << c.w << "x" << c.channels << " window " << c.kh << "x"
                 << c.kw << " stride " << c.stride_h << "," << c.stride_w
                 << (c.padding == ir::Padding::kSame ? " SAME" : " VALID"));
    auto model = DwModel(c, rng);
    ASSERT_TRUE(PrepareDirectOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {DwInput(c, rng)}, 1e-5);
  }
}

TEST(DepthwiseDirectTest, RealModelLayers) {
  // The face detection models' layers: 3x3 stride 1 and 2, 5x5, wide rows
  // that split over threads.
  Rng rng(9302);
  for (DwCase c :
       {DwCase{1, 96, 96, 32, 3, 3, 1, 1}, DwCase{1, 96, 96, 8, 3, 3, 1, 1},
        DwCase{1, 96, 96, 32, 3, 3, 2, 2}, DwCase{1, 48, 48, 48, 5, 5, 1, 1},
        DwCase{1, 24, 24, 128, 3, 3, 1, 1}}) {
    c.activation = ir::Activation::kRelu;
    SCOPED_TRACE(::testing::Message() << c.h << "x" << c.w << "x" << c.channels
                                      << " k" << c.kh << " s" << c.stride_h);
    auto model = DwModel(c, rng);
    ASSERT_TRUE(PrepareDirectOnly(model).ok());
    ExpectXnnMatchesRefFloat(model, {DwInput(c, rng)}, 1e-5);
  }
}

TEST(DepthwiseDirectTest, DeclinesWhatItDoesNotTake) {
  Rng rng(9303);
  DwCase multiplier;
  multiplier.multiplier = 2;
  DwCase dilated;
  dilated.dilation = 2;
  DwCase narrow;  // 12-pixel output rows: XNNPACK's kernel is faster there
  narrow.h = narrow.w = 12;
  for (const DwCase& c : {multiplier, dilated, narrow}) {
    auto model = DwModel(c, rng);
    EXPECT_EQ(PrepareDirectOnly(model).code(), StatusCode::kUnimplemented);
    // The default kernel runs them on XNNPACK's operator, correctly.
    EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
    ExpectXnnMatchesRefFloat(model, {DwInput(c, rng)}, 1e-5);
  }
}

}  // namespace
}  // namespace mai::testing
