// Session behaviour: resizing, constant folding, memory plan modes, the
// profiler hook, the custom-op registry and error messages.
#include "mai/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backends/kernel.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using tflite::ModelBuilder;

std::vector<float> Floats(std::span<const uint8_t> b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

class CountingProfiler : public Profiler {
 public:
  void BeginNode(int node_index, const ir::Node& node) override {
    ++begins;
    ops.push_back(node.OpName());
  }
  void EndNode(int node_index, const ir::Node& node) override { ++ends; }
  int begins = 0, ends = 0;
  std::vector<std::string> ops;
};

// x [1,-1,-1,1] -> AVERAGE_POOL 2x2 stride 2 -> y
std::vector<uint8_t> ResizableModel() {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4, 4, 1}, {}, {1, -1, -1, 1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2, 2, 1});
  ir::Pool2DParams p;
  p.padding = ir::Padding::kValid;
  p.filter_w = p.filter_h = p.stride_w = p.stride_h = 2;
  b.AddOp(ir::OpCode::kAveragePool2D, {x}, {y}, p);
  b.MarkOutput(y);
  return *b.Build();
}

TEST(SessionTest, ResizeInputRunsAtAnotherSize) {
  auto s = Session::LoadBytes(ResizableModel());
  ASSERT_TRUE(s.ok()) << s.status().message();
  Session& session = **s;
  ASSERT_TRUE(session.ResizeInput(0, {1, 6, 8, 1}).ok());
  ASSERT_TRUE(session.Prepare().ok());
  EXPECT_EQ(session.outputs()[0].shape, (Shape{1, 3, 4, 1}));
  std::vector<float> x(48);
  for (int i = 0; i < 48; ++i) x[i] = static_cast<float>(i);
  ASSERT_TRUE(
      session.SetInput(0, {reinterpret_cast<uint8_t*>(x.data()), 192}).ok());
  ASSERT_TRUE(session.Invoke().ok());
  std::vector<float> y = Floats(session.output_data(0));
  ASSERT_EQ(y.size(), 12u);
  // Window (0,0): rows 0-1, cols 0-1 of an 8-wide ramp: (0+1+8+9)/4.
  EXPECT_FLOAT_EQ(y[0], 4.5f);
  // Window (2,3): rows 4-5, cols 6-7: (38+39+46+47)/4.
  EXPECT_FLOAT_EQ(y[11], 42.5f);
}

TEST(SessionTest, ResizeRespectsFixedSignatureDims) {
  auto s = Session::LoadBytes(ResizableModel());
  ASSERT_TRUE(s.ok());
  Status st = (*s)->ResizeInput(0, {2, 4, 4, 1});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("fixed to 1"), std::string::npos) << st.message();
  EXPECT_FALSE((*s)->ResizeInput(0, {1, 4, 4}).ok());
  EXPECT_FALSE((*s)->ResizeInput(0, {1, 0, 4, 1}).ok());
  EXPECT_FALSE((*s)->ResizeInput(3, {1, 4, 4, 1}).ok());
}

// fp16 weights -> DEQUANTIZE -> FULLY_CONNECTED: the DEQUANTIZE is folded
// at prepare and never runs.
TEST(SessionTest, Float16WeightsAreFoldedAtPrepare) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 2});
  // float16 bit patterns: 1.0, -2.0, 0.5, 3.0
  int wh = b.AddConstantBytes("w16", DType::kFloat16, {2, 2},
                              {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x42});
  int w = b.AddTensor("w", DType::kFloat32, Shape{2, 2});
  b.AddOp(ir::OpCode::kDequantize, {wh}, {w});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2});
  b.AddOp(ir::OpCode::kFullyConnected, {x, w, ir::kNoTensor}, {y},
          ir::FullyConnectedParams{});
  b.MarkOutput(y);
  CountingProfiler profiler;
  SessionOptions options;
  options.profiler = &profiler;
  auto s = Session::LoadBytes(*b.Build(), options);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE((*s)->Prepare().ok());
  float in[2] = {3.0f, 5.0f};
  ASSERT_TRUE((*s)->SetInput(0, {reinterpret_cast<uint8_t*>(in), 8}).ok());
  ASSERT_TRUE((*s)->Invoke().ok());
  std::vector<float> out = Floats((*s)->output_data(0));
  EXPECT_FLOAT_EQ(out[0], 3.0f * 1.0f + 5.0f * -2.0f);
  EXPECT_FLOAT_EQ(out[1], 3.0f * 0.5f + 5.0f * 3.0f);
  EXPECT_EQ(profiler.ops, (std::vector<std::string>{"FULLY_CONNECTED"}));
  EXPECT_EQ(profiler.begins, profiler.ends);
  EXPECT_EQ((*s)->memory().folded_bytes, 16u);
  EXPECT_EQ((*s)->memory().constant_bytes, 0u);
}

