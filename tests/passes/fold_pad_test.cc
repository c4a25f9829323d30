// The PAD folding pass (ir/passes/fold_pad.h): models with PAD followed by a
// convolution or pooling run with optimize_graph on (the pass folds) and off
// (PAD runs as its own node) on the ref and xnnpack backends; outputs must
// agree (float32 to 1e-6 relative, int8 exactly) and MemoryStats::folded_pads
// must say whether the fold happened. Also: explicit-padding shape
// arithmetic, the writer refusing explicit padding, and the real face
// detection model.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/shape_inference.h"
#include "mai/session.h"
#include "oracle/tflite_oracle.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::Activation;
using ir::OpCode;
using ir::Padding;
using testing::HostTensor;
using testing::Rng;

// A PAD (or PADV2) followed by one consumer.
struct Case {
  DType dtype = DType::kFloat32;
  OpCode op = OpCode::kConv2D;  // CONV_2D, DEPTHWISE_CONV_2D, *_POOL_2D
  int h = 7, w = 6, c = 3;
  int out_c = 4;       // CONV_2D output channels
  int multiplier = 1;  // DEPTHWISE_CONV_2D
  int kh = 3, kw = 3;
  int sh = 1, sw = 1, dilation = 1;
  Padding padding = Padding::kValid;
  std::array<int32_t, 8> pads = {0, 0, 1, 1, 1, 1, 0, 0};  // NHWC before/after
  bool padv2 = false;
  double pad_value = 0;  // PADV2: float value, or the raw quantized value
  // Producer of the PAD input: none (graph input), a RELU node, or a 1x1
  // CONV_2D followed by a RELU node (fused by FuseActivations).
  enum class Producer { kNone, kRelu, kConvRelu } producer = Producer::kNone;
  bool pad_output_is_graph_output = false;
  bool pad_output_read_twice = false;
};

std::string Describe(const Case& c) {
  return fmt::format(
      "{} {} in 1x{}x{}x{} kernel {}x{} stride {}x{} dilation {} {} pads "
      "[{},{} {},{} {},{} {},{}]{} producer {} graph_output {} twice {}",
      DTypeName(c.dtype), ir::OpCodeName(c.op), c.h, c.w, c.c, c.kh, c.kw, c.sh,
      c.sw, c.dilation, c.padding == Padding::kSame ? "SAME" : "VALID",
      c.pads[0], c.pads[1], c.pads[2], c.pads[3], c.pads[4], c.pads[5],
      c.pads[6], c.pads[7],
      c.padv2 ? fmt::format(" PADV2 value {}", c.pad_value) : "",
      static_cast<int>(c.producer), c.pad_output_is_graph_output,
      c.pad_output_read_twice);
}

constexpr float kInScale = 0.05f;
constexpr int kInZeroPoint = -7;  // non-zero: padding must use it
constexpr float kOutScale = 0.2f;
constexpr int kOutZeroPoint = 5;

bool IsPool(OpCode op) {
  return op == OpCode::kMaxPool2D || op == OpCode::kAveragePool2D;
}

