#include "ir/op_cost.h"

namespace mai::ir {
namespace {

const Tensor* At(const Graph& g, const std::vector<int32_t>& ids, size_t i) {
  if (i >= ids.size() || ids[i] < 0 ||
      ids[i] >= static_cast<int>(g.tensors.size()))
    return nullptr;
  return &g.tensors[ids[i]];
}

}  // namespace

int64_t NodeMacs(const Graph& graph, int node_index) {
  const Node& node = graph.nodes[node_index];
  const Tensor* out = At(graph, node.outputs, 0);
  if (out == nullptr) return 0;
  const int64_t out_elems = NumElementsUnchecked(out->shape);
  switch (node.op) {
    case OpCode::kConv2D: {  // weights [O, H, W, I]
      const Tensor* w = At(graph, node.inputs, 1);
      if (!w || w->shape.size() != 4) return 0;
      return out_elems * w->shape[1] * w->shape[2] * w->shape[3];
    }
    case OpCode::kDepthwiseConv2D: {  // weights [1, H, W, C*M]
      const Tensor* w = At(graph, node.inputs, 1);
      if (!w || w->shape.size() != 4) return 0;
      return out_elems * w->shape[1] * w->shape[2];
    }
    case OpCode::kTransposeConv: {  // inputs: output_shape, weights [O,H,W,I],
                                    // input
      const Tensor* w = At(graph, node.inputs, 1);
      const Tensor* in = At(graph, node.inputs, 2);
      if (!w || !in || w->shape.size() != 4) return 0;
      return NumElementsUnchecked(in->shape) * w->shape[0] * w->shape[1] *
             w->shape[2];
    }
    case OpCode::kFullyConnected: {  // weights [O, I]
      const Tensor* w = At(graph, node.inputs, 1);
      if (!w || w->shape.size() != 2) return 0;
      return out_elems * w->shape[1];
    }
    case OpCode::kBatchMatmul: {
      const Tensor* a = At(graph, node.inputs, 0);
      if (!a || a->shape.size() < 2) return 0;
      const auto* p = std::get_if<BatchMatMulParams>(&node.params);
      int32_t k =
          (p && p->adj_x) ? a->shape[a->shape.size() - 2] : a->shape.back();
      return out_elems * k;
    }
    case OpCode::kCustom:
      if (node.custom_name == "Convolution2DTransposeBias") {
        const Tensor* in = At(graph, node.inputs, 0);
        const Tensor* w = At(graph, node.inputs, 1);
        if (!w || !in || w->shape.size() != 4) return 0;
        return NumElementsUnchecked(in->shape) * w->shape[0] * w->shape[1] *
               w->shape[2];
      }
      return 0;
    default:
      return 0;
  }
}

}  // namespace mai::ir
