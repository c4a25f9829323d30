// Concatenation written in place by its producers, and no-op reshapes left
// out of execution: models built op by op run with optimize_graph on and off
// (reference backend, xnnpack with 1 and 2 threads, no fallback) and must
// give identical bytes; the in-place cases are also checked against values
// computed here and against the layout (each input inside the output).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mai/session.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::Quant;
using tflite::ModelBuilder;

class OpRecorder : public Profiler {
 public:
  void BeginNode(int, const ir::Node& node) override {
    ops.push_back(node.OpName());
  }
  void EndNode(int, const ir::Node&) override {}
  std::vector<std::string> ops;
};

struct Config {
  std::string backend;
  int threads;
};
const Config kConfigs[] = {{"ref", 1}, {"xnnpack", 1}, {"xnnpack", 2}};

SessionOptions Options(const Config& config, bool optimize) {
  SessionOptions o;
  o.backend = config.backend;
  o.allow_fallback = false;
  o.num_threads = config.threads;
  o.optimize_graph = optimize;
  return o;
}

// A prepared and invoked session with seeded inputs (copied before the run:
// the arena reuses an input's bytes once it is dead).
struct Ran {
  std::unique_ptr<Session> session;
  OpRecorder recorder;
  std::vector<std::vector<float>> inputs;
};

::testing::AssertionResult RunSeeded(const std::vector<uint8_t>& model,
                                     const SessionOptions& options, Ran* ran) {
  SessionOptions o = options;
  o.profiler = &ran->recorder;
  auto s = Session::LoadBytes(model, o);
  if (!s.ok()) return ::testing::AssertionFailure() << s.status().message();
  ran->session = std::move(*s);
  Session& session = *ran->session;
  Status st = session.Prepare();
  if (!st.ok()) return ::testing::AssertionFailure() << st.message();
  for (int i = 0; i < session.num_inputs(); ++i) {
    FillDeterministic(session.inputs()[i].dtype, 17, i, session.input_data(i));
    std::span<const uint8_t> bytes = session.input_data(i);
    std::vector<float>& copy = ran->inputs.emplace_back(bytes.size() / 4);
    std::memcpy(copy.data(), bytes.data(), copy.size() * 4);
  }
  st = session.Invoke();
  if (!st.ok()) return ::testing::AssertionFailure() << st.message();
  return ::testing::AssertionSuccess();
}

std::vector<uint8_t> Bytes(std::span<const uint8_t> b) {
  return {b.begin(), b.end()};
}

// Runs `model` on every config with optimize_graph on and off: same output
// bytes, the given counts with it on, none with it off. Returns the
// reference session with optimize_graph on, for further checks.
std::unique_ptr<Ran> ExpectSameAsPlain(const std::vector<uint8_t>& model,
                                       int concats, int reshapes) {
  std::unique_ptr<Ran> first;
  for (const Config& config : kConfigs) {
    SCOPED_TRACE(config.backend + " x" + std::to_string(config.threads));
    auto optimized = std::make_unique<Ran>();
    Ran plain;
    EXPECT_TRUE(RunSeeded(model, Options(config, true), optimized.get()));
    EXPECT_TRUE(RunSeeded(model, Options(config, false), &plain));
    if (!optimized->session || !plain.session) return nullptr;
    Session& a = *optimized->session;
    Session& b = *plain.session;
    EXPECT_EQ(a.memory().concats_in_place, concats);
    EXPECT_EQ(a.memory().reshapes_removed, reshapes);
    EXPECT_EQ(b.memory().concats_in_place, 0);
    EXPECT_EQ(b.memory().reshapes_removed, 0);
    EXPECT_EQ(a.fallbacks().size(), 0u);
    EXPECT_EQ(optimized->recorder.ops.size() + concats + reshapes,
              plain.recorder.ops.size() - a.memory().fused_activations);
    for (int o = 0; o < a.num_outputs(); ++o) {
      EXPECT_EQ(Bytes(a.output_data(o)), Bytes(b.output_data(o)))
          << "output " << o;
    }
    if (!first) first = std::move(optimized);
  }
  return first;
}

std::vector<float> Floats(std::span<const uint8_t> b) {
  std::vector<float> v(b.size() / sizeof(float));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
  return v;
}

