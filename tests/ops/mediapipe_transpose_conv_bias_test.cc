// MediaPipe's Convolution2DTransposeBias custom op: hand-computed cases,
// double-precision math written here, and real TensorFlow Lite running the
// equivalent TRANSPOSE_CONV + ADD (TFLite has no MediaPipe ops), including
// the op's nodes taken from the real selfie segmentation model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "oracle/tflite_oracle.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "tflite/model_reader.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

constexpr char kOp[] = "Convolution2DTransposeBias";
constexpr int32_t kSame = 1, kValid = 2;

std::vector<uint8_t> Options(int32_t padding, int32_t stride_w,
                             int32_t stride_h) {
  std::vector<uint8_t> bytes;
  for (int32_t v : {padding, stride_w, stride_h}) {
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  return bytes;
}

struct Case {
  int n = 1, h = 3, w = 3, c = 2;
  int o = 2, kh = 3, kw = 3;
  int sh = 2, sw = 2;
  int32_t padding = kSame;
};

// MediaPipe's output size and leading padding for one spatial dim.
struct Dim {
  int out = 0;
  int pad = 0;
};
Dim OutDim(bool same, int in, int k, int s) {
  const int total = same ? std::max(0, k - (in - 1) % s - 1) : 0;
  return {s * (in - 1) + k - total, total / 2};
}

Shape OutShape(const Case& c) {
  const bool same = c.padding == kSame;
  return {c.n, OutDim(same, c.h, c.kh, c.sh).out,
          OutDim(same, c.w, c.kw, c.sw).out, c.o};
}

std::vector<double> Reference(const Case& c, const std::vector<float>& in,
                              const std::vector<float>& w,
                              const std::vector<float>& bias) {
  const bool same = c.padding == kSame;
  const Dim dy = OutDim(same, c.h, c.kh, c.sh),
            dx = OutDim(same, c.w, c.kw, c.sw);
  std::vector<double> out(static_cast<size_t>(c.n) * dy.out * dx.out * c.o);
  for (size_t i = 0; i < out.size(); ++i) out[i] = bias[i % c.o];
  for (int b = 0; b < c.n; ++b)
    for (int iy = 0; iy < c.h; ++iy)
      for (int ix = 0; ix < c.w; ++ix)
        for (int fy = 0; fy < c.kh; ++fy)
          for (int fx = 0; fx < c.kw; ++fx) {
            const int oy = iy * c.sh - dy.pad + fy,
                      ox = ix * c.sw - dx.pad + fx;
            if (oy < 0 || oy >= dy.out || ox < 0 || ox >= dx.out) continue;
            for (int oc = 0; oc < c.o; ++oc)
              for (int ic = 0; ic < c.c; ++ic) {
                out[((b * dy.out + oy) * dx.out + ox) * c.o + oc] +=
                    double{in[((b * c.h + iy) * c.w + ix) * c.c + ic]} *
                    w[((oc * c.kh + fy) * c.kw + fx) * c.c + ic];
              }
          }
  return out;
}

Result<std::vector<uint8_t>> CustomModel(const Shape& in_shape,
                                         const Shape& w_shape,
                                         const std::vector<float>& w,
                                         const std::vector<float>& bias,
                                         std::vector<uint8_t> options,
                                         const Shape& out_shape) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, in_shape);
  int wt = b.AddConstant<float>("w", w_shape, w);
  int bi = b.AddConstant<float>("b", {static_cast<int32_t>(bias.size())}, bias);
  int y = b.AddTensor("y", DType::kFloat32, out_shape);
  b.AddCustomOp(kOp, {x, wt, bi}, {y}, std::move(options));
  b.MarkOutput(y);
  return b.Build();
}