// Adds a CONV_2D or DEPTHWISE_CONV_2D reading `in` (channels `in_c`) and
// returns its output tensor.
int AddConv(tflite::ModelBuilder& b, const Case& c, int in, int in_c, Rng& rng,
            const std::string& name) {
  const bool dw = c.op == OpCode::kDepthwiseConv2D;
  const int oc = dw ? in_c * c.multiplier : c.out_c;
  const Shape w_shape =
      dw ? Shape{1, c.kh, c.kw, oc} : Shape{oc, c.kh, c.kw, in_c};
  const int w_count = c.kh * c.kw * (dw ? oc : oc * in_c);
  int w, bias, out;
  if (c.dtype == DType::kFloat32) {
    w = b.AddConstant<float>(name + "_w", w_shape, rng.Floats(w_count));
    bias = b.AddConstant<float>(name + "_b", {oc}, rng.Floats(oc));
    out = b.AddTensor(name, DType::kFloat32, std::nullopt);
  } else {
    const float in_scale = b.graph().tensors[in].quant.scale.at(0);
    std::vector<float> w_scale(oc), b_scale(oc);
    for (int i = 0; i < oc; ++i) {
      w_scale[i] = rng.Uniform(0.002f, 0.02f);
      b_scale[i] = in_scale * w_scale[i];
    }
    w = b.AddConstant<int8_t>(name + "_w", w_shape,
                              rng.Ints<int8_t>(w_count, -127, 127),
                              testing::PerChannelQuant(w_scale, dw ? 3 : 0));
    bias = b.AddConstant<int32_t>(name + "_b", {oc},
                                  rng.Ints<int32_t>(oc, -3000, 3000),
                                  testing::PerChannelQuant(b_scale, 0));
    out = b.AddTensor(name, DType::kInt8, std::nullopt,
                      testing::Quant(kOutScale, kOutZeroPoint));
  }
  if (dw) {
    ir::DepthwiseConv2DParams p;
    p.padding = c.padding;
    p.stride_h = c.sh;
    p.stride_w = c.sw;
    p.dilation_h = p.dilation_w = c.dilation;
    p.depth_multiplier = c.multiplier;
    b.AddOp(OpCode::kDepthwiseConv2D, {in, w, bias}, {out}, p);
  } else {
    ir::Conv2DParams p;
    p.padding = c.padding;
    p.stride_h = c.sh;
    p.stride_w = c.sw;
    p.dilation_h = p.dilation_w = c.dilation;
    b.AddOp(OpCode::kConv2D, {in, w, bias}, {out}, p);
  }
  return out;
}

int AddPool(tflite::ModelBuilder& b, const Case& c, int in,
            const std::string& name) {
  ir::Pool2DParams p;
  p.padding = c.padding;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.filter_h = c.kh;
  p.filter_w = c.kw;
  // Pools keep the input's quantization.
  const ir::QuantParams q = b.graph().tensors[in].quant;
  int out = b.AddTensor(name, c.dtype, std::nullopt, q);
  b.AddOp(c.op, {in}, {out}, p);
  return out;
}

std::vector<uint8_t> BuildModel(const Case& c, Rng& rng) {
  const bool quantized = c.dtype != DType::kFloat32;
  const ir::QuantParams q =
      quantized ? testing::Quant(kInScale, kInZeroPoint) : ir::QuantParams{};
  tflite::ModelBuilder b;
  int x = b.AddInput("x", c.dtype, {1, c.h, c.w, c.c}, q);
  if (c.producer == Case::Producer::kRelu) {
    int r = b.AddTensor("relu", c.dtype, std::nullopt, q);
    b.AddOp(OpCode::kRelu, {x}, {r});
    x = r;
  } else if (c.producer == Case::Producer::kConvRelu) {
    Case one = c;
    one.op = OpCode::kConv2D;
    one.kh = one.kw = 1;
    one.sh = one.sw = one.dilation = 1;
    one.out_c = c.c;
    int conv = AddConv(b, one, x, c.c, rng, "pre");
    // Quantized: AddConv's output quantization; the RELU keeps it.
    const ir::QuantParams rq = quantized
                                   ? testing::Quant(kOutScale, kOutZeroPoint)
                                   : ir::QuantParams{};
    int r = b.AddTensor("pre_relu", c.dtype, std::nullopt, rq);
    b.AddOp(OpCode::kRelu, {conv}, {r});
    x = r;
  }
  const ir::QuantParams pad_q = b.graph().tensors[x].quant;
  int paddings = b.AddConstant<int32_t>(
      "paddings", {4, 2}, std::vector<int32_t>(c.pads.begin(), c.pads.end()));
  int y = b.AddTensor("padded", c.dtype, std::nullopt, pad_q);
  if (c.padv2) {
    int value;
    if (quantized) {
      value = b.AddConstant<int8_t>("value", {},
                                    {static_cast<int8_t>(c.pad_value)}, pad_q);
    } else {
      value =
          b.AddConstant<float>("value", {}, {static_cast<float>(c.pad_value)});
    }
    b.AddOp(OpCode::kPadv2, {x, paddings, value}, {y});
  } else {
    b.AddOp(OpCode::kPad, {x, paddings}, {y});
  }
  const int padded_c = c.c + c.pads[6] + c.pads[7];
  auto consumer = [&](const std::string& name) {
    return IsPool(c.op) ? AddPool(b, c, y, name)
                        : AddConv(b, c, y, padded_c, rng, name);
  };
  b.MarkOutput(consumer("out"));
  if (c.pad_output_read_twice) b.MarkOutput(consumer("out2"));
  if (c.pad_output_is_graph_output) b.MarkOutput(y);
  auto model = b.Build();
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? *model : std::vector<uint8_t>{};
}

