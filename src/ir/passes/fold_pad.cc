#include "ir/passes/fold_pad.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <variant>

#include "ir/shape_inference.h"

namespace mai::ir {
namespace {

// H/W paddings of a foldable PAD, in rows/columns.
struct HwPads {
  int32_t top = 0, bottom = 0, left = 0, right = 0;
};

bool SameQuant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

bool IsFoldableDType(DType t) {
  return t == DType::kFloat32 || t == DType::kInt8 || t == DType::kUInt8;
}

// The [4, 2] constant paddings of `pad` when only H and W are padded and
// x/y shapes agree with them.
std::optional<HwPads> ReadHwPads(const Graph& graph, const Node& pad) {
  const Tensor& x = graph.tensors[pad.inputs[0]];
  const Tensor& y = graph.tensors[pad.outputs[0]];
  const Tensor& paddings = graph.tensors[pad.inputs[1]];
  if (!paddings.is_constant() || x.shape.size() != 4 || y.shape.size() != 4 ||
      paddings.shape != Shape{4, 2}) {
    return std::nullopt;
  }
  std::array<int64_t, 8> v{};
  if (paddings.dtype == DType::kInt32) {
    auto values = paddings.ConstValues<int32_t>();
    if (values.size() != v.size()) return std::nullopt;
    std::copy(values.begin(), values.end(), v.begin());
  } else if (paddings.dtype == DType::kInt64) {
    auto values = paddings.ConstValues<int64_t>();
    if (values.size() != v.size()) return std::nullopt;
    std::copy(values.begin(), values.end(), v.begin());
  } else {
    return std::nullopt;
  }
  if (v[0] != 0 || v[1] != 0 || v[6] != 0 || v[7] != 0) return std::nullopt;
  for (int d = 0; d < 4; ++d) {
    if (v[2 * d] < 0 || v[2 * d + 1] < 0 ||
        x.shape[d] + v[2 * d] + v[2 * d + 1] != y.shape[d]) {
      return std::nullopt;
    }
  }
  // Each value is now at most a dimension of y, so it fits int32.
  return HwPads{static_cast<int32_t>(v[2]), static_cast<int32_t>(v[3]),
                static_cast<int32_t>(v[4]), static_cast<int32_t>(v[5])};
}

// True when the node fills its padding with the real value 0: PAD, PADV2
// without a value, or PADV2 with a constant 0 / zero-point value. Requires
// x and y to be float32, or int8/uint8 with identical per-tensor quantization.
bool PadsWithZero(const Graph& graph, const Node& pad) {
  const Tensor& x = graph.tensors[pad.inputs[0]];
  const Tensor& y = graph.tensors[pad.outputs[0]];
  if (x.dtype != y.dtype || !IsFoldableDType(x.dtype)) return false;
  const bool quantized = x.dtype != DType::kFloat32;
  if (quantized) {
    if (x.quant.scale.size() != 1 || x.quant.zero_point.size() != 1 ||
        !SameQuant(x.quant, y.quant)) {
      return false;
    }
  }
  if (pad.op == OpCode::kPad || pad.inputs.size() < 3 ||
      pad.inputs[2] == kNoTensor) {
    return true;
  }
  const Tensor& value = graph.tensors[pad.inputs[2]];
  if (!value.is_constant() || value.dtype != x.dtype ||
      NumElementsUnchecked(value.shape) != 1 ||
      value.data_bytes < DTypeSize(value.dtype)) {
    return false;
  }
  if (!quantized) {
    float f;
    std::memcpy(&f, value.data, sizeof(f));
    return f == 0.0f;
  }
  if (!value.quant.empty() && !SameQuant(value.quant, y.quant)) return false;
  const int64_t raw = x.dtype == DType::kInt8
                          ? int64_t{static_cast<int8_t>(value.data[0])}
                          : int64_t{value.data[0]};
  return raw == y.quant.zero_point[0];
}

// The fused activation of a node whose params have one.
std::optional<Activation> FusedActivationOf(const Node& node) {
  return std::visit(
      [](const auto& p) -> std::optional<Activation> {
        if constexpr (requires { p.activation; }) {
          return p.activation;
        } else {
          return std::nullopt;
        }
      },
      node.params);
}

// True when every value of the tensor node `producer` writes is >= 0 (>= the
// zero point when quantized): RELU/RELU6 nodes and fused RELU/RELU6.
bool ProducesNonNegative(const Node& producer) {
  if (producer.op == OpCode::kRelu || producer.op == OpCode::kRelu6) {
    return true;
  }
  std::optional<Activation> act = FusedActivationOf(producer);
  return act == Activation::kRelu || act == Activation::kRelu6;
}

// One spatial dim of a window op reading the padded tensor.
struct DimWindow {
  int32_t in = 0;                         // unpadded size (x)
  int32_t padded = 0;                     // padded size (y)
  int32_t pad_before = 0, pad_after = 0;  // PAD's amounts
  int32_t filter = 1, stride = 1, dilation = 1;
  int32_t out = 0;  // the consumer's output size
};

// The explicit padding (before, after) that makes the consumer read `in`
// and produce the output it produced from `padded` with padding mode
// `padding` (own_before/own_after: its explicit amounts, for kExplicit).
// nullopt when the output size would change, or when `need_real` and some
// window would hold only padding.
std::optional<std::pair<int32_t, int32_t>> FoldDim(const DimWindow& d,
                                                   Padding padding,
                                                   int32_t own_before,
                                                   int32_t own_after,
                                                   bool need_real) {
  auto own = ComputePaddedDim(padding, d.padded, d.filter, d.stride, d.dilation,
                              own_before, own_after);
  if (!own.ok() || own->out != d.out) return std::nullopt;
  const int64_t before = int64_t{d.pad_before} + own->pad_before;
  const int64_t after = int64_t{d.pad_after} + own->pad_after();
  if (before > INT32_MAX || after > INT32_MAX) return std::nullopt;
  auto folded = ComputePaddedDim(Padding::kExplicit, d.in, d.filter, d.stride,
                                 d.dilation, static_cast<int32_t>(before),
                                 static_cast<int32_t>(after));
  if (!folded.ok() || folded->out != d.out) return std::nullopt;
  if (need_real) {
    // Windows start at o * stride - before (in x's coordinates) and span
    // `effective` elements; they move monotonically, so the first must end
    // at or after 0 and the last start at or before in - 1.
    const int64_t effective = int64_t{d.filter - 1} * d.dilation + 1;
    const int64_t last_start = int64_t{d.out - 1} * d.stride - before;
    if (d.in < 1 || before >= effective || last_start > d.in - 1) {
      return std::nullopt;
    }
  }
  return std::make_pair(static_cast<int32_t>(before),
                        static_cast<int32_t>(after));
}

// Folds the PAD's H/W padding into `p` (a window op's params) when the
// output shape is preserved; false (p untouched) otherwise.
template <typename Params>
bool FoldInto(Params& p, const Shape& x, const Shape& y, const Shape& out,
              const HwPads& pads, int32_t filter_h, int32_t filter_w,
              int32_t dilation_h, int32_t dilation_w, bool need_real) {
  if (out.size() != 4) return false;
  DimWindow h{x[1],     y[1],       pads.top,   pads.bottom,
              filter_h, p.stride_h, dilation_h, out[1]};
  DimWindow w{x[2],     y[2],       pads.left,  pads.right,
              filter_w, p.stride_w, dilation_w, out[2]};
  auto fh = FoldDim(h, p.padding, p.explicit_padding.top,
                    p.explicit_padding.bottom, need_real);
  auto fw = FoldDim(w, p.padding, p.explicit_padding.left,
                    p.explicit_padding.right, need_real);
  if (!fh || !fw) return false;
  p.padding = Padding::kExplicit;
  p.explicit_padding = {fh->first, fh->second, fw->first, fw->second};
  return true;
}

}  // namespace

int FoldPads(Graph& graph, std::vector<int>& live_nodes) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  std::vector<int> readers(num_tensors, 0);
  std::vector<int> consumer(num_tensors, -1);  // a reader (the only one when
                                               // readers == 1)
  std::vector<int> producer(num_tensors, -1);
  for (int n : live_nodes) {
    for (int t : graph.nodes[n].inputs) {
      if (t < 0) continue;
      readers[t]++;
      consumer[t] = n;
    }
    for (int t : graph.nodes[n].outputs) {
      if (t >= 0) producer[t] = n;
    }
  }
  std::vector<bool> is_output(num_tensors, false);
  for (int t : graph.outputs) is_output[t] = true;