// The same computation with TFLite builtins: TRANSPOSE_CONV then ADD.
Result<std::vector<uint8_t>> BuiltinModel(const Shape& in_shape,
                                          const Shape& w_shape,
                                          const std::vector<float>& w,
                                          const std::vector<float>& bias,
                                          bool same, int sh, int sw,
                                          const Shape& out_shape) {
  tflite::ModelBuilder b;
  int shape = b.AddConstant<int32_t>("output_shape", {4}, out_shape);
  int wt = b.AddConstant<float>("w", w_shape, w);
  int x = b.AddInput("x", DType::kFloat32, in_shape);
  int conv = b.AddTensor("conv", DType::kFloat32, out_shape);
  ir::TransposeConvParams p;
  p.padding = same ? ir::Padding::kSame : ir::Padding::kValid;
  p.stride_h = sh;
  p.stride_w = sw;
  b.AddOp(ir::OpCode::kTransposeConv, {shape, wt, x}, {conv}, p);
  int bi = b.AddConstant<float>("b", {static_cast<int32_t>(bias.size())}, bias);
  int y = b.AddTensor("y", DType::kFloat32, out_shape);
  b.AddOp(ir::OpCode::kAdd, {conv, bi}, {y}, ir::BinaryParams{});
  b.MarkOutput(y);
  return b.Build();
}

TEST(MediaPipeTransposeConvBiasTest, HandComputedValid) {
  // 2x2 input, 2x2 ones filter, stride 2: each pixel fills a 2x2 block.
  auto model = CustomModel({1, 2, 2, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, {0.5f},
                           Options(kValid, 2, 2), Shape{1, 4, 4, 1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 4, 4, 1}));
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1.5, 1.5, 2.5, 2.5, 1.5, 1.5, 2.5, 2.5, 3.5,
                                3.5, 4.5, 4.5, 3.5, 3.5, 4.5, 4.5}));
}

TEST(MediaPipeTransposeConvBiasTest, HandComputedSame) {
  // Width 2 input {1, 10}, 1x3 filter {1, 2, 3}, stride 2, SAME:
  // pad = max(0, 3 - (2-1)%2 - 1) = 1, out width = 2*1 + 3 - 1 = 4, leading
  // pad 0. Input 0 writes x=0..2, input 1 writes x=2..3; bias -1.
  auto model = CustomModel({1, 1, 2, 1}, {1, 1, 3, 1}, {1, 2, 3}, {-1.0f},
                           Options(kSame, 2, 1), Shape{1, 1, 4, 1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 1, 2, 1}, {1, 10})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 1, 4, 1}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{0, 1, 12, 19}));
}

TEST(MediaPipeTransposeConvBiasTest, HandComputedSameLeadingPad) {
  // Height 1, width 1, 4x4 filter, stride 2, SAME: pad = 4 - 0 - 1 = 3,
  // out = 0 + 4 - 3 = 1, leading pad 1: the single output is filter tap
  // (1, 1) times the input, plus bias.
  std::vector<float> w(16);
  for (int i = 0; i < 16; ++i) w[i] = static_cast<float>(i);
  auto model = CustomModel({1, 1, 1, 1}, {1, 4, 4, 1}, w, {100.0f},
                           Options(kSame, 2, 2), Shape{1, 1, 1, 1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out =
      testing::RunMai(*model, {HostTensor::From<float>({1, 1, 1, 1}, {2})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 1, 1, 1}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{100 + 2 * 5}));
}

TEST(MediaPipeTransposeConvBiasTest, UnknownPaddingActsAsValid) {
  auto model = CustomModel({1, 2, 2, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, {0.0f},
                           Options(0, 2, 2), Shape{1, 4, 4, 1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 2, 2, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 4, 4, 1}));
}

Case RandomCase(Rng& rng) {
  Case c;
  c.n = rng.Int(1, 2);
  c.h = rng.Int(1, 6);
  c.w = rng.Int(1, 6);
  c.c = rng.Int(1, 5);
  c.o = rng.Int(1, 5);
  c.kh = rng.Int(1, 5);
  c.kw = rng.Int(1, 5);
  c.sh = rng.Int(1, 3);
  c.sw = rng.Int(1, 3);
  c.padding = rng.Int(0, 1) ? kSame : kValid;
  return c;
}

::testing::Message Describe(const Case& c) {
  return ::testing::Message()
         << "in " << c.n << "x" << c.h << "x" << c.w << "x" << c.c
         << " weights " << c.o << "x" << c.kh << "x" << c.kw << " stride "
         << c.sh << "x" << c.sw << " padding " << c.padding;
}

TEST(MediaPipeTransposeConvBiasTest, RandomAgainstDoubleMath) {
  Rng rng(60606);
  for (int iter = 0; iter < 40; ++iter) {
    Case c = RandomCase(rng);
    SCOPED_TRACE(Describe(c));
    std::vector<float> in = rng.Floats(c.n * c.h * c.w * c.c, -2.0f, 2.0f);
    std::vector<float> w = rng.Floats(c.o * c.kh * c.kw * c.c);
    std::vector<float> bias = rng.Floats(c.o);
    auto model = CustomModel({c.n, c.h, c.w, c.c}, {c.o, c.kh, c.kw, c.c}, w,
                             bias, Options(c.padding, c.sw, c.sh), OutShape(c));
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({c.n, c.h, c.w, c.c}, in)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, OutShape(c));
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(),
                                      Reference(c, in, w, bias)));
  }
}