HostTensor RandomInput(const Case& c, Rng& rng) {
  const int n = c.h * c.w * c.c;
  if (c.dtype == DType::kFloat32) {
    return HostTensor::From<float>({1, c.h, c.w, c.c}, rng.Floats(n));
  }
  return HostTensor::From<int8_t>({1, c.h, c.w, c.c},
                                  rng.Ints<int8_t>(n, -128, 127));
}

struct Run {
  std::vector<HostTensor> outputs;
  int folded_pads = -1;
  int fused_activations = -1;
};

// Runs the model on `backend` (no fallback to ref) with the graph passes on
// or off.
std::optional<Run> RunModel(const std::vector<uint8_t>& model,
                            const std::vector<HostTensor>& inputs,
                            const std::string& backend, bool optimize) {
  SessionOptions options;
  options.backend = backend;
  options.allow_fallback = false;
  options.optimize_graph = optimize;
  auto session = Session::LoadBytes(model, options);
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return std::nullopt;
  Session& s = **session;
  Status st = s.Prepare();
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return std::nullopt;
  for (size_t i = 0; i < inputs.size(); ++i) {
    st = s.SetInput(static_cast<int>(i), inputs[i].bytes);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return std::nullopt;
  }
  st = s.Invoke();
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return std::nullopt;
  Run run;
  std::vector<TensorInfo> infos = s.outputs();
  for (int i = 0; i < s.num_outputs(); ++i) {
    HostTensor t;
    t.dtype = infos[i].dtype;
    t.shape = infos[i].shape;
    auto bytes = s.output_data(i);
    t.bytes.assign(bytes.begin(), bytes.end());
    run.outputs.push_back(std::move(t));
  }
  run.folded_pads = s.memory().folded_pads;
  run.fused_activations = s.memory().fused_activations;
  return run;
}

::testing::AssertionResult SameOutputs(const Run& folded, const Run& plain,
                                       double float_tol) {
  if (folded.outputs.size() != plain.outputs.size()) {
    return ::testing::AssertionFailure() << "output counts differ";
  }
  for (size_t i = 0; i < plain.outputs.size(); ++i) {
    const HostTensor& a = folded.outputs[i];
    const HostTensor& e = plain.outputs[i];
    if (a.shape != e.shape || a.dtype != e.dtype) {
      return ::testing::AssertionFailure()
             << "output " << i << ": shape/dtype " << ShapeToString(a.shape)
             << " vs " << ShapeToString(e.shape);
    }
    ::testing::AssertionResult r =
        a.dtype == DType::kFloat32
            ? testing::NearRelative(a.values<float>(), e.values<float>(),
                                    float_tol)
            : testing::QuantizedNear(a, e, /*tol=*/0);
    if (!r) return r << " (output " << i << ")";
  }
  return ::testing::AssertionSuccess();
}

