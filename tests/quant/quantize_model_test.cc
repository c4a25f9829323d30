// The int8 rewrite (quant/quantize_model.h): the quantized model runs in
// real TensorFlow Lite and mai's backends agree with it within 1; int8 stays
// close to float (PSNR); the written weights, bias and scales equal the
// quantization math done here; unsupported ops are named in the error.
#include "quant/quantize_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/npy.h"
#include "oracle/tflite_oracle.h"
#include "quant/layer_error.h"
#include "quant/quant_math.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "tflite/model_reader.h"
#include "zoo/zoo.h"

namespace mai::quant {
namespace {

using ir::OpCode;
using testing::HostTensor;

const Shape kInputShape = {1, 8, 8, 3};

// input → CONV_2D 3x3 (RELU) → DEPTHWISE_CONV_2D 3x3 → ADD(conv, dw) →
// CONCATENATION(add, conv) → DEPTH_TO_SPACE(2) → output [1, 16, 16, 4].
std::vector<uint8_t> SmallModel() {
  testing::Rng rng(11);
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, kInputShape);
  const int cw = b.AddConstant<float>("conv_w", {8, 3, 3, 3},
                                      rng.Floats(8 * 3 * 3 * 3, -0.5f, 0.5f));
  const int cb =
      b.AddConstant<float>("conv_b", {8}, rng.Floats(8, -0.2f, 0.2f));
  const int c = b.AddTensor("conv", DType::kFloat32, Shape{1, 8, 8, 8});
  ir::Conv2DParams cp;
  cp.activation = ir::Activation::kRelu;
  b.AddOp(OpCode::kConv2D, {x, cw, cb}, {c}, cp);
  const int dw = b.AddConstant<float>("dw_w", {1, 3, 3, 8},
                                      rng.Floats(3 * 3 * 8, -0.6f, 0.6f));
  const int db = b.AddConstant<float>("dw_b", {8}, rng.Floats(8, -0.2f, 0.2f));
  const int d = b.AddTensor("dw", DType::kFloat32, Shape{1, 8, 8, 8});
  b.AddOp(OpCode::kDepthwiseConv2D, {c, dw, db}, {d},
          ir::DepthwiseConv2DParams{});
  const int a = b.AddTensor("add", DType::kFloat32, Shape{1, 8, 8, 8});
  b.AddOp(OpCode::kAdd, {c, d}, {a}, ir::BinaryParams{});
  const int cat = b.AddTensor("cat", DType::kFloat32, Shape{1, 8, 8, 16});
  b.AddOp(OpCode::kConcatenation, {a, c}, {cat},
          ir::ConcatenationParams{3, ir::Activation::kNone});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, 16, 16, 4});
  b.AddOp(OpCode::kDepthToSpace, {cat}, {y}, ir::BlockSizeParams{2});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

QuantizeOptions Options(bool keep_float_io) {
  QuantizeOptions o;
  o.calibration.num_seeded_samples = 4;
  o.calibration.seed = 3;
  o.keep_float_io = keep_float_io;
  return o;
}

// The quantized models run on mai's xnnpack backend with fallback
// forbidden: every int8 op of the rewrite has a fast kernel.
SessionOptions Backend(const std::string& name) {
  SessionOptions o;
  o.backend = name;
  o.allow_fallback = false;
  return o;
}

