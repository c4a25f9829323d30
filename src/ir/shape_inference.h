// Shape inference: computes the shape and dtype of every op output from its
// inputs and params. Lives in ir/ so that kernels never compute shapes; the
// runtime calls it at prepare time and again after an input resize.
//
// One ShapeFn per op, grouped in files by op family (ir/shapes/*.cc); the
// table from OpCode to ShapeFn is plain code in ir/shape_inference.cc.
// Custom ops bring their own ShapeFn (see backends/custom_op.h).
#ifndef MAI_IR_SHAPE_INFERENCE_H_
#define MAI_IR_SHAPE_INFERENCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::ir {

// What one ShapeFn sees: the node, its input tensors, and its output
// tensors (whose `shape` it must set; dtype and quant are taken from the
// file and only checked).
class ShapeContext {
 public:
  ShapeContext(Graph& graph, int node_index)
      : graph_(graph), node_index_(node_index) {}

  const Node& node() const { return graph_.nodes[node_index_]; }
  int node_index() const { return node_index_; }
  int num_inputs() const { return static_cast<int>(node().inputs.size()); }
  int num_outputs() const { return static_cast<int>(node().outputs.size()); }

  // Input i, or nullptr when the input is absent (kNoTensor) or i is out of
  // range. Indices were validated by the reader.
  const Tensor* input(int i) const;
  Tensor* output(int i);

  // Values of input i as int64 when it is constant (int32/int64/int16/int8/
  // uint8/bool tensors); nullopt when it is absent or not constant.
  std::optional<std::vector<int64_t>> ConstInts(int i) const;

  // Checks the node has between min and max inputs (absent ones count) and
  // exactly `outputs` outputs.
  Status ExpectArity(int min_inputs, int max_inputs, int outputs) const;

  // Sets output i's shape (and checks the element count is sane).
  Status SetOutputShape(int i, const Shape& shape);

  // An InvalidModel error prefixed with "node N (OP): ".
  template <typename... Args>
  Status Error(fmt::format_string<Args...> f, Args&&... args) const {
    return InvalidModel("{}: {}", graph_.NodeLabel(node_index_),
                        fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  Status Unsupported(fmt::format_string<Args...> f, Args&&... args) const {
    return Unimplemented("{}: {}", graph_.NodeLabel(node_index_),
                         fmt::format(f, std::forward<Args>(args)...));
  }

  Graph& graph() { return graph_; }

 private:
  Graph& graph_;
  int node_index_;
};

using ShapeFn = Status (*)(ShapeContext& ctx);

// Shape function of a builtin op; nullptr when mai has none.
ShapeFn FindShapeFn(OpCode op);

// Shape function of a custom op by name; provided by the runtime.
using CustomShapeFnLookup = std::function<ShapeFn(const std::string& name)>;

// Infers output shapes of node `node_index` (inputs must already have
// shapes). Unimplemented when the op has no shape function.
Status InferNodeShapes(Graph& graph, int node_index,
                       const CustomShapeFnLookup& custom = {});

// Infers all nodes in order.
Status InferShapes(Graph& graph, const CustomShapeFnLookup& custom = {});

// Shape of a 2D conv/pool output dim and its padding, as TFLite computes
// them for SAME/VALID. Error for non-positive results.
struct PaddedDim {
  int32_t out = 0;
  int32_t pad_before = 0;  // padding added before the first element
  int32_t pad_total = 0;   // before + after
  int32_t pad_after() const { return pad_total - pad_before; }
};
// SAME or VALID; kExplicit is an error here (its amounts are not known):
// use the overload below.
Result<PaddedDim> ComputePaddedDim(Padding padding, int32_t in, int32_t filter,
                                   int32_t stride, int32_t dilation);
// Any padding mode; `explicit_before`/`explicit_after` (>= 0) are the
// paddings used with kExplicit and ignored otherwise. Explicit padding gives
// out = (in + before + after - ((filter - 1) * dilation + 1)) / stride + 1
// (rounded down), pad_before = before, pad_total = before + after.
Result<PaddedDim> ComputePaddedDim(Padding padding, int32_t in, int32_t filter,
                                   int32_t stride, int32_t dilation,
                                   int32_t explicit_before,
                                   int32_t explicit_after);

// The H or W window of a conv/pool op: params.padding with the matching
// explicit amounts (top/bottom for H, left/right for W).
template <typename Params>
Result<PaddedDim> ComputePaddedHeight(const Params& p, int32_t in,
                                      int32_t filter, int32_t stride,
                                      int32_t dilation) {
  return ComputePaddedDim(p.padding, in, filter, stride, dilation,
                          p.explicit_padding.top, p.explicit_padding.bottom);
}
template <typename Params>
Result<PaddedDim> ComputePaddedWidth(const Params& p, int32_t in,
                                     int32_t filter, int32_t stride,
                                     int32_t dilation) {
  return ComputePaddedDim(p.padding, in, filter, stride, dilation,
                          p.explicit_padding.left, p.explicit_padding.right);
}

}  // namespace mai::ir

#endif  // MAI_IR_SHAPE_INFERENCE_H_