// Runs `c` on both backends with and without the passes; expects equal
// outputs and `expected_folds` folded PAD nodes with the passes on.
void Check(const Case& c, uint32_t seed, int expected_folds) {
  SCOPED_TRACE(Describe(c));
  Rng rng(seed);
  std::vector<uint8_t> model = BuildModel(c, rng);
  ASSERT_FALSE(model.empty());
  std::vector<HostTensor> inputs = {RandomInput(c, rng)};
  for (const char* backend : {"ref", "xnnpack"}) {
    SCOPED_TRACE(backend);
    std::optional<Run> folded = RunModel(model, inputs, backend, true);
    std::optional<Run> plain = RunModel(model, inputs, backend, false);
    ASSERT_TRUE(folded && plain);
    EXPECT_EQ(folded->folded_pads, expected_folds);
    EXPECT_EQ(plain->folded_pads, 0);
    EXPECT_TRUE(SameOutputs(*folded, *plain, 1e-6));
    // Sanity: the outputs are not all equal (a constant output would hide a
    // wrong window).
    const HostTensor& out = plain->outputs[0];
    bool varied = false;
    for (size_t i = 1; i < out.bytes.size() && !varied; ++i)
      varied = out.bytes[i] != out.bytes[0];
    EXPECT_TRUE(varied);
  }
}

TEST(FoldPadTest, ConvAndDepthwiseFloat32) {
  Rng rng(20240611);
  int count = 0;
  for (OpCode op : {OpCode::kConv2D, OpCode::kDepthwiseConv2D}) {
    for (Padding padding : {Padding::kValid, Padding::kSame}) {
      for (int stride : {1, 2}) {
        for (int multiplier : {1, 2}) {
          if (op == OpCode::kConv2D && multiplier == 2) continue;
          Case c;
          c.op = op;
          c.padding = padding;
          c.sh = stride;
          c.sw = stride == 2 ? rng.Int(1, 2) : 1;
          c.multiplier = multiplier;
          c.h = rng.Int(7, 12);
          c.w = rng.Int(7, 12);
          c.c = rng.Int(1, 5);
          c.out_c = rng.Int(1, 6);
          c.kh = rng.Int(1, 3);
          c.kw = rng.Int(2, 4);
          c.dilation = rng.Int(0, 3) == 0 ? 2 : 1;
          // Asymmetric pads, one of them 0 at times.
          c.pads = {
              0, 0, rng.Int(0, 2), rng.Int(0, 3), rng.Int(1, 2), rng.Int(0, 2),
              0, 0};
          Check(c, 100 + count++, 1);
        }
      }
    }
  }
}

TEST(FoldPadTest, ConvAndDepthwiseInt8PerChannel) {
  Rng rng(77);
  int count = 0;
  for (OpCode op : {OpCode::kConv2D, OpCode::kDepthwiseConv2D}) {
    for (Padding padding : {Padding::kValid, Padding::kSame}) {
      for (int stride : {1, 2}) {
        for (int multiplier : {1, 2}) {
          if (op == OpCode::kConv2D && multiplier == 2) continue;
          Case c;
          c.dtype = DType::kInt8;
          c.op = op;
          c.padding = padding;
          c.sh = c.sw = stride;
          c.multiplier = multiplier;
          c.h = rng.Int(4, 10);
          c.w = rng.Int(4, 10);
          c.c = rng.Int(1, 5);
          c.out_c = rng.Int(1, 6);
          c.kh = c.kw = 3;
          c.pads = {
              0, 0, rng.Int(0, 2), rng.Int(1, 3), rng.Int(0, 2), rng.Int(1, 2),
              0, 0};
          Check(c, 200 + count++, 1);
        }
      }
    }
  }
}

// The 3x3 depthwise layout of the face detection models: PAD 1 on each side
// then VALID, stride 1 and 2.
TEST(FoldPadTest, FaceDetectionLayout) {
  for (int stride : {1, 2}) {
    Case c;
    c.op = OpCode::kDepthwiseConv2D;
    c.h = c.w = 12;
    c.c = 8;
    c.sh = c.sw = stride;
    c.pads = {0, 0, 1, 1, 1, 1, 0, 0};
    Check(c, 300 + stride, 1);
  }
}