int FindTensor(const Session& s, const std::string& name) {
  const ir::Graph& g = s.graph();
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
    if (g.tensors[t].name == name) return t;
  }
  return -1;
}

// Byte offset of tensor `name` inside tensor `outer`'s bytes, or -1 when it
// is not inside.
int64_t OffsetInside(const Session& s, const std::string& name,
                     const std::string& outer) {
  auto in = s.tensor_data(FindTensor(s, name));
  auto out = s.tensor_data(FindTensor(s, outer));
  if (in.empty() || out.empty() || in.data() < out.data() ||
      in.data() + in.size() > out.data() + out.size()) {
    return -1;
  }
  return in.data() - out.data();
}

std::vector<float> Weights(int n, float scale) {
  std::vector<float> w(n);
  for (int i = 0; i < n; ++i) {
    w[i] = scale * static_cast<float>((i * 7) % 11) - 0.4f;
  }
  return w;
}

// x [1,4,4,3] -> 1x1 CONV_2D -> [1,4,4,2] -> RESHAPE [1,16,2] ─┐
//             -> 1x1 CONV_2D stride 2 -> [1,2,2,2] -> RESHAPE [1,4,2] ┴>
// CONCATENATION axis `axis` -> y [1,20,2] (a graph output), the shape of
// the face detectors' box heads.
std::vector<uint8_t> ConvReshapeConcatModel(int axis) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 3});
  int w1 = b.AddConstant<float>("w1", {2, 1, 1, 3}, Weights(6, 0.3f));
  int b1 = b.AddConstant<float>("b1", {2}, {0.25f, -0.5f});
  int c1 = b.AddTensor("c1", DType::kFloat32, Shape{1, 4, 4, 2});
  b.AddOp(ir::OpCode::kConv2D, {x, w1, b1}, {c1}, ir::Conv2DParams{});
  int w2 = b.AddConstant<float>("w2", {2, 1, 1, 3}, Weights(6, -0.2f));
  int b2 = b.AddConstant<float>("b2", {2}, {1.0f, 0.0f});
  int c2 = b.AddTensor("c2", DType::kFloat32, Shape{1, 2, 2, 2});
  ir::Conv2DParams strided;
  strided.stride_w = strided.stride_h = 2;
  b.AddOp(ir::OpCode::kConv2D, {x, w2, b2}, {c2}, strided);
  int s1 = b.AddConstant<int32_t>("s1", {3}, {1, 16, 2});
  int r1 = b.AddTensor("r1", DType::kFloat32, Shape{1, 16, 2});
  b.AddOp(ir::OpCode::kReshape, {c1, s1}, {r1}, ir::ReshapeParams{});
  int s2 = b.AddConstant<int32_t>("s2", {3}, {1, 4, 2});
  int r2 = b.AddTensor("r2", DType::kFloat32, Shape{1, 4, 2});
  b.AddOp(ir::OpCode::kReshape, {c2, s2}, {r2}, ir::ReshapeParams{});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 20, 2});
  b.AddOp(ir::OpCode::kConcatenation, {r1, r2}, {y},
          ir::ConcatenationParams{axis, ir::Activation::kNone});
  b.MarkOutput(y);
  return *b.Build();
}