// x -> RELU -> RESHAPE -> RELU: the reshape output shares its input's bytes
// unless keep_all_tensors is on.
std::vector<uint8_t> ChainModel() {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {4, 256});
  int a = b.AddTensor("a", DType::kFloat32, Shape{4, 256});
  b.AddOp(ir::OpCode::kRelu, {x}, {a});
  int shape = b.AddConstant<int32_t>("shape", {2}, {256, 4});
  int r = b.AddTensor("r", DType::kFloat32, Shape{256, 4});
  b.AddOp(ir::OpCode::kReshape, {a, shape}, {r}, ir::ReshapeParams{});
  int c = b.AddTensor("c", DType::kFloat32, Shape{256, 4});
  b.AddOp(ir::OpCode::kRelu, {r}, {c});
  int d = b.AddTensor("d", DType::kFloat32, Shape{256, 4});
  b.AddOp(ir::OpCode::kRelu6, {c}, {d});
  b.MarkOutput(d);
  return *b.Build();
}

TEST(SessionTest, ReshapeIsInPlaceAndKeepAllKeepsEverything) {
  auto fast = Session::LoadBytes(ChainModel());
  SessionOptions debug_options;
  debug_options.keep_all_tensors = true;
  auto debug = Session::LoadBytes(ChainModel(), debug_options);
  ASSERT_TRUE(fast.ok() && debug.ok());
  ASSERT_TRUE((*fast)->Prepare().ok());
  ASSERT_TRUE((*debug)->Prepare().ok());
  // 4 KiB tensors x, a(=r), c, d. Planned: x and c can share with others; at
  // most 3 live at once. Keep-all: 5 tensors of 4 KiB.
  EXPECT_LE((*fast)->memory().arena_bytes, 3u * 4096);
  EXPECT_EQ((*debug)->memory().arena_bytes, 5u * 4096);
  const ir::Graph& g = (*fast)->graph();
  int a = -1, r = -1;
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
    if (g.tensors[t].name == "a") a = t;
    if (g.tensors[t].name == "r") r = t;
  }
  EXPECT_EQ((*fast)->tensor_data(a).data(), (*fast)->tensor_data(r).data());
  EXPECT_NE((*debug)->tensor_data(a).data(), (*debug)->tensor_data(r).data());

  // Same results either way, and intermediates readable in debug mode.
  for (Session* s : {fast->get(), debug->get()}) {
    FillDeterministic(DType::kFloat32, 9, 0, s->input_data(0));
    ASSERT_TRUE(s->Invoke().ok());
  }
  auto out_fast = (*fast)->output_data(0), out_debug = (*debug)->output_data(0);
  EXPECT_TRUE(std::equal(out_fast.begin(), out_fast.end(), out_debug.begin()));
  std::vector<float> x = Floats((*debug)->input_data(0));
  std::vector<float> av = Floats((*debug)->tensor_data(a));
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(av[i], std::max(0.0f, x[i]));
}

// A user-registered custom op: "Twice" doubles its input.
class TwiceKernel : public backends::OpKernel {
 public:
  Status Invoke(const backends::KernelContext& ctx) override {
    const float* in = ctx.input(0).data_as<float>();
    float* out = ctx.output(0).data_as<float>();
    for (int64_t i = 0; i < ctx.output(0).num_elements(); ++i)
      out[i] = 2 * in[i];
    return Status::Ok();
  }
};
Status TwiceShape(ir::ShapeContext& ctx) {
  return ctx.SetOutputShape(0, ctx.input(0)->shape);
}

TEST(SessionTest, CustomOpRegistry) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {3});
  int y = b.AddTensor("y", DType::kFloat32, Shape{3});
  b.AddCustomOp("Twice", {x}, {y});
  b.MarkOutput(y);
  std::vector<uint8_t> model = *b.Build();

  auto without = Session::LoadBytes(model);
  ASSERT_TRUE(without.ok());
  Status st = (*without)->Prepare();
  EXPECT_EQ(st.code(), StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("node 0 (Twice)"), std::string::npos)
      << st.message();

  backends::KernelRegistry custom;
  custom.RegisterCustom("Twice", &TwiceShape,
                        backends::MakeFactory<TwiceKernel>());
  SessionOptions options;
  options.custom_ops = &custom;
  auto with = Session::LoadBytes(model, options);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE((*with)->Prepare().ok());
  float in[3] = {1.5f, -2.0f, 0.0f};
  ASSERT_TRUE((*with)->SetInput(0, {reinterpret_cast<uint8_t*>(in), 12}).ok());
  ASSERT_TRUE((*with)->Invoke().ok());
  EXPECT_EQ(Floats((*with)->output_data(0)),
            (std::vector<float>{3.0f, -4.0f, 0.0f}));
}