TEST(FoldPadTest, PadV2WithZeroValueFolds) {
  Case c;
  c.padv2 = true;
  c.pad_value = 0.0;
  c.pads = {0, 0, 2, 0, 1, 1, 0, 0};
  Check(c, 401, 1);
  Case q = c;
  q.dtype = DType::kInt8;
  q.op = OpCode::kDepthwiseConv2D;
  q.pad_value = kInZeroPoint;  // the real value 0
  Check(q, 402, 1);
}

TEST(FoldPadTest, PadV2WithNonZeroValueStays) {
  Case c;
  c.padv2 = true;
  c.pad_value = 0.5;
  Check(c, 411, 0);
  Case q = c;
  q.dtype = DType::kInt8;
  q.pad_value = 0;  // quantized 0 is not the zero point -7: real value 0.35
  Check(q, 412, 0);
}

TEST(FoldPadTest, ChannelPadStays) {
  Case c;
  c.pads = {0, 0, 1, 1, 1, 1, 0, 2};
  Check(c, 421, 0);
}

TEST(FoldPadTest, PadOutputReadTwiceStays) {
  Case c;
  c.pad_output_read_twice = true;
  Check(c, 431, 0);
}

TEST(FoldPadTest, PadOutputThatIsAGraphOutputStays) {
  Case c;
  c.pad_output_is_graph_output = true;
  Check(c, 441, 0);
}

TEST(FoldPadTest, AveragePoolStays) {
  Case c;
  c.op = OpCode::kAveragePool2D;
  c.kh = c.kw = 2;
  c.sh = c.sw = 2;
  c.pads = {0, 0, 1, 1, 1, 1, 0, 0};
  Check(c, 451, 0);
  c.producer = Case::Producer::kRelu;  // even on non-negative input
  Check(c, 452, 0);
}

TEST(FoldPadTest, MaxPoolAfterReluFolds) {
  for (DType dtype : {DType::kFloat32, DType::kInt8}) {
    for (Padding padding : {Padding::kValid, Padding::kSame}) {
      Case c;
      c.dtype = dtype;
      c.op = OpCode::kMaxPool2D;
      c.producer = Case::Producer::kRelu;
      c.padding = padding;
      c.kh = c.kw = 3;
      c.sh = c.sw = 2;
      c.h = 7;
      c.w = 8;
      // Every window keeps an element of the input (checked by hand: SAME
      // adds one more row/column at the end, or at both sides).
      c.pads = padding == Padding::kValid
                   ? std::array<int32_t, 8>{0, 0, 1, 2, 2, 1, 0, 0}
                   : std::array<int32_t, 8>{0, 0, 1, 0, 1, 0, 0, 0};
      Check(c, 461, 1);
    }
  }
}

TEST(FoldPadTest, MaxPoolAfterFusedReluFolds) {
  Case c;
  c.op = OpCode::kMaxPool2D;
  c.producer = Case::Producer::kConvRelu;
  c.kh = c.kw = 2;
  c.sh = c.sw = 2;
  c.pads = {0, 0, 1, 0, 0, 1, 0, 0};
  Check(c, 471, 1);
  Rng rng(471);
  std::vector<uint8_t> model = BuildModel(c, rng);
  auto run = RunModel(model, {RandomInput(c, rng)}, "xnnpack", true);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->fused_activations, 1);  // the RELU fused first
}

TEST(FoldPadTest, MaxPoolOnPossiblyNegativeInputStays) {
  Case c;
  c.op = OpCode::kMaxPool2D;
  c.kh = c.kw = 2;
  c.sh = c.sw = 2;
  c.pads = {0, 0, 1, 1, 1, 1, 0, 0};
  Check(c, 481, 0);
}

