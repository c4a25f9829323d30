// Writes the fuzzer's seed corpus: small models that together reach the
// reader's main paths (quantization, fp16, sparsity, custom options,
// signatures) and many kernels. Run once; the files are kept in the repo.
//   build/tests/make_fuzz_corpus tests/fuzz/corpus
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/npy.h"
#include "tflite/model_builder.h"

using mai::DType;
using mai::tflite::ModelBuilder;
namespace ir = mai::ir;

namespace {

ir::QuantParams Q(float scale, int64_t zp) {
  ir::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

std::vector<float> Ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = 0.01f * static_cast<float>(i % 17) - 0.08f;
  return v;
}

using Maker = std::function<void(ModelBuilder&)>;

const std::vector<std::pair<std::string, Maker>>& Makers() {
  static const std::vector<std::pair<std::string, Maker>> makers = {
      {"conv_relu",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {1, 5, 5, 2});
         int w = b.AddConstant<float>("w", {3, 3, 3, 2}, Ramp(54));
         int bias = b.AddConstant<float>("b", {3}, {0.1f, -0.2f, 0.3f});
         int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
         ir::Conv2DParams p;
         p.activation = ir::Activation::kRelu;
         b.AddOp(ir::OpCode::kConv2D, {x, w, bias}, {y}, p);
         b.MarkOutput(y);
       }},
      {"depthwise_pool",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {1, 6, 6, 2});
         int w = b.AddConstant<float>("w", {1, 3, 3, 2}, Ramp(18));
         int bias = b.AddConstant<float>("b", {2}, {0.f, 1.f});
         int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
         ir::DepthwiseConv2DParams p;
         p.stride_w = p.stride_h = 2;
         b.AddOp(ir::OpCode::kDepthwiseConv2D, {x, w, bias}, {y}, p);
         int z = b.AddTensor("z", DType::kFloat32, std::nullopt);
         ir::Pool2DParams pp;
         pp.filter_w = pp.filter_h = 2;
         b.AddOp(ir::OpCode::kMaxPool2D, {y}, {z}, pp);
         b.MarkOutput(z);
       }},
      {"int8_conv_per_channel",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kInt8, {1, 4, 4, 2}, Q(0.05f, 3));
         ir::QuantParams wq;
         wq.scale = {0.01f, 0.02f};
         wq.zero_point = {0, 0};
         wq.quantized_dimension = 0;
         std::vector<int8_t> w(2 * 2 * 2 * 2);
         for (size_t i = 0; i < w.size(); ++i)
           w[i] = static_cast<int8_t>(i * 7 - 50);
         int wt = b.AddConstant<int8_t>("w", {2, 2, 2, 2}, w, wq);
         ir::QuantParams bq;
         bq.scale = {0.0005f, 0.001f};
         bq.zero_point = {0, 0};
         int bias = b.AddConstant<int32_t>("b", {2}, {10, -20}, bq);
         int y = b.AddTensor("y", DType::kInt8, std::nullopt, Q(0.1f, -5));
         ir::Conv2DParams p;
         p.padding = ir::Padding::kValid;
         b.AddOp(ir::OpCode::kConv2D, {x, wt, bias}, {y}, p);
         b.MarkOutput(y);
       }},
      {"fp16_dequantize_fc",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {2, 4});
         std::vector<uint16_t> half = {0x3c00, 0xbc00, 0x3800, 0x0000,
                                       0x4000, 0x3c00, 0x3c00, 0x3c00,
                                       0xb800, 0x3c00, 0x0000, 0x3555};
         int wh = b.AddConstant<uint16_t>("w16", {3, 4}, half);
         b.graph().tensors[wh].dtype = DType::kFloat16;
         int w = b.AddTensor("w", DType::kFloat32, std::vector<int32_t>{3, 4});
         b.AddOp(ir::OpCode::kDequantize, {wh}, {w});
         int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kFullyConnected, {x, w, ir::kNoTensor}, {y},
                 ir::FullyConnectedParams{});
         b.MarkOutput(y);
       }},
      {"binary_broadcast",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {2, 1, 3});
         int c = b.AddConstant<float>("c", {4, 1}, {1.f, 2.f, 3.f, 4.f});
         int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kMul, {x, c}, {y}, ir::BinaryParams{});
         int z = b.AddTensor("z", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kLogistic, {y}, {z});
         b.MarkOutput(z);
       }},
      {"reshape_concat_softmax",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {1, 2, 3});
         int s = b.AddConstant<int32_t>("s", {2}, {2, 3});
         int r = b.AddTensor("r", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kReshape, {x, s}, {r}, ir::ReshapeParams{});
         int c = b.AddTensor("c", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kConcatenation, {r, r}, {c},
                 ir::ConcatenationParams{1});
         int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kSoftmax, {c}, {y}, ir::SoftmaxParams{1.0f});
         b.MarkOutput(y);
       }},
      {"resize_pad_mean",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {1, 3, 3, 1});
         int size = b.AddConstant<int32_t>("size", {2}, {6, 5});
         int r = b.AddTensor("r", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kResizeBilinear, {x, size}, {r},
                 ir::ResizeParams{false, true});
         int pads =
             b.AddConstant<int32_t>("pads", {4, 2}, {0, 0, 1, 1, 2, 0, 0, 0});
         int p = b.AddTensor("p", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kPad, {r, pads}, {p});
         int axes = b.AddConstant<int32_t>("axes", {2}, {1, 2});
         int m = b.AddTensor("m", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kMean, {p, axes}, {m}, ir::ReducerParams{true});
         b.MarkOutput(m);
       }},
      {"strided_slice_transpose",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {2, 4, 3});
         int begin = b.AddConstant<int32_t>("begin", {3}, {0, 1, 0});
         int end = b.AddConstant<int32_t>("end", {3}, {2, 4, 3});
         int strides = b.AddConstant<int32_t>("strides", {3}, {1, 2, 1});
         int s = b.AddTensor("s", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kStridedSlice, {x, begin, end, strides}, {s},
                 ir::StridedSliceParams{});
         int perm = b.AddConstant<int32_t>("perm", {3}, {2, 0, 1});
         int t = b.AddTensor("t", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kTranspose, {s, perm}, {t});
         b.MarkOutput(t);
       }},
      {"uint8_add",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kUInt8, {1, 4}, Q(0.1f, 128));
         int y = b.AddInput("y", DType::kUInt8, {1, 4}, Q(0.2f, 100));
         int z = b.AddTensor("z", DType::kUInt8, std::nullopt, Q(0.3f, 90));
         ir::BinaryParams p;
         p.activation = ir::Activation::kRelu6;
         b.AddOp(ir::OpCode::kAdd, {x, y}, {z}, p);
         b.MarkOutput(z);
       }},
      {"quantize_dequantize",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {3, 2}, {}, {-1, 2});
         int q = b.AddTensor("q", DType::kInt8, std::nullopt, Q(0.02f, -1));
         b.AddOp(ir::OpCode::kQuantize, {x}, {q});
         int d = b.AddTensor("d", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kDequantize, {q}, {d});
         b.MarkOutput(d);
         b.AddSignature("serving_default", {{"x", x}}, {{"d", d}});
       }},
      {"gather_split",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {4, 2});
         int idx = b.AddConstant<int32_t>("idx", {3}, {3, 0, 2});
         int g = b.AddTensor("g", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kGather, {x, idx}, {g}, ir::GatherParams{0, 0});
         int axis = b.AddConstant<int32_t>("axis", {}, {1});
         int s0 = b.AddTensor("s0", DType::kFloat32, std::nullopt);
         int s1 = b.AddTensor("s1", DType::kFloat32, std::nullopt);
         b.AddOp(ir::OpCode::kSplit, {axis, g}, {s0, s1}, ir::SplitParams{2});
         b.MarkOutput(s0);
         b.MarkOutput(s1);
       }},
      {"transpose_conv_bias_custom",
       [](ModelBuilder& b) {
         int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
         int w = b.AddConstant<float>("w", {1, 2, 2, 1}, {1.f, 2.f, 3.f, 4.f});
         int bias = b.AddConstant<float>("b", {1}, {0.5f});
         int y = b.AddTensor("y", DType::kFloat32,
                             std::vector<int32_t>{1, 4, 4, 1});
         std::vector<uint8_t> opts(12, 0);
         opts[0] = 1;  // SAME
         opts[4] = 2;  // stride w
         opts[8] = 2;  // stride h
         b.AddCustomOp("Convolution2DTransposeBias", {x, w, bias}, {y}, opts);
         b.MarkOutput(y);
       }},
  };
  return makers;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
    return 2;
  }
  int failures = 0;
  for (const auto& [name, make] : Makers()) {
    ModelBuilder b;
    make(b);
    auto bytes = b.Build();
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(),
                   bytes.status().message().c_str());
      ++failures;
      continue;
    }
    std::string path = fmt::format("{}/{}.tflite", argv[1], name);
    if (!mai::WriteFileBytes(path, *bytes).ok()) ++failures;
    std::printf("%s (%zu bytes)\n", path.c_str(), bytes->size());
  }
  return failures ? 1 : 0;
}