TEST(ConcatInPlaceTest, ConvReshapeConcatIsWrittenInPlace) {
  for (int axis : {1, -2}) {
    SCOPED_TRACE("axis " + std::to_string(axis));
    auto ran = ExpectSameAsPlain(ConvReshapeConcatModel(axis), 1, 2);
    ASSERT_TRUE(ran);
    Session& s = *ran->session;
    // The convolutions write into the output; reshapes and concat never run.
    EXPECT_EQ(OffsetInside(s, "c1", "y"), 0);
    EXPECT_EQ(OffsetInside(s, "r1", "y"), 0);
    EXPECT_EQ(OffsetInside(s, "c2", "y"), 16 * 2 * 4);
    EXPECT_EQ(OffsetInside(s, "r2", "y"), 16 * 2 * 4);
    EXPECT_EQ(ran->recorder.ops,
              (std::vector<std::string>{"CONV_2D", "CONV_2D"}));
    EXPECT_EQ(s.node_backend(4), "in place");
    EXPECT_EQ(s.node_backend(2), "in place");

    // Independent values: 1x1 convolutions in double.
    const std::vector<float>& x = ran->inputs[0];
    std::vector<float> w1 = Weights(6, 0.3f), w2 = Weights(6, -0.2f);
    std::vector<double> expected;
    for (int p = 0; p < 16; ++p) {
      for (int o = 0; o < 2; ++o) {
        double v = o == 0 ? 0.25 : -0.5;
        for (int c = 0; c < 3; ++c) v += double(x[p * 3 + c]) * w1[o * 3 + c];
        expected.push_back(v);
      }
    }
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        for (int o = 0; o < 2; ++o) {
          double v = o == 0 ? 1.0 : 0.0;
          const int p = (2 * i) * 4 + 2 * j;
          for (int c = 0; c < 3; ++c) v += double(x[p * 3 + c]) * w2[o * 3 + c];
          expected.push_back(v);
        }
      }
    }
    std::vector<float> y = Floats(s.output_data(0));
    EXPECT_TRUE(testing::NearRelative(y, expected));
  }
}