TEST(FoldPadTest, MaxPoolWithAnAllPaddingWindowStays) {
  Case c;
  c.op = OpCode::kMaxPool2D;
  c.producer = Case::Producer::kRelu;
  c.kh = c.kw = 2;
  c.sh = c.sw = 2;
  c.pads = {0, 0, 2, 0, 0, 0, 0, 0};  // the first window row is all padding
  Check(c, 491, 0);
}

TEST(FoldPadTest, ExplicitPaddedDim) {
  // (in + before + after - effective) / stride + 1.
  auto d = ir::ComputePaddedDim(Padding::kExplicit, 96, 3, 1, 1, 1, 1);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->out, 96);
  EXPECT_EQ(d->pad_before, 1);
  EXPECT_EQ(d->pad_after(), 1);
  d = ir::ComputePaddedDim(Padding::kExplicit, 96, 3, 2, 1, 1, 1);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->out, 48);
  d = ir::ComputePaddedDim(Padding::kExplicit, 5, 3, 1, 2, 0, 2);  // eff 5
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->out, 3);
  EXPECT_EQ(d->pad_before, 0);
  EXPECT_EQ(d->pad_total, 2);
  EXPECT_FALSE(ir::ComputePaddedDim(Padding::kExplicit, 2, 5, 1, 1, 1, 1).ok());
  EXPECT_FALSE(
      ir::ComputePaddedDim(Padding::kExplicit, 4, 3, 1, 1, -1, 0).ok());
  // The SAME/VALID-only overload cannot know the amounts.
  EXPECT_FALSE(ir::ComputePaddedDim(Padding::kExplicit, 4, 3, 1, 1).ok());
  // SAME/VALID through the explicit overload ignore the amounts.
  d = ir::ComputePaddedDim(Padding::kSame, 7, 3, 2, 1, 9, 9);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->out, 4);
  EXPECT_EQ(d->pad_before, 1);
}

TEST(FoldPadTest, WriterRefusesExplicitPadding) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 1});
  int w = b.AddConstant<float>("w", {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4, 4, 1});
  ir::Conv2DParams p;
  p.padding = Padding::kExplicit;
  p.explicit_padding = {1, 1, 1, 1};
  b.AddOp(OpCode::kConv2D, {x, w}, {y}, p);
  b.MarkOutput(y);
  auto bytes = b.Build();
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("explicit"), std::string::npos)
      << bytes.status().message();
}

// The real model: 43 PAD nodes before 3x3 convolutions.
TEST(FoldPadTest, FaceDetectionFullRangeSparse) {
  const std::string path =
      testing::OracleModelsDir() + "/face_detection_full_range_sparse.tflite";
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing: run scripts/fetch_models.sh";
  std::vector<std::vector<float>> results[2];
  int folds[2] = {-1, -1};
  for (int optimize = 0; optimize < 2; ++optimize) {
    SessionOptions options;
    options.backend = "xnnpack";
    options.allow_fallback = false;
    options.optimize_graph = optimize == 1;
    auto session = Session::LoadFile(path, options);
    ASSERT_TRUE(session.ok()) << session.status().message();
    Session& s = **session;
    ASSERT_TRUE(s.Prepare().ok());
    for (int i = 0; i < s.num_inputs(); ++i) {
      FillDeterministic(s.inputs()[i].dtype, 7, i, s.input_data(i));
    }
    ASSERT_TRUE(s.Invoke().ok());
    folds[optimize] = s.memory().folded_pads;
    for (int i = 0; i < s.num_outputs(); ++i) {
      auto bytes = s.output_data(i);
      std::vector<float> v(bytes.size() / sizeof(float));
      std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
      results[optimize].push_back(std::move(v));
    }
  }
  EXPECT_EQ(folds[0], 0);
  EXPECT_GT(folds[1], 30);
  ASSERT_EQ(results[0].size(), results[1].size());
  for (size_t i = 0; i < results[0].size(); ++i) {
    EXPECT_TRUE(testing::NearRelative(results[1][i], results[0][i], 1e-5))
        << "output " << i;
  }
}

}  // namespace
}  // namespace mai
