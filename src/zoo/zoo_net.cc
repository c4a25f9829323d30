#include "zoo/zoo_net.h"

#include <cmath>

namespace mai::zoo {

using ir::OpCode;

ZooNet::ZooNet(uint32_t seed) : state_(0x9E3779B97F4A7C15ull ^ seed) {}

float ZooNet::Uniform() {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

std::vector<float> ZooNet::Weights(size_t n, int fan_in, float gain) {
  const float limit = std::sqrt(3.0f * gain / static_cast<float>(fan_in));
  std::vector<float> v(n);
  for (float& x : v) x = limit * Uniform();
  return v;
}

std::vector<float> ZooNet::Biases(size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = 0.01f * Uniform();
  return v;
}

std::string ZooNet::Name(const std::string& base) {
  return base + "_" + std::to_string(counter_++);
}

Act ZooNet::NewAct(const Shape& shape, const std::string& base) {
  return {b_.AddTensor(Name(base), DType::kFloat32, shape), shape};
}

Act ZooNet::Input(const Shape& shape) {
  return {b_.AddInput(Name("input"), DType::kFloat32, shape), shape};
}

void ZooNet::Output(const Act& x) { b_.MarkOutput(x.id); }

namespace {
float Gain(ir::Activation act) {
  return act == ir::Activation::kNone ? 1.0f : 2.0f;
}
int Ceil(int a, int b) { return (a + b - 1) / b; }
}  // namespace

Act ZooNet::Conv(const Act& x, int cout, int k, int stride, ir::Activation act,
                 float gain) {
  const int cin = x.c();
  if (gain <= 0.0f) gain = Gain(act);
  int w = b_.AddConstant<float>(
      Name("conv_w"), {cout, k, k, cin},
      Weights(static_cast<size_t>(cout) * k * k * cin, k * k * cin, gain));
  int bias = b_.AddConstant<float>(Name("conv_b"), {cout}, Biases(cout));
  Act y = NewAct({x.shape[0], Ceil(x.h(), stride), Ceil(x.w(), stride), cout},
                 "conv");
  ir::Conv2DParams p;
  p.stride_h = p.stride_w = stride;
  p.activation = act;
  b_.AddOp(OpCode::kConv2D, {x.id, w, bias}, {y.id}, p);
  return y;
}

Act ZooNet::DepthwiseConv(const Act& x, int k, int stride, ir::Activation act) {
  const int c = x.c();
  int w = b_.AddConstant<float>(
      Name("dw_w"), {1, k, k, c},
      Weights(static_cast<size_t>(k) * k * c, k * k, Gain(act)));
  int bias = b_.AddConstant<float>(Name("dw_b"), {c}, Biases(c));
  Act y =
      NewAct({x.shape[0], Ceil(x.h(), stride), Ceil(x.w(), stride), c}, "dw");
  ir::DepthwiseConv2DParams p;
  p.stride_h = p.stride_w = stride;
  p.activation = act;
  b_.AddOp(OpCode::kDepthwiseConv2D, {x.id, w, bias}, {y.id}, p);
  return y;
}

Act ZooNet::Add(const Act& a, const Act& b, ir::Activation act) {
  Act y = NewAct(a.shape, "add");
  ir::BinaryParams p;
  p.activation = act;
  b_.AddOp(OpCode::kAdd, {a.id, b.id}, {y.id}, p);
  return y;
}

Act ZooNet::Concat(const std::vector<Act>& parts) {
  Shape s = parts[0].shape;
  s.back() = 0;
  std::vector<int> ids;
  for (const Act& a : parts) {
    s.back() += a.c();
    ids.push_back(a.id);
  }
  Act y = NewAct(s, "concat");
  ir::ConcatenationParams p;
  p.axis = static_cast<int32_t>(s.size()) - 1;
  b_.AddOp(OpCode::kConcatenation, ids, {y.id}, p);
  return y;
}

Act ZooNet::DepthToSpace(const Act& x, int block) {
  Act y = NewAct(
      {x.shape[0], x.h() * block, x.w() * block, x.c() / (block * block)},
      "d2s");
  b_.AddOp(OpCode::kDepthToSpace, {x.id}, {y.id}, ir::BlockSizeParams{block});
  return y;
}

Act ZooNet::ResizeNearest(const Act& x, int h, int w) {
  int size = b_.AddConstant<int32_t>(Name("size"), {2}, {h, w});
  Act y = NewAct({x.shape[0], h, w, x.c()}, "resize_nn");
  b_.AddOp(OpCode::kResizeNearestNeighbor, {x.id, size}, {y.id},
           ir::ResizeParams{});
  return y;
}

Act ZooNet::ResizeBilinear(const Act& x, int h, int w) {
  int size = b_.AddConstant<int32_t>(Name("size"), {2}, {h, w});
  Act y = NewAct({x.shape[0], h, w, x.c()}, "resize_bilinear");
  b_.AddOp(OpCode::kResizeBilinear, {x.id, size}, {y.id}, ir::ResizeParams{});
  return y;
}

Act ZooNet::MaxPool(const Act& x, int k, int stride) {
  Act y = NewAct({x.shape[0], Ceil(x.h(), stride), Ceil(x.w(), stride), x.c()},
                 "pool");
  ir::Pool2DParams p;
  p.stride_h = p.stride_w = stride;
  p.filter_h = p.filter_w = k;
  b_.AddOp(OpCode::kMaxPool2D, {x.id}, {y.id}, p);
  return y;
}

Act ZooNet::Clip(const Act& x, float lo, float hi) {
  int lo_t = b_.AddConstant<float>(Name("clip_lo"), {1}, {lo});
  int hi_t = b_.AddConstant<float>(Name("clip_hi"), {1}, {hi});
  Act m = NewAct(x.shape, "max");
  b_.AddOp(OpCode::kMaximum, {x.id, lo_t}, {m.id});
  Act y = NewAct(x.shape, "min");
  b_.AddOp(OpCode::kMinimum, {m.id, hi_t}, {y.id});
  return y;
}

Act ZooNet::Mean(const Act& x) {
  int axes = b_.AddConstant<int32_t>(Name("axes"), {2}, {1, 2});
  Act y = NewAct({x.shape[0], x.c()}, "mean");
  b_.AddOp(OpCode::kMean, {x.id, axes}, {y.id}, ir::ReducerParams{false});
  return y;
}

Act ZooNet::FullyConnected(const Act& x, int out) {
  const int in = x.c();
  int w =
      b_.AddConstant<float>(Name("fc_w"), {out, in},
                            Weights(static_cast<size_t>(out) * in, in, 1.0f));
  int bias = b_.AddConstant<float>(Name("fc_b"), {out}, Biases(out));
  Act y = NewAct({x.shape[0], out}, "fc");
  b_.AddOp(OpCode::kFullyConnected, {x.id, w, bias}, {y.id},
           ir::FullyConnectedParams{});
  return y;
}

Act ZooNet::Softmax(const Act& x) {
  Act y = NewAct(x.shape, "softmax");
  b_.AddOp(OpCode::kSoftmax, {x.id}, {y.id}, ir::SoftmaxParams{1.0f});
  return y;
}

Status CheckSize(const std::string& model, int h, int w, int multiple) {
  if (h < 1 || w < 1 || h > 8192 || w > 8192) {
    return InvalidArgument("{}: input size {}x{} out of [1, 8192]", model, h,
                           w);
  }
  if (h % multiple != 0 || w % multiple != 0) {
    return InvalidArgument(
        "{}: input height and width must be multiples of {}"
        " (got {}x{})",
        model, multiple, h, w);
  }
  return Status::Ok();
}

}  // namespace mai::zoo