TEST(MediaPipeTransposeConvBiasTest, RandomAgainstTfliteTransposeConvPlusAdd) {
  Rng rng(70707);
  for (int iter = 0; iter < 12; ++iter) {
    Case c = RandomCase(rng);
    if (iter % 4 == 0) c.sh = c.sw = 2;  // the models' usual upsampling
    SCOPED_TRACE(Describe(c));
    std::vector<float> in = rng.Floats(c.n * c.h * c.w * c.c, -2.0f, 2.0f);
    std::vector<float> w = rng.Floats(c.o * c.kh * c.kw * c.c);
    std::vector<float> bias = rng.Floats(c.o);
    const Shape in_shape = {c.n, c.h, c.w, c.c},
                w_shape = {c.o, c.kh, c.kw, c.c};
    auto custom = CustomModel(in_shape, w_shape, w, bias,
                              Options(c.padding, c.sw, c.sh), OutShape(c));
    ASSERT_TRUE(custom.ok()) << custom.status().message();
    auto builtin = BuiltinModel(in_shape, w_shape, w, bias, c.padding == kSame,
                                c.sh, c.sw, OutShape(c));
    ASSERT_TRUE(builtin.ok()) << builtin.status().message();
    std::vector<HostTensor> inputs = {HostTensor::From<float>(in_shape, in)};
    auto ours = testing::RunMai(*custom, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(*builtin, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
    EXPECT_TRUE(testing::NearRelative(ours->at(0).values<float>(),
                                      theirs->at(0).values<float>(), 1e-5));
  }
}

void ExpectRejected(const Shape& in_shape, const Shape& w_shape, int bias_size,
                    std::vector<uint8_t> options) {
  std::vector<float> w(NumElementsUnchecked(w_shape), 1.0f);
  std::vector<float> bias(bias_size, 0.0f);
  auto model = CustomModel(in_shape, w_shape, w, bias, std::move(options),
                           Shape{1, 4, 4, 1});
  if (!model.ok()) return;  // rejected at build time: fine
  auto out = testing::RunMai(
      *model,
      {HostTensor::From<float>(
          in_shape, std::vector<float>(NumElementsUnchecked(in_shape)))});
  EXPECT_FALSE(out.ok());
}

TEST(MediaPipeTransposeConvBiasTest, RejectsBadOptions) {
  const Shape in = {1, 2, 2, 1}, w = {1, 2, 2, 1};
  std::vector<uint8_t> short_options = Options(kValid, 2, 2);
  short_options.resize(8);
  ExpectRejected(in, w, 1, short_options);           // too few bytes
  ExpectRejected(in, w, 1, {});                      // none at all
  ExpectRejected(in, w, 1, Options(3, 2, 2));        // unknown padding value
  ExpectRejected(in, w, 1, Options(kValid, 0, 2));   // zero stride
  ExpectRejected(in, w, 1, Options(kValid, 2, -1));  // negative stride
}

TEST(MediaPipeTransposeConvBiasTest, RejectsBadShapes) {
  ExpectRejected({1, 2, 2, 2}, {1, 2, 2, 1}, 1,
                 Options(kValid, 2, 2));  // channels
  ExpectRejected({1, 2, 2, 1}, {1, 2, 2, 1}, 2,
                 Options(kValid, 2, 2));  // bias size
}

// fp16 -> fp32 for weights stored as float16 behind a DEQUANTIZE node.
float HalfToFloat(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return static_cast<float>(sign ? -v : v);
}

// Float values of a constant tensor, or of the float16 constant that a
// DEQUANTIZE node turns into it.
std::optional<std::vector<float>> ConstFloats(const ir::Graph& g, int tensor) {
  const ir::Tensor& t = g.tensors[tensor];
  if (t.is_constant() && t.dtype == DType::kFloat32) {
    auto v = t.ConstValues<float>();
    return std::vector<float>(v.begin(), v.end());
  }
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpCode::kDequantize && n.outputs.size() == 1 &&
        n.outputs[0] == tensor && !n.inputs.empty()) {
      const ir::Tensor& src = g.tensors[n.inputs[0]];
      if (!src.is_constant() || src.dtype != DType::kFloat16)
        return std::nullopt;
      std::vector<float> out;
      for (uint16_t h : src.ConstValues<uint16_t>())
        out.push_back(HalfToFloat(h));
      return out;
    }
  }
  return std::nullopt;
}