// CONV_2D -> RELU6 and ADD -> RELU: fused into their producers, same output
// bytes as running them separately.
TEST(SessionTest, ActivationsAreFusedWithIdenticalResults) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 6, 6, 3});
  std::vector<float> w(4 * 3 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = 0.37f * static_cast<float>(i % 11) - 1.5f;
  int wt = b.AddConstant<float>("w", {4, 3, 3, 3}, w);
  int bias = b.AddConstant<float>("b", {4}, {0.5f, -0.5f, 1.0f, 0.0f});
  int c = b.AddTensor("c", DType::kFloat32, Shape{1, 6, 6, 4});
  b.AddOp(ir::OpCode::kConv2D, {x, wt, bias}, {c}, ir::Conv2DParams{});
  int r = b.AddTensor("r", DType::kFloat32, Shape{1, 6, 6, 4});
  b.AddOp(ir::OpCode::kRelu6, {c}, {r});
  int s = b.AddTensor("s", DType::kFloat32, Shape{1, 6, 6, 4});
  b.AddOp(ir::OpCode::kAdd, {r, c}, {s}, ir::BinaryParams{});  // c read twice
  int t = b.AddTensor("t", DType::kFloat32, Shape{1, 6, 6, 4});
  b.AddOp(ir::OpCode::kAdd, {r, r}, {t}, ir::BinaryParams{});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 6, 6, 4});
  b.AddOp(ir::OpCode::kRelu, {t}, {y});
  b.MarkOutput(s);
  b.MarkOutput(y);
  std::vector<uint8_t> model = *b.Build();

  CountingProfiler fused_profiler;
  SessionOptions fused_options;
  fused_options.profiler = &fused_profiler;
  SessionOptions plain_options;
  plain_options.optimize_graph = false;
  auto fused = Session::LoadBytes(model, fused_options);
  auto plain = Session::LoadBytes(model, plain_options);
  ASSERT_TRUE(fused.ok() && plain.ok());
  for (Session* session : {fused->get(), plain->get()}) {
    ASSERT_TRUE(session->Prepare().ok());
    FillDeterministic(DType::kFloat32, 4, 0, session->input_data(0));
    ASSERT_TRUE(session->Invoke().ok());
  }
  // c has two readers (RELU6 and the first ADD): not fused. t -> RELU is.
  EXPECT_EQ((*fused)->memory().fused_activations, 1);
  EXPECT_EQ(fused_profiler.ops,
            (std::vector<std::string>{"CONV_2D", "RELU6", "ADD", "ADD"}));
  for (int o = 0; o < 2; ++o) {
    auto a = (*fused)->output_data(o), p = (*plain)->output_data(o);
    ASSERT_EQ(a.size(), p.size());
    EXPECT_TRUE(std::equal(a.begin(), a.end(), p.begin())) << "output " << o;
  }
  std::vector<float> yv = Floats((*fused)->output_data(1));
  EXPECT_GE(*std::min_element(yv.begin(), yv.end()), 0.0f);
}

TEST(SessionTest, OptionsAreValidated) {
  SessionOptions options;
  options.num_threads = 0;
  EXPECT_FALSE(Session::LoadBytes(ResizableModel(), options).ok());
  options.num_threads = 2;
  EXPECT_TRUE(Session::LoadBytes(ResizableModel(), options).ok());
  options.backend = "gpu";
  auto s = Session::LoadBytes(ResizableModel(), options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unknown backend"), std::string::npos);
}

TEST(SessionTest, ArenaLimitIsEnforcedBeforeAllocating) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4096, 4096, 16});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4096, 4096, 16});
  b.AddOp(ir::OpCode::kRelu, {x}, {y});
  b.MarkOutput(y);
  SessionOptions options;
  options.max_arena_bytes = size_t{1} << 30;
  auto s = Session::LoadBytes(*b.Build(), options);
  ASSERT_TRUE(s.ok());
  Status st = (*s)->Prepare();
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("byte limit"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace mai