void ExpectNoFallback(const std::vector<uint8_t>& model) {
  auto s = Session::LoadBytes(model, Backend("xnnpack"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  Status prepared = (*s)->Prepare();
  EXPECT_TRUE(prepared.ok()) << prepared.message();
}

HostTensor SeededInput(uint32_t seed) {
  testing::Rng rng(seed);
  return HostTensor::From<float>(
      kInputShape, rng.Floats(NumElementsUnchecked(kInputShape), -1.0f, 1.0f));
}

TEST(QuantizeModelTest, Int8ModelMatchesTfliteOnRefAndXnnpack) {
  auto q = QuantizeModel(SmallModel(), Options(/*keep_float_io=*/false));
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto model = tflite::ReadModelBytes(*q);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  const ir::Tensor& in = g.tensors[g.inputs[0]];
  ASSERT_EQ(in.dtype, DType::kInt8);
  ASSERT_EQ(g.tensors[g.outputs[0]].dtype, DType::kInt8);

  testing::Rng rng(5);
  HostTensor input = HostTensor::From<int8_t>(
      kInputShape,
      rng.Ints<int8_t>(NumElementsUnchecked(kInputShape), -128, 127));
  ExpectNoFallback(*q);
  auto theirs = testing::RunTflite(*q, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  for (const std::string backend : {"ref", "xnnpack"}) {
    SCOPED_TRACE(backend);
    auto ours = testing::RunMai(*q, {input}, Backend(backend));
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  }
}

TEST(QuantizeModelTest, FloatIoModelMatchesTfliteWithinOneStep) {
  auto q = QuantizeModel(SmallModel(), Options(/*keep_float_io=*/true));
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto model = tflite::ReadModelBytes(*q);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  ASSERT_EQ(g.tensors[g.inputs[0]].dtype, DType::kFloat32);
  ASSERT_EQ(g.tensors[g.outputs[0]].dtype, DType::kFloat32);
  EXPECT_EQ(g.nodes.front().op, OpCode::kQuantize);
  EXPECT_EQ(g.nodes.back().op, OpCode::kDequantize);
  const float step = g.tensors[g.nodes.back().inputs[0]].quant.scale.at(0);

  ExpectNoFallback(*q);
  const HostTensor input = SeededInput(21);
  auto theirs = testing::RunTflite(*q, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  const std::vector<float> expected = theirs->at(0).values<float>();
  for (const std::string backend : {"ref", "xnnpack"}) {
    SCOPED_TRACE(backend);
    auto ours = testing::RunMai(*q, {input}, Backend(backend));
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    const std::vector<float> actual = ours->at(0).values<float>();
    ASSERT_EQ(actual.size(), expected.size());
    double worst = 0.0;
    for (size_t i = 0; i < actual.size(); ++i) {
      worst = std::max(worst, std::fabs(double{actual[i]} - expected[i]));
    }
    EXPECT_LE(worst, step * 1.001) << "step " << step;
  }
}

// A real model: the int8 face detector runs in real TFLite, and mai's fast
// backend (XNNPACK's qs8 kernels, the arithmetic of the oracle's XNNPACK
// delegate) gives the same outputs within one output step. (mai's ref
// backend follows TFLite's builtin fixed-point kernels, checked bit for bit
// against native TFLite in int8_native_oracle_test.cc.)
TEST(QuantizeModelTest, FaceDetectorInt8MatchesTfliteOnTheFastBackend) {
  const std::string path =
      testing::OracleModelsDir() + "/face_detection_short_range.tflite";
  auto bytes = ReadFileBytes(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  QuantizeOptions o;
  o.calibration.num_seeded_samples = 2;
  o.calibration.seed = 7;
  auto q = QuantizeModel(*bytes, o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto model = tflite::ReadModelBytes(*q);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  const ir::Tensor& in = g.tensors[g.inputs[0]];
  testing::Rng rng(11);
  const HostTensor input = HostTensor::From<float>(
      in.shape, rng.Floats(NumElementsUnchecked(in.shape), -1.0f, 1.0f));
  ExpectNoFallback(*q);
  auto theirs = testing::RunTflite(*q, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  SessionOptions fast;
  fast.backend = "auto";
  auto ours = testing::RunMai(*q, {input}, fast);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  ASSERT_EQ(ours->size(), theirs->size());
  for (size_t k = 0; k < ours->size(); ++k) {
    // The step of output k: the scale of the int8 tensor its DEQUANTIZE reads.
    float step = 0;
    for (const ir::Node& node : g.nodes) {
      if (node.op == OpCode::kDequantize && node.outputs[0] == g.outputs[k]) {
        step = g.tensors[node.inputs[0]].quant.scale.at(0);
      }
    }
    ASSERT_GT(step, 0) << "output " << k;
    const std::vector<float> a = ours->at(k).values<float>();
    const std::vector<float> b = theirs->at(k).values<float>();
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, std::fabs(double{a[i]} - b[i]));
    }
    EXPECT_LE(worst, step * 1.001) << "output " << k << ", step " << step;
  }
}

// The selfie models' MediaPipe Convolution2DTransposeBias has no int8
// form: the quantizer turns it into TRANSPOSE_CONV with a bias input, which
// real TFLite runs; mai gives TFLite's outputs within one step.
TEST(QuantizeModelTest, SelfieSegmentationQuantizesThroughTransposeConv) {
  auto bytes =
      ReadFileBytes(testing::OracleModelsDir() + "/selfie_segmentation.tflite");
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  QuantizeOptions o;
  o.calibration.num_seeded_samples = 2;
  auto q = QuantizeModel(*bytes, o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto model = tflite::ReadModelBytes(*q);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  int transpose_convs = 0;
  for (const ir::Node& node : g.nodes) {
    EXPECT_NE(node.op, OpCode::kCustom) << node.OpName();
    if (node.op == OpCode::kTransposeConv) {
      ++transpose_convs;
      EXPECT_EQ(node.inputs.size(), 4u);  // with its bias
      EXPECT_EQ(g.tensors[node.inputs[2]].dtype, DType::kInt8);
    }
  }
  EXPECT_EQ(transpose_convs, 1);
  const ir::Tensor& in = g.tensors[g.inputs[0]];
  testing::Rng rng(13);
  const HostTensor input = HostTensor::From<float>(
      in.shape, rng.Floats(NumElementsUnchecked(in.shape), 0.0f, 1.0f));
  auto theirs = testing::RunTflite(*q, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  SessionOptions fast;
  fast.backend = "auto";
  auto ours = testing::RunMai(*q, {input}, fast);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  const std::vector<float> a = ours->at(0).values<float>();
  const std::vector<float> b = theirs->at(0).values<float>();
  ASSERT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(double{a[i]} - b[i]));
  }
  EXPECT_LE(worst, 1.0 / 256 * 1.001);  // the fixed LOGISTIC step
}

TEST(QuantizeModelTest, Int8CloseToFloatOnSmallModel) {
  const std::vector<uint8_t> f = SmallModel();
  for (bool float_io : {true, false}) {
    auto q = QuantizeModel(f, Options(float_io));
    ASSERT_TRUE(q.ok()) << q.status().message();
    auto e = CompareQuantized(f, *q, /*seed=*/100);
    ASSERT_TRUE(e.ok()) << e.status().message();
    ASSERT_EQ(e->size(), 1u);
    EXPECT_GT(e->at(0).psnr_db, 30.0) << "float_io " << float_io;
    EXPECT_GT(e->at(0).max_abs_error, 0.0);
  }
}

struct ZooCase {
  std::string name;
  int height, width;
  double min_psnr_db;
  // When > 0, checked instead of the PSNR: mobilenet_v2's random-weight
  // softmax over 1000 classes is almost flat (values near 1/1000), below
  // the fixed int8 SOFTMAX step of 1/256, so only the absolute error says
  // something.
  double max_abs_error = 0.0;
};

class QuantizeZooTest : public ::testing::TestWithParam<ZooCase> {};

TEST_P(QuantizeZooTest, Int8CloseToFloat) {
  const ZooCase& c = GetParam();
  zoo::ZooOptions zo;
  zo.height = c.height;
  zo.width = c.width;
  zo.seed = 7;
  auto f = zoo::BuildZooModel(c.name, zo);
  ASSERT_TRUE(f.ok()) << f.status().message();
  QuantizeOptions o;
  o.calibration.num_seeded_samples = 2;
  o.calibration.seed = 1;
  auto q = QuantizeModel(*f, o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto e = CompareQuantized(*f, *q, /*seed=*/1000);
  ASSERT_TRUE(e.ok()) << e.status().message();
  for (const OutputError& oe : *e) {
    if (c.max_abs_error > 0.0) {
      EXPECT_LE(oe.max_abs_error, c.max_abs_error) << oe.name;
    } else {
      EXPECT_GT(oe.psnr_db, c.min_psnr_db) << oe.name;
    }
    std::printf("%s: PSNR %.2f dB, max abs error %.5f\n", c.name.c_str(),
                oe.psnr_db, oe.max_abs_error);
  }
  // Real TFLite runs what mai writes, and mai's reference backend stays
  // close to it (float I/O). This oracle runs XNNPACK's int8 arithmetic and
  // mai's reference backend TFLite's builtin one (matched exactly against
  // native TFLite in int8_native_oracle_test.cc); over a deep network their
  // one-step rounding differences grow: the bound is 4 output steps.
  testing::Rng rng(9);
  auto model = tflite::ReadModelBytes(*q);
  ASSERT_TRUE(model.ok());
  const ir::Graph& g = model->main_graph();
  const Shape shape = g.tensors[g.inputs[0]].shape;
  HostTensor input = HostTensor::From<float>(
      shape, rng.Floats(NumElementsUnchecked(shape), 0.0f, 1.0f));
  auto theirs = testing::RunTflite(*q, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  auto ours = testing::RunMai(*q, {input}, Backend("ref"));
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  ASSERT_EQ(ours->size(), theirs->size());
  for (size_t i = 0; i < ours->size(); ++i) {
    const ir::Node* deq = nullptr;
    for (const ir::Node& n : g.nodes) {
      if (n.op == OpCode::kDequantize && n.outputs[0] == g.outputs[i]) {
        deq = &n;
      }
    }
    ASSERT_NE(deq, nullptr);
    const float step = g.tensors[deq->inputs[0]].quant.scale.at(0);
    const std::vector<float> x = ours->at(i).values<float>();
    const std::vector<float> y = theirs->at(i).values<float>();
    ASSERT_EQ(x.size(), y.size());
    double worst = 0.0;
    for (size_t k = 0; k < x.size(); ++k) {
      worst = std::max(worst, std::fabs(double{x[k]} - y[k]));
    }
    EXPECT_LE(worst, step * 4.001) << "output " << i;
    std::printf("%s: mai ref vs TFLite: %.2f output steps\n", c.name.c_str(),
                worst / step);
  }
}

void PrintTo(const ZooCase& c, std::ostream* os) { *os << c.name; }

INSTANTIATE_TEST_SUITE_P(
    Zoo, QuantizeZooTest,
    ::testing::Values(ZooCase{"fsrcnn_x3", 16, 24, 30.0},
                      ZooCase{"xlsr_x3", 16, 24, 30.0},
                      ZooCase{"abpn_x3", 16, 24, 30.0},
                      ZooCase{"microisp", 16, 24, 30.0},
                      ZooCase{"fastdepth", 32, 32, 30.0},
                      ZooCase{"unet_denoise", 16, 16, 30.0},
                      ZooCase{"video_sr_x4", 16, 24, 30.0},
                      ZooCase{"bokeh_unet", 32, 32, 30.0},
                      ZooCase{"mobilenet_v2", 32, 32, 0.0, 1.5 / 256}));

TEST(QuantizeModelTest, ConvWeightsBiasAndScalesFollowQuantMath) {
  const std::vector<uint8_t> f = SmallModel();
  auto float_model = tflite::ReadModelBytes(f);
  ASSERT_TRUE(float_model.ok());
  const ir::Graph& fg = float_model->main_graph();
  const ir::Node& fconv = fg.nodes[0];
  ASSERT_EQ(fconv.op, OpCode::kConv2D);
  const ir::Tensor& fw = fg.tensors[fconv.inputs[1]];
  const ir::Tensor& fb = fg.tensors[fconv.inputs[2]];

  // The input's calibrated range, recomputed here: seeded samples fill the
  // input exactly as calibration does.
  QuantizeOptions o = Options(/*keep_float_io=*/true);
  float lo = 0.0f, hi = 0.0f;
  for (int k = 0; k < o.calibration.num_seeded_samples; ++k) {
    std::vector<float> v(NumElementsUnchecked(kInputShape));
    FillDeterministic(DType::kFloat32, o.calibration.seed + k, 0,
                      {reinterpret_cast<uint8_t*>(v.data()), v.size() * 4});
    for (float x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  const AsymmetricParams in = ChooseInt8Asymmetric(lo, hi);

  for (bool per_channel : {true, false}) {
    SCOPED_TRACE(per_channel ? "per channel" : "per tensor");
    o.per_channel = per_channel;
    auto q = QuantizeModel(f, o);
    ASSERT_TRUE(q.ok()) << q.status().message();
    auto model = tflite::ReadModelBytes(*q);
    ASSERT_TRUE(model.ok());
    const ir::Graph& g = model->main_graph();
    const ir::Node* conv = nullptr;
    for (const ir::Node& n : g.nodes) {
      if (n.op == OpCode::kConv2D) conv = &n;
    }
    ASSERT_NE(conv, nullptr);
    const ir::Tensor& x = g.tensors[conv->inputs[0]];
    const ir::Tensor& w = g.tensors[conv->inputs[1]];
    const ir::Tensor& b = g.tensors[conv->inputs[2]];
    ASSERT_EQ(x.dtype, DType::kInt8);
    EXPECT_EQ(x.quant.scale, std::vector<float>{in.scale});
    EXPECT_EQ(x.quant.zero_point, std::vector<int64_t>{in.zero_point});

    // Expected weights: max |w_c| / 127 per channel (or over the tensor).
    std::span<const float> wv = fw.ConstValues<float>();
    std::vector<float> scales(per_channel ? 8 : 1, 0.0f);
    for (size_t i = 0; i < wv.size(); ++i) {
      float& s = scales[per_channel ? i / 27 : 0];
      s = std::max(s, std::fabs(wv[i]));
    }
    for (float& s : scales) s /= 127.0f;
    ASSERT_EQ(w.dtype, DType::kInt8);
    EXPECT_EQ(w.quant.scale, scales);
    EXPECT_EQ(w.quant.zero_point, std::vector<int64_t>(scales.size(), 0));
    EXPECT_EQ(w.quant.quantized_dimension, 0);
    std::span<const int8_t> wq = w.ConstValues<int8_t>();
    ASSERT_EQ(wq.size(), wv.size());
    for (size_t i = 0; i < wv.size(); ++i) {
      const float s = scales[per_channel ? i / 27 : 0];
      // Nearest integer to w / s (ties either way), within [-127, 127].
      const double exact = double{wv[i]} / s;
      EXPECT_LE(std::fabs(wq[i] - exact), 0.5 + 1e-4) << i;
      EXPECT_LE(std::abs(int{wq[i]}), 127);
    }
    // Bias: int32, scale = input scale * weight scale, zero point 0.
    ASSERT_EQ(b.dtype, DType::kInt32);
    std::span<const float> bv = fb.ConstValues<float>();
    std::span<const int32_t> bq = b.ConstValues<int32_t>();
    ASSERT_EQ(bq.size(), 8u);
    ASSERT_EQ(b.quant.scale.size(), scales.size());
    for (int c = 0; c < 8; ++c) {
      const float s = in.scale * scales[per_channel ? c : 0];
      EXPECT_EQ(b.quant.scale[per_channel ? c : 0], s);
      EXPECT_LE(std::fabs(bq[c] - double{bv[c]} / s), 0.5 + 1e-4) << c;
    }
  }
}

TEST(QuantizeModelTest, UnsupportedOpIsNamed) {
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, 4});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4});
  b.AddOp(OpCode::kExp, {x}, {y});
  b.MarkOutput(y);
  auto f = b.Build();
  ASSERT_TRUE(f.ok());
  auto q = QuantizeModel(*f, Options(true));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("EXP"), std::string::npos)
      << q.status().message();
  EXPECT_NE(q.status().message().find("node 0"), std::string::npos)
      << q.status().message();
}

// The per-layer report: every int8 activation of the small model is found
// by name; the first convolution's error is rounding only (its input is
// exact in int8 up to the input's own rounding), and the last layer's
// RMSE equals the output error CompareQuantized measures on the same input.
TEST(QuantizeModelTest, LayerReportCoversEveryActivation) {
  const std::vector<uint8_t> f = SmallModel();
  auto q = QuantizeModel(f, Options(/*keep_float_io=*/false));
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto inputs = SeededFloatInputs(f, 100);
  ASSERT_TRUE(inputs.ok()) << inputs.status().message();
  auto layers = CompareLayers(f, *q, *inputs);
  ASSERT_TRUE(layers.ok()) << layers.status().message();
  std::vector<std::string> names;
  for (const LayerError& l : *layers) names.push_back(l.tensor);
  EXPECT_EQ(names, (std::vector<std::string>{"conv", "dw", "add", "cat", "y"}));
  const LayerError& conv = layers->front();
  EXPECT_EQ(conv.op, "CONV_2D");
  EXPECT_GT(conv.sqnr_db, 30.0);
  EXPECT_LT(conv.rmse_steps, 1.0);
  EXPECT_EQ(conv.clipped, 0.0);  // seeded inputs span what calibration saw
  auto errors = CompareQuantized(f, *q, *inputs);
  ASSERT_TRUE(errors.ok());
  EXPECT_NEAR(layers->back().rmse * layers->back().rmse, errors->at(0).mse,
              1e-6 * errors->at(0).mse + 1e-12);

  // Float I/O: the int8 output behind the DEQUANTIZE stands for "y".
  auto qf = QuantizeModel(f, Options(/*keep_float_io=*/true));
  ASSERT_TRUE(qf.ok());
  auto float_io = CompareLayers(f, *qf, *inputs);
  ASSERT_TRUE(float_io.ok()) << float_io.status().message();
  ASSERT_FALSE(float_io->empty());
  EXPECT_EQ(float_io->back().tensor, "y");
  EXPECT_EQ(float_io->back().op, "DEPTH_TO_SPACE");
}

TEST(QuantizeModelTest, PsnrOfKnownError) {
  // Expected range 0..2 (peak 2), error 0.1 everywhere: MSE 0.01,
  // PSNR = 10 log10(4 / 0.01) = 26.0206 dB.
  const std::vector<float> e = {0.0f, 1.0f, 2.0f, 1.0f};
  const std::vector<float> a = {0.1f, 1.1f, 1.9f, 0.9f};
  EXPECT_NEAR(Psnr(a, e), 10.0 * std::log10(400.0), 1e-4);
  EXPECT_TRUE(std::isinf(Psnr(e, e)));
}

}  // namespace
}  // namespace mai::quant