// Runs every Convolution2DTransposeBias node of a real model (its weights,
// bias, options and shapes) in mai and as TRANSPOSE_CONV + ADD in TFLite.
void CheckRealModelNodes(const std::string& file) {
  const std::string path = testing::OracleModelsDir() + "/" + file;
  SCOPED_TRACE(path);
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing: run scripts/fetch_models.sh";
  auto real = tflite::ReadModelFile(path);
  ASSERT_TRUE(real.ok()) << real.status().message();
  const ir::Graph& g = real->main_graph();
  Rng rng(123456);
  int checked = 0;
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i) {
    const ir::Node& node = g.nodes[i];
    if (node.op != ir::OpCode::kCustom || node.custom_name != kOp) continue;
    SCOPED_TRACE(g.NodeLabel(i));
    ASSERT_EQ(node.inputs.size(), 3u);
    ASSERT_GE(node.custom_options.size(), 12u);
    int32_t opt[3];
    std::memcpy(opt, node.custom_options.data(), sizeof(opt));
    const Shape in_shape = g.tensors[node.inputs[0]].shape;
    const Shape w_shape = g.tensors[node.inputs[1]].shape;
    auto w = ConstFloats(g, node.inputs[1]);
    auto bias = ConstFloats(g, node.inputs[2]);
    ASSERT_TRUE(w.has_value() && bias.has_value())
        << "weights/bias not constant";
    const Shape out_shape = g.tensors[node.outputs[0]].shape;

    auto custom = CustomModel(in_shape, w_shape, *w, *bias, node.custom_options,
                              out_shape);
    ASSERT_TRUE(custom.ok()) << custom.status().message();
    auto builtin = BuiltinModel(in_shape, w_shape, *w, *bias, opt[0] == kSame,
                                opt[2], opt[1], out_shape);
    ASSERT_TRUE(builtin.ok()) << builtin.status().message();
    std::vector<HostTensor> inputs = {HostTensor::From<float>(
        in_shape, rng.Floats(NumElementsUnchecked(in_shape), -1.0f, 1.0f))};
    auto ours = testing::RunMai(*custom, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    // The shape mai infers is the one stored in the model file.
    EXPECT_EQ(ours->at(0).shape, out_shape);
    auto theirs = testing::RunTflite(*builtin, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::NearRelative(ours->at(0).values<float>(),
                                      theirs->at(0).values<float>(), 1e-5));
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no " << kOp << " node in " << path;
}

TEST(MediaPipeTransposeConvBiasTest, SelfieSegmentationNodesMatchTflite) {
  CheckRealModelNodes("selfie_segmentation.tflite");
}

TEST(MediaPipeTransposeConvBiasTest,
     SelfieSegmentationLandscapeNodesMatchTflite) {
  CheckRealModelNodes("selfie_segmentation_landscape.tflite");
}

}  // namespace
}  // namespace mai