// ADD producers concatenated along H of NHWC tensors, a second
// concatenation of that result (nested), read by a MUL: both in place.
std::vector<uint8_t> AddConcatModel(DType dtype, const ir::QuantParams& q1,
                                    const ir::QuantParams& q_out) {
  ModelBuilder b;
  int x1 = b.AddInput("x1", dtype, {1, 2, 3, 4}, q_out);
  int x2 = b.AddInput("x2", dtype, {1, 1, 3, 4}, q_out);
  int a1 = b.AddTensor("a1", dtype, Shape{1, 2, 3, 4}, q1);
  b.AddOp(ir::OpCode::kAdd, {x1, x1}, {a1}, ir::BinaryParams{});
  int a2 = b.AddTensor("a2", dtype, Shape{1, 1, 3, 4}, q_out);
  b.AddOp(ir::OpCode::kAdd, {x2, x2}, {a2}, ir::BinaryParams{});
  int y1 = b.AddTensor("y1", dtype, Shape{1, 3, 3, 4}, q_out);
  b.AddOp(ir::OpCode::kConcatenation, {a1, a2}, {y1},
          ir::ConcatenationParams{1, ir::Activation::kNone});
  int a3 = b.AddTensor("a3", dtype, Shape{1, 1, 3, 4}, q_out);
  b.AddOp(ir::OpCode::kAdd, {x2, x2}, {a3}, ir::BinaryParams{});
  int y2 = b.AddTensor("y2", dtype, Shape{1, 4, 3, 4}, q_out);
  b.AddOp(ir::OpCode::kConcatenation, {a3, y1}, {y2},
          ir::ConcatenationParams{1, ir::Activation::kNone});
  int z = b.AddTensor("z", dtype, Shape{1, 4, 3, 4}, q_out);
  b.AddOp(ir::OpCode::kAdd, {y2, y2}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  return *b.Build();
}

TEST(ConcatInPlaceTest, NestedFloatConcatenations) {
  auto ran = ExpectSameAsPlain(AddConcatModel(DType::kFloat32, {}, {}), 2, 0);
  ASSERT_TRUE(ran);
  Session& s = *ran->session;
  EXPECT_EQ(OffsetInside(s, "a3", "y2"), 0);
  EXPECT_EQ(OffsetInside(s, "y1", "y2"), 12 * 4);
  EXPECT_EQ(OffsetInside(s, "a1", "y2"), 12 * 4);
  EXPECT_EQ(OffsetInside(s, "a2", "y2"), 36 * 4);
  EXPECT_EQ(ran->recorder.ops,
            (std::vector<std::string>{"ADD", "ADD", "ADD", "ADD"}));
  // z = 2 * concat(2 * x2, 2 * x1, 2 * x2), exact in float.
  const std::vector<float>& x1 = ran->inputs[0];
  const std::vector<float>& x2 = ran->inputs[1];
  std::vector<float> expected;
  for (float v : x2) expected.push_back(4 * v);
  for (float v : x1) expected.push_back(4 * v);
  for (float v : x2) expected.push_back(4 * v);
  EXPECT_EQ(Floats(s.output_data(0)), expected);
}

TEST(ConcatInPlaceTest, QuantizedWithSameParametersIsInPlace) {
  for (DType dtype : {DType::kInt8, DType::kUInt8}) {
    SCOPED_TRACE(DTypeName(dtype));
    const int zp = dtype == DType::kInt8 ? -3 : 120;
    auto ran = ExpectSameAsPlain(
        AddConcatModel(dtype, Quant(0.05f, zp), Quant(0.05f, zp)), 2, 0);
    ASSERT_TRUE(ran);
    EXPECT_EQ(OffsetInside(*ran->session, "a2", "y2"), 36);
  }
}

TEST(ConcatInPlaceTest, QuantizationMismatchStaysACopy) {
  for (DType dtype : {DType::kInt8, DType::kUInt8}) {
    SCOPED_TRACE(DTypeName(dtype));
    const int zp = dtype == DType::kInt8 ? -3 : 120;
    // a1 has another scale: the first concatenation requantizes (stays);
    // the second (a3, y1) still qualifies.
    auto mismatch = ExpectSameAsPlain(
        AddConcatModel(dtype, Quant(0.1f, zp), Quant(0.05f, zp)), 1, 0);
    ASSERT_TRUE(mismatch);
    EXPECT_EQ(OffsetInside(*mismatch->session, "a1", "y2"), -1);
    EXPECT_EQ(OffsetInside(*mismatch->session, "y1", "y2"), 12);
    // Another zero point only.
    ExpectSameAsPlain(
        AddConcatModel(dtype, Quant(0.05f, zp + 1), Quant(0.05f, zp)), 1, 0);
  }
}

// Two ADD outputs concatenated; `variant` breaks one condition.
enum class Variant {
  kInPlace,
  kInnerAxis,       // concat along channels: outer dims > 1
  kSecondReader,    // a1 is also read by another node
  kGraphInput,      // one input is a graph input
  kConstantInput,   // one input is a constant
  kGraphOutput,     // a1 is also a graph output
  kFusedActivation  // the concatenation has a fused RELU
};

std::vector<uint8_t> VariantModel(Variant variant) {
  ModelBuilder b;
  const bool channels = variant == Variant::kInnerAxis;
  const Shape part = channels ? Shape{1, 2, 3, 2} : Shape{1, 2, 3, 4};
  const Shape whole = channels ? Shape{1, 2, 3, 4} : Shape{1, 4, 3, 4};
  const int axis = channels ? 3 : 1;
  int x1 = b.AddInput("x1", DType::kFloat32, part);
  int x2 = b.AddInput("x2", DType::kFloat32, part);
  int a1 = b.AddTensor("a1", DType::kFloat32, part);
  b.AddOp(ir::OpCode::kAdd, {x1, x2}, {a1}, ir::BinaryParams{});
  int a2 = b.AddTensor("a2", DType::kFloat32, part);
  b.AddOp(ir::OpCode::kAdd, {x2, x2}, {a2}, ir::BinaryParams{});
  int second = a2;
  if (variant == Variant::kGraphInput) second = x2;
  if (variant == Variant::kConstantInput) {
    second = b.AddConstant<float>("k", part, Weights(24, 0.5f));
  }
  int y = b.AddTensor("y", DType::kFloat32, whole);
  b.AddOp(ir::OpCode::kConcatenation, {a1, second}, {y},
          ir::ConcatenationParams{axis, variant == Variant::kFusedActivation
                                            ? ir::Activation::kRelu
                                            : ir::Activation::kNone});
  int z = b.AddTensor("z", DType::kFloat32, whole);
  b.AddOp(ir::OpCode::kMul, {y, y}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  if (variant == Variant::kSecondReader) {
    int u = b.AddTensor("u", DType::kFloat32, part);
    b.AddOp(ir::OpCode::kSub, {a1, x1}, {u}, ir::BinaryParams{});
    b.MarkOutput(u);
  }
  if (variant == Variant::kGraphOutput) b.MarkOutput(a1);
  return *b.Build();
}

TEST(ConcatInPlaceTest, OnlyWhenEveryConditionHolds) {
  struct Case {
    Variant variant;
    const char* name;
    int concats;
  };
  const Case cases[] = {
      {Variant::kInPlace, "in place", 1},
      {Variant::kInnerAxis, "inner axis", 0},
      {Variant::kSecondReader, "second reader", 0},
      {Variant::kGraphInput, "graph input", 0},
      {Variant::kConstantInput, "constant input", 0},
      {Variant::kGraphOutput, "graph output", 0},
      {Variant::kFusedActivation, "fused activation", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto ran = ExpectSameAsPlain(VariantModel(c.variant), c.concats, 0);
    ASSERT_TRUE(ran);
    Session& s = *ran->session;
    const bool in_place = c.concats == 1;
    EXPECT_EQ(OffsetInside(s, "a1", "y"), in_place ? 0 : -1);
    EXPECT_EQ(std::count(ran->recorder.ops.begin(), ran->recorder.ops.end(),
                         "CONCATENATION"),
              in_place ? 0 : 1);
    // Independent values for the first half of z: (x1 + x2)^2 (with the
    // concatenation's RELU where fused); along channels, every other pair.
    const std::vector<float>& x1 = ran->inputs[0];
    const std::vector<float>& x2 = ran->inputs[1];
    std::vector<float> z = Floats(s.output_data(0));
    for (size_t i = 0; i < x1.size(); ++i) {
      float a = x1[i] + x2[i];
      if (c.variant == Variant::kFusedActivation) a = std::max(a, 0.0f);
      size_t at = c.variant == Variant::kInnerAxis ? (i / 2) * 4 + i % 2 : i;
      ASSERT_LT(at, z.size());
      EXPECT_EQ(z[at], a * a) << "element " << i;
    }
  }
}

// A RESHAPE whose input is a graph input, or whose output is a graph
// output, copies: it stays; a RESHAPE between two computed tensors is gone.
TEST(ReshapeRemovalTest, OnlyReshapesOfAnAliasedBufferAreRemoved) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 6});
  int shape = b.AddConstant<int32_t>("shape", {2}, {3, 4});
  int r0 = b.AddTensor("r0", DType::kFloat32, Shape{3, 4});
  b.AddOp(ir::OpCode::kReshape, {x, shape}, {r0}, ir::ReshapeParams{});
  int a = b.AddTensor("a", DType::kFloat32, Shape{3, 4});
  b.AddOp(ir::OpCode::kAdd, {r0, r0}, {a}, ir::BinaryParams{});
  int axes = b.AddConstant<int32_t>("axes", {1}, {0});
  int e = b.AddTensor("e", DType::kFloat32, Shape{1, 3, 4});
  b.AddOp(ir::OpCode::kExpandDims, {a, axes}, {e});
  int m = b.AddTensor("m", DType::kFloat32, Shape{1, 3, 4});
  b.AddOp(ir::OpCode::kMul, {e, e}, {m}, ir::BinaryParams{});
  int shape2 = b.AddConstant<int32_t>("shape2", {1}, {12});
  int y = b.AddTensor("y", DType::kFloat32, Shape{12});
  b.AddOp(ir::OpCode::kReshape, {m, shape2}, {y}, ir::ReshapeParams{});
  b.MarkOutput(y);
  auto ran = ExpectSameAsPlain(*b.Build(), 0, 1);
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->recorder.ops,
            (std::vector<std::string>{"RESHAPE", "ADD", "MUL", "RESHAPE"}));
  Session& s = *ran->session;
  EXPECT_EQ(s.node_backend(2), "in place");
  const std::vector<float>& xv = ran->inputs[0];
  std::vector<float> expected;
  for (float v : xv) expected.push_back((2 * v) * (2 * v));
  EXPECT_EQ(Floats(s.output_data(0)), expected);
}

// keep_all_tensors keeps every tensor readable: nothing in place.
TEST(ConcatInPlaceTest, KeepAllTensorsTurnsItOff) {
  SessionOptions options;
  options.keep_all_tensors = true;
  Ran ran;
  ASSERT_TRUE(RunSeeded(ConvReshapeConcatModel(1), options, &ran));
  EXPECT_EQ(ran.session->memory().concats_in_place, 0);
  EXPECT_EQ(ran.session->memory().reshapes_removed, 0);
  EXPECT_EQ(OffsetInside(*ran.session, "c1", "y"), -1);
  EXPECT_EQ(ran.recorder.ops.size(), 5u);
}

}  // namespace
}  // namespace mai