  int folded = 0;
  std::vector<bool> dropped(graph.nodes.size(), false);
  for (int n : live_nodes) {
    const Node& pad = graph.nodes[n];
    if (pad.op != OpCode::kPad && pad.op != OpCode::kPadv2) continue;
    if (pad.inputs.size() < 2 || pad.outputs.size() != 1 || pad.inputs[0] < 0 ||
        pad.inputs[1] < 0 || pad.outputs[0] < 0) {
      continue;
    }
    const int x = pad.inputs[0], y = pad.outputs[0];
    if (readers[y] != 1 || is_output[y] || graph.tensors[y].is_variable) {
      continue;
    }
    std::optional<HwPads> pads = ReadHwPads(graph, pad);
    if (!pads || !PadsWithZero(graph, pad)) continue;

    Node& c = graph.nodes[consumer[y]];
    if (c.inputs.empty() || c.inputs[0] != y || c.outputs.empty() ||
        c.outputs[0] < 0) {
      continue;
    }
    const Shape& xs = graph.tensors[x].shape;
    const Shape& ys = graph.tensors[y].shape;
    const Shape& out = graph.tensors[c.outputs[0]].shape;
    bool done = false;
    if (c.op == OpCode::kConv2D || c.op == OpCode::kDepthwiseConv2D) {
      if (c.inputs.size() < 2 || c.inputs[1] < 0) continue;
      const Shape& f = graph.tensors[c.inputs[1]].shape;
      if (f.size() != 4) continue;
      if (auto* p = std::get_if<Conv2DParams>(&c.params);
          p && c.op == OpCode::kConv2D) {
        done = FoldInto(*p, xs, ys, out, *pads, f[1], f[2], p->dilation_h,
                        p->dilation_w, /*need_real=*/false);
      } else if (auto* q = std::get_if<DepthwiseConv2DParams>(&c.params);
                 q && c.op == OpCode::kDepthwiseConv2D) {
        done = FoldInto(*q, xs, ys, out, *pads, f[1], f[2], q->dilation_h,
                        q->dilation_w, /*need_real=*/false);
      }
    } else if (c.op == OpCode::kMaxPool2D) {
      auto* p = std::get_if<Pool2DParams>(&c.params);
      if (p == nullptr || producer[x] < 0 || dropped[producer[x]] ||
          !ProducesNonNegative(graph.nodes[producer[x]])) {
        continue;
      }
      done = FoldInto(*p, xs, ys, out, *pads, p->filter_h, p->filter_w, 1, 1,
                      /*need_real=*/true);
    }
    if (!done) continue;
    c.inputs[0] = x;
    readers[y] = 0;
    consumer[y] = -1;
    dropped[n] = true;
    ++folded;
  }
  if (folded > 0) {
    live_nodes.erase(std::remove_if(live_nodes.begin(), live_nodes.end(),
                                    [&](int n) { return dropped[n]; }),
                     live_nodes.end());
  }
  return folded;
}

}  // namespace mai::ir
